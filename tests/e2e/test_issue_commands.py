"""/issue end to end: notices in department channels, buttons, acknowledgements, follow-up."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from storage.models import Issue, IssueNote, OutboxMessage
from tests.blockcheck import assert_valid_blocks, assert_valid_view
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq


def bind(bot: Bot, code: str, channel: str) -> None:
    reply = bot.command("/returbot", f"channel {code}", user=COORDINATOR, channel=channel)
    assert reply.in_channel, reply.text


def issues_in(bot: Bot) -> int:
    with bot.db.session() as session:
        return session.scalar(select(func.count()).select_from(Issue)) or 0


def test_register_notifies_each_department_and_the_owner(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bind(bot, "PU", "CPU")
    reply = bot.command(
        "/issue",
        'Mangler reisedokumenter dept:RMA,PU details:"Gjelder flere saker" owner:<@UOLA|ola> '
        "due:1.12.2026 prio:høy",
    )
    assert reply.in_channel and "I-1" in reply.text
    assert_valid_blocks(reply.json["blocks"])
    bot.deliver()
    for channel, code in (("CRMA", "RMA"), ("CPU", "PU")):
        posted = bot.slack.posted(channel)
        assert len(posted) == 1
        notice = posted[0]
        assert_valid_blocks(notice["blocks"])
        assert code in json.dumps(notice["blocks"], ensure_ascii=False)
        action_ids = [
            e["action_id"]
            for b in notice["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert action_ids == ["issue_ack", "issue_take", "issue_note", "issue_close"]
    dm = bot.slack.posted("UOLA")
    assert len(dm) == 1 and "I-1" in dm[0]["text"]
    with bot.db.session() as session:
        issue = session.scalars(select(Issue)).one()
        assert (issue.owner, issue.reporter, issue.priority) == ("UOLA", "UKARI", "high")
        assert issue.due == date(2026, 12, 1)
        assert all(d.notice_ts for d in issue.departments)


def test_unbound_department_tells_the_coordinator_once(bot: Bot) -> None:
    bot.command("/issue", "Første dept:OPA")
    bot.command("/issue", "Andre dept:OPA")
    bot.deliver()
    alerts = bot.slack.posted(COORDINATOR)
    assert len(alerts) == 1
    assert "/returbot channel OPA" in alerts[0]["text"]


def test_ack_button_updates_the_notice_in_place(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["URMA"])
    bot.command("/issue", "Felles praksis dept:RMA")
    bot.deliver()
    with bot.db.session() as session:
        ts = session.scalars(select(Issue)).one().departments[0].notice_ts
    body = slackreq.action_body(
        "issue_ack", "1:RMA", user_id="URMA", channel_id="CRMA", message_ts=ts
    )
    assert bot.send(body).status == 200
    bot.deliver()
    updates = bot.slack.calls_to("chat.update")
    assert len(updates) == 1
    update = updates[0].params
    assert update["ts"] == ts and update["channel"] == "CRMA"
    assert_valid_blocks(update["blocks"])
    dumped = json.dumps(update["blocks"], ensure_ascii=False)
    assert "URMA" in dumped and "issue_ack" not in dumped
    again = bot.command("/issue", "ack I-1 dept:RMA", user=COORDINATOR)
    assert "URMA" in again.text and not again.in_channel


def test_take_and_close_buttons_and_permissions(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["UOLA"])
    bot.command("/issue", "Ansvar dept:RMA")
    bot.deliver()
    bot.send(slackreq.action_body("issue_take", "1", user_id="UOLA", channel_id="CRMA"))
    refused = slackreq.action_body("issue_close", "1", user_id="UOTHER", channel_id="CRMA")
    bot.send(refused)
    ephemeral = bot.slack.calls_to("chat.postEphemeral")
    assert any(c.params["user"] == "UOTHER" and "<@UOLA>" in c.params["text"] for c in ephemeral)
    bot.send(slackreq.action_body("issue_close", "1", user_id="UOLA", channel_id="CRMA"))
    bot.deliver()
    with bot.db.session() as session:
        issue = session.scalars(select(Issue)).one()
        assert (issue.owner, issue.status, issue.closed_by) == ("UOLA", "closed", "UOLA")
    last = bot.slack.calls_to("chat.update")[-1].params
    assert "issue_ack" not in json.dumps(last["blocks"], ensure_ascii=False)


def test_note_button_opens_a_modal_that_adds_a_note(bot: Bot) -> None:
    bot.command("/issue", "Notat dept:RMA")
    bot.send(slackreq.action_body("issue_note", "1", user_id="UOLA"))
    view = bot.slack.wait_for("views.open")[0].params["view"]
    assert_valid_view(view)
    values = {"note": {"value": {"type": "plain_text_input", "value": "Venter på PU"}}}
    body = slackreq.view_submission_body(
        "issue_note_modal", values, user_id="UOLA", private_metadata=view["private_metadata"]
    )
    assert bot.send(body).status == 200
    shown = bot.command("/issue", "show I-1")
    assert "Venter på PU" in json.dumps(shown.json, ensure_ascii=False)


def test_commands_note_assign_close_reopen(bot: Bot) -> None:
    bot.command("/decision", "Løsningen")
    bot.command("/issue", "Saken dept:RMA")
    assert bot.command("/issue", "note I-1 Første notat").in_channel
    assert "<@UOLA>" in bot.command("/issue", "assign I-1 <@UOLA|ola>").text
    refused = bot.command("/issue", "close I-1", user="UOTHER")
    assert not refused.in_channel and "<@UOLA>" in refused.text
    closed = bot.command("/issue", "close I-1 decision:D-1 Løst med ny rutine")
    assert closed.in_channel and "D-1" in closed.text
    assert "allerede lukket" in bot.command("/issue", "close I-1").text
    shown = json.dumps(bot.command("/issue", "show I-1").json, ensure_ascii=False)
    assert "Løst med ny rutine" in shown and "D-1" in shown and "Lukket" in shown
    assert bot.command("/issue", "reopen I-1", user=COORDINATOR).in_channel
    with bot.db.session() as session:
        issue = session.scalars(select(Issue)).one()
        assert issue.status == "open" and issue.closed_at is None
        notes = session.scalars(select(IssueNote.text)).all()
        assert notes == ["Første notat", "Løst med ny rutine"]


def test_list_is_most_urgent_first_with_filters(bot: Bot) -> None:
    bot.command("/issue", "Lav dept:RMA prio:lav")
    bot.command("/issue", "Høy dept:PU prio:høy")
    bot.command("/issue", "Frist snart dept:RMA due:27.11.2026")
    bot.command("/issue", "Min egen dept:RMA", user="UOLA")
    bot.clock.advance(days=3)  # I-3 is now overdue
    text = bot.command("/issue", "list").text
    order = [text.index(f"*I-{n}*") for n in (3, 2, 4, 1)]
    assert order == sorted(order)
    assert "på overtid" in text
    only_pu = bot.command("/issue", "list dept:pu").text
    assert "I-2" in only_pu and "I-1" not in only_pu
    mine = bot.command("/issue", "list mine", user="UOLA").text
    assert "I-4" in mine and "I-1" not in mine
    assert "status:" in bot.command("/issue", "list status:x").text
    bot.command("/issue", "close I-1")
    assert "I-1" in bot.command("/issue", "list status:closed").text
    assert "I-1" not in bot.command("/issue", "list").text


def test_bad_input_writes_nothing(bot: Bot) -> None:
    cases = {
        "Uten avdeling": "dept:",
        "Feil avdeling dept:XYZ": "XYZ",
        "Frist passert dept:RMA due:1.1.2026": "passert",
        "Prioritet dept:RMA prio:kritisk": "kritisk",
        "Eier dept:RMA owner:kari": "kari",
        'Fnr dept:RMA details:"01019010127"': "fødselsnummer",
        "": "",
    }
    for text, expected in cases.items():
        if not text:
            continue
        reply = bot.command("/issue", text)
        assert reply.status == 200 and not reply.in_channel, text
        assert expected in reply.text, (text, reply.text)
    assert "I-7" in bot.command("/issue", "show I-7").text
    assert issues_in(bot) == 0
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_modal_and_message_shortcut(bot: Bot) -> None:
    body = slackreq.shortcut_body(
        "issue_from_message", message_text="PU mangler svar\nmer tekst", channel_id="CNET"
    )
    bot.send(body)
    view = bot.slack.wait_for("views.open")[0].params["view"]
    assert_valid_view(view)
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "PU mangler svar"}},
        "departments": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "PU"}]}
        },
        "priority": {"value": {"type": "static_select", "selected_option": {"value": "high"}}},
        "owner": {"value": {"type": "users_select", "selected_user": "UOLA"}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-01-01"}},
    }
    meta = view["private_metadata"]
    refused = bot.send(slackreq.view_submission_body("issue_modal", values, private_metadata=meta))
    assert "due" in refused.json["errors"]
    values["due"]["value"]["selected_date"] = "2026-12-24"
    accepted = bot.send(slackreq.view_submission_body("issue_modal", values, private_metadata=meta))
    assert accepted.status == 200
    with bot.db.session() as session:
        issue = session.scalars(select(Issue)).one()
        assert (issue.owner, issue.priority, issue.source_channel) == ("UOLA", "high", "CNET")
    bot.deliver()
    assert any("I-1" in p["text"] for p in bot.slack.posted("CNET"))
