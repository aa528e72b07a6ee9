"""Slack Connect (SPEC §8): partner agencies in Slack organisations of their own.

A second team in the fake Slack: PU's users (team ``T0PUPOLITI``, named as PU's ``slack_team``
in the config) are in none of the bot's channels' member lists, yet they belong to PU; a user of
a team the config does not know belongs to nothing and is told so. Everything they do goes
through the bot's messages (buttons and forms), since Slack does not share an app's slash
commands with other organisations; every request is signed and goes through Bolt.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.context import ManualClock
from returbot import wiring
from returbot.jobs import run_meetings
from returbot.web_server import WebApp, make_server, serve_until_closed
from storage.db import Database
from storage.models import Attendance, Issue, IssueDepartment, IssueNote, Meeting, OutboxMessage
from tests.blockcheck import assert_valid_blocks, assert_valid_view
from tests.conftest import COORDINATOR, make_settings
from tests.e2e.conftest import Bot, Reply
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack

PU_TEAM = "T0PUPOLITI"
STRANGER_TEAM = "T0UKJENT"
PU_USER = "UPUKARI"  # of PU's own organisation
STRANGER = "UFREMMED"  # of an organisation nobody configured
CPU = "CPUSHARED"  # PU's channel, shared between the directorate and PU


def connect_config(tmp_path: Path) -> Path:
    """The bundled config with PU's Slack team named."""
    text = (resources.files("bot") / "default_config.toml").read_text(encoding="utf-8")
    assert '# slack_team = "T0123ABCD"' in text
    path = tmp_path / "connect.toml"
    path.write_text(text.replace('# slack_team = "T0123ABCD"', f'slack_team = "{PU_TEAM}"'))
    return path


@pytest.fixture
def bot(db: Database, clock: ManualClock, slack: FakeSlack, tmp_path: Path) -> Iterator[Bot]:
    """A returbot whose config names PU's Slack team, serving HTTP on a free port."""
    settings = make_settings(api_url=slack.url, RETURBOT_CONFIG=str(connect_config(tmp_path)))
    rt = wiring.runtime(settings, db=db, clock=clock)
    dispatcher = wiring.dispatcher(rt)
    server = make_server(
        WebApp(wiring.slack_app(rt), rt), host="127.0.0.1", port=0, threads=4, loop_timeout=0.05
    )
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    slack.set_team(PU_TEAM, [PU_USER])
    slack.set_team(STRANGER_TEAM, [STRANGER])
    slack.share_channel(CPU, PU_TEAM)
    try:
        yield Bot(
            url=f"http://127.0.0.1:{server.effective_port}", slack=slack, rt=rt, db=db,
            clock=clock, dispatcher=dispatcher,
        )  # fmt: skip
    finally:
        server.close()
        thread.join(timeout=5)


def press(bot: Bot, action: str, value: str, *, user: str, team: str, channel: str = CPU) -> Reply:
    body = slackreq.action_body(action, value, user_id=user, channel_id=channel, team_id=team)
    reply = bot.send(body)
    assert reply.status == 200
    return reply


def submit(bot: Bot, view: dict[str, Any], text: str, *, user: str, team: str) -> Reply:
    values = {"note": {"value": {"type": "plain_text_input", "value": text}}}
    body = slackreq.view_submission_body(
        view["callback_id"], values, user_id=user, team_id=team,
        private_metadata=view["private_metadata"],
    )  # fmt: skip
    reply = bot.send(body)
    assert reply.status == 200
    return reply


def told(bot: Bot, user: str) -> str:
    said = [c for c in bot.slack.calls_to("chat.postEphemeral") if c.params["user"] == user]
    assert said, f"{user} was told nothing"
    return str(said[-1].params["text"])


def bind(bot: Bot, target: str, channel: str) -> None:
    reply = bot.command("/returbot", f"channel {target}", user=COORDINATOR, channel=channel)
    assert reply.in_channel, reply.text


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Action ID -> value of every button on a message (in actions blocks and beside sections)."""
    found = [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]
    found += [b["accessory"] for b in blocks if isinstance(b.get("accessory"), dict)]
    return {e["action_id"]: str(e.get("value", "")) for e in found if "action_id" in e}


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return list(buttons(blocks))


def the_issue(bot: Bot) -> Issue:
    with bot.db.session() as session:
        found = session.scalars(select(Issue)).one()
        session.expunge(found)
        return found


def acks(bot: Bot) -> dict[str, str | None]:
    with bot.db.session() as session:
        return {r.department: r.acked_by for r in session.scalars(select(IssueDepartment))}


def at(bot: Bot, local: str) -> None:
    """The clock at a local time in Oslo (winter), the meeting job run, what is due sent."""
    bot.clock.set((datetime.fromisoformat(local) - timedelta(hours=1)).replace(tzinfo=UTC))
    run_meetings(bot.rt)
    bot.deliver()


def test_departments_show_the_slack_team(bot: Bot) -> None:
    shown = bot.command("/returbot", "departments")
    line = next(x for x in shown.text.splitlines() if "*PU*" in x)
    assert PU_TEAM in line and "Slack" in line
    assert not any(PU_TEAM in x for x in shown.text.splitlines() if "*UNE*" in x)


def test_an_external_member_acknowledges_notes_and_takes_ownership_through_the_notice(
    bot: Bot,
) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "RMA", "CRMA")
    bot.command("/issue", "Reisedokumenter fra PU dept:PU,RMA", user="UKARI")
    bot.deliver()
    (notice,) = bot.slack.posted(CPU)
    assert_valid_blocks(notice["blocks"])
    assert {"issue_ack", "issue_take", "issue_note"} <= set(action_ids(notice["blocks"]))
    # nobody is in CPU's member list: PU_USER belongs to PU by their team alone
    press(bot, "issue_ack", "1:PU", user=PU_USER, team=PU_TEAM)
    assert acks(bot) == {"PU": PU_USER, "RMA": None}
    assert "PU" in told(bot, PU_USER) and "I-1" in told(bot, PU_USER)
    # but not to RMA, whose channel they are not in
    press(bot, "issue_ack", "1:RMA", user=PU_USER, team=PU_TEAM)
    assert acks(bot)["RMA"] is None and "RMA" in told(bot, PU_USER)
    # Add note: the button opens the form, the form adds the note
    press(bot, "issue_note", "1", user=PU_USER, team=PU_TEAM)
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    assert_valid_view(view)
    submit(bot, view, "Dokumentene er bestilt", user=PU_USER, team=PU_TEAM)
    with bot.db.session() as session:
        note = session.scalars(select(IssueNote)).one()
        assert (note.author, note.text) == (PU_USER, "Dokumentene er bestilt")
    press(bot, "issue_take", "1", user=PU_USER, team=PU_TEAM)
    assert the_issue(bot).owner == PU_USER
    bot.deliver()
    updated = [c.params for c in bot.slack.calls_to("chat.update") if c.params["channel"] == CPU]
    assert PU_USER in json.dumps(updated[-1]["blocks"])  # the notice shows its new owner


def test_the_ack_reminder_in_the_channel_carries_the_acknowledge_button(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bot.command("/issue", "Venter på PU dept:PU", user="UKARI")
    bot.deliver()
    bot.clock.advance(days=3)
    from bot.automation import followups

    with bot.db.session() as session:
        assert followups.sweep(session, bot.rt.org, bot.clock.now()) >= 1
    bot.deliver()
    reminder = bot.slack.posted(CPU)[-1]
    assert {"issue_ack", "issue_take", "issue_note"} <= set(action_ids(reminder["blocks"]))
    press(bot, "issue_ack", "1:PU", user=PU_USER, team=PU_TEAM)
    assert acks(bot) == {"PU": PU_USER}


def test_a_user_of_an_unknown_team_belongs_to_nothing_and_is_told_so(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "OPA", "COPA")
    # even in the channels' member lists, a user of a team the network does not know is nobody's
    bot.slack.set_members(CPU, [STRANGER])
    bot.slack.set_members("COPA", [STRANGER])
    bot.command("/issue", "Fremmed dept:PU", user="UKARI")
    bot.deliver()
    press(bot, "issue_ack", "1:PU", user=STRANGER, team=STRANGER_TEAM)
    said = told(bot, STRANGER)
    assert "PU" in said and STRANGER_TEAM in said and "ikke en som nettverket kjenner" in said
    assert said.count(".") <= 3  # a sentence or two, not a stack trace
    press(bot, "issue_take", "1", user=STRANGER, team=STRANGER_TEAM)
    assert "PU" in told(bot, STRANGER) and STRANGER_TEAM in told(bot, STRANGER)
    assert acks(bot) == {"PU": None} and the_issue(bot).owner == "UKARI"
    # an optional department's agenda: We attend / Not this time
    bot.command("/meeting", "schedule quarterly 15.12.2026 10:00", user=COORDINATOR)
    at(bot, "2026-12-08 10:00")  # the agenda goes out with the first reminder, 7d before
    invite = bot.slack.posted("COPA")[-1]
    assert {"meeting_attend", "meeting_skip"} <= set(action_ids(invite["blocks"]))
    press(bot, "meeting_attend", "1:OPA", user=STRANGER, team=STRANGER_TEAM, channel="COPA")
    assert "OPA" in told(bot, STRANGER) and STRANGER_TEAM in told(bot, STRANGER)
    with bot.db.session() as session:
        assert session.scalars(select(Attendance)).all() == []
    # the same member list makes a home-team user a member, as before
    bot.slack.set_members("COPA", [STRANGER, "UOPA"])
    press(bot, "meeting_attend", "1:OPA", user="UOPA", team="T000FAKE", channel="COPA")
    with bot.db.session() as session:
        assert [a.department for a in session.scalars(select(Attendance))] == ["OPA"]


def test_an_external_member_answers_a_status_request_through_its_button(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "network", "CNET")
    bot.command("/issue", "Returavtale dept:PU", user="UKARI")
    press(bot, "issue_take", "1", user=PU_USER, team=PU_TEAM)
    assert bot.command("/meeting", "schedule network 10.12.2026 10:00", user=COORDINATOR).in_channel
    bot.deliver()
    at(bot, "2026-12-07 10:00")  # status_request 3d before
    (request,) = [p for p in bot.slack.posted(PU_USER) if "M-1" in json.dumps(p)]
    assert "meeting_status_note" in action_ids(request["blocks"])
    value = buttons(request["blocks"])["meeting_status_note"]
    press(bot, "meeting_status_note", value, user=PU_USER, team=PU_TEAM, channel="D" + PU_USER)
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    assert_valid_view(view)
    submit(bot, view, "Avtalen er til høring", user=PU_USER, team=PU_TEAM)
    with bot.db.session() as session:
        note = session.scalars(select(IssueNote)).one()
        meeting = session.scalars(select(Meeting)).one()
        assert (note.author, note.text, note.meeting_id) == (
            PU_USER, "Avtalen er til høring", meeting.id,
        )  # fmt: skip


def test_a_refused_dm_goes_to_the_departments_channel_with_a_mention(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "network", "CNET")
    bot.command("/issue", "Returavtale dept:PU", user="UKARI")
    press(bot, "issue_take", "1", user=PU_USER, team=PU_TEAM)
    bot.slack.refuse_dm(PU_USER, "cannot_dm_bot")
    bot.command("/meeting", "schedule network 10.12.2026 10:00", user=COORDINATOR)
    bot.deliver()
    before = len(bot.slack.posted(CPU))
    at(bot, "2026-12-07 10:00")
    bot.deliver()  # the fallback is queued when the DM fails, and sent at once
    assert [p for p in bot.slack.posted(PU_USER) if "M-1" in json.dumps(p)] == []
    moved = bot.slack.posted(CPU)[before:]
    assert len(moved) == 1, moved
    fallback = moved[0]
    assert f"<@{PU_USER}>" in fallback["text"] and "PU" in fallback["text"]
    assert_valid_blocks(fallback["blocks"])
    assert "meeting_status_note" in action_ids(fallback["blocks"])
    # the coordinators hear nothing: the message reached its person
    assert bot.slack.posted(COORDINATOR) == []
    # and it goes there once, however often the dispatcher runs
    bot.deliver()
    at(bot, "2026-12-07 10:05")
    assert len(bot.slack.posted(CPU)) == before + 1
    # the button on it works as on the DM
    value = buttons(fallback["blocks"])["meeting_status_note"]
    press(bot, "meeting_status_note", value, user=PU_USER, team=PU_TEAM)
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    submit(bot, view, "Svar fra kanalen", user=PU_USER, team=PU_TEAM)
    with bot.db.session() as session:
        assert session.scalars(select(IssueNote.text)).all() == ["Svar fra kanalen"]


def test_the_coordinators_are_told_only_when_the_channel_refuses_too(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "network", "CNET")
    bot.command("/issue", "Returavtale dept:PU", user="UKARI")
    press(bot, "issue_take", "1", user=PU_USER, team=PU_TEAM)
    bot.slack.refuse_dm(PU_USER, "not_allowed")
    bot.command("/meeting", "schedule network 10.12.2026 10:00", user=COORDINATOR)
    bot.deliver()
    bot.slack.fail_channel(CPU, "is_archived")
    at(bot, "2026-12-07 10:00")
    bot.deliver()
    bot.deliver()  # the DM, then its channel post, then the alert: each queued by the one before
    (alert,) = bot.slack.posted(COORDINATOR)
    assert CPU in alert["text"]
    with bot.db.session() as session:
        kinds = {
            r.kind: r.status for r in session.scalars(select(OutboxMessage)) if r.kind in
            ("meeting_status_request", "fallback")
        }  # fmt: skip
    assert kinds == {"meeting_status_request": "failed", "fallback": "failed"}


def test_a_shared_channels_digest_holds_only_its_departments_issues(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "digest", CPU)  # the digest channel is the one shared with PU
    bind(bot, "RMA", "CRMA")
    bot.command("/issue", "Om PU dept:PU", user="UKARI")
    bot.command("/issue", "Bare internt dept:RMA", user="UKARI")
    bot.command("/issue", "Begge dept:RMA,PU", user="UKARI")
    bot.command("/decision", "Intern beslutning dept:RMA", user="UKARI")
    bot.command("/decision", "Beslutning for PU dept:PU", user="UKARI")
    bot.deliver()
    assert bot.command("/digest", "post", user=COORDINATOR).status == 200
    bot.deliver()
    digest = bot.slack.posted(CPU)[-1]
    assert_valid_blocks(digest["blocks"])
    shown = json.dumps(digest["blocks"], ensure_ascii=False) + digest["text"]
    assert "Om PU" in shown and "Begge" in shown and "Beslutning for PU" in shown
    assert "Bare internt" not in shown and "Intern beslutning" not in shown
    assert "*RMA*" not in shown  # no figures of other departments
    # PU's users acknowledge from the digest itself: they have no /issue there
    acks_offered = [
        b["accessory"]["value"]
        for b in digest["blocks"]
        if b.get("accessory", {}).get("action_id") == "issue_ack"
    ]
    assert acks_offered == ["1:PU", "3:PU"]  # for PU only, never for RMA
    press(bot, "issue_ack", "1:PU", user=PU_USER, team=PU_TEAM)
    with bot.db.session() as session:
        acked = session.execute(
            select(Issue.number, IssueDepartment.department, IssueDepartment.acked_by)
            .join(Issue, Issue.id == IssueDepartment.issue_id)
            .where(IssueDepartment.acked_by.is_not(None))
        )
        assert [tuple(r) for r in acked] == [(1, "PU", PU_USER)]
    # the same digest in a channel of the directorate's own holds everything
    bind(bot, "digest", "CINTERN")
    bot.command("/digest", "post", user=COORDINATOR)
    bot.deliver()
    inside = json.dumps(bot.slack.posted("CINTERN")[-1]["blocks"], ensure_ascii=False)
    assert "Bare internt" in inside and "Intern beslutning" in inside


def test_an_external_owner_reports_from_the_dm_that_makes_them_owner(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bot.command("/issue", f"Tildelt PU dept:PU owner:<@{PU_USER}>", user="UKARI")
    bot.deliver()
    (dm,) = bot.slack.posted(PU_USER)
    assert_valid_blocks(dm["blocks"])
    assert buttons(dm["blocks"]) == {"issue_note": "1"}
    press(bot, "issue_note", "1", user=PU_USER, team=PU_TEAM, channel="D" + PU_USER)
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    submit(bot, view, "Vi ser på det", user=PU_USER, team=PU_TEAM)
    with bot.db.session() as session:
        assert session.scalars(select(IssueNote.author)).all() == [PU_USER]


def test_a_process_without_the_slack_app_cuts_a_shared_channels_digest_too(bot: Bot) -> None:
    bind(bot, "PU", CPU)
    bind(bot, "digest", CPU)
    bot.command("/issue", "Om PU dept:PU", user="UKARI")
    bot.command("/issue", "Bare internt dept:RMA", user="UKARI")
    bot.command("/digest", "post", user=COORDINATOR)
    bot.rt.members = None  # as in a clock process: the renderer asks Slack on its own
    bot.slack.reset()
    bot.deliver()
    shown = json.dumps(bot.slack.posted(CPU)[-1]["blocks"], ensure_ascii=False)
    assert "Om PU" in shown and "Bare internt" not in shown
    assert [c.params["channel"] for c in bot.slack.calls_to("conversations.info")] == [CPU]
