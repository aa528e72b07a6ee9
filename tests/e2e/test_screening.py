"""Screening from public access (SPEC §10) through the running bot: ``skjerming:`` on the
commands, ``screen`` and ``unscreen``, the forms' field, the cards, and every refusal."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot import export, screening
from storage.models import AuditEntry, Decision, Issue, Meeting
from tests.blockcheck import assert_valid_blocks, assert_valid_view
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq


def one(bot: Bot, model: type[Decision | Issue | Meeting]) -> Decision | Issue | Meeting:
    with bot.db.session() as session:
        record = session.scalars(select(model)).one()
        session.expunge(record)
        return record


def count(bot: Bot, model: type[Any]) -> int:
    with bot.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def actions(bot: Bot) -> list[str]:
    with bot.db.session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def shown(reply: Any) -> str:
    """Everything a user sees of an answer: its text and its blocks."""
    return reply.text + json.dumps(reply.json.get("blocks", []), ensure_ascii=False)


def test_a_decision_logged_with_skjerming_hides_the_marked_words(bot: Bot) -> None:
    reply = bot.command(
        "/decision", 'Retur av **Per Hansen** til Irak dept:RMA skjerming:"Offl. § 13"'
    )
    assert reply.in_channel and "D-1" in reply.text
    assert_valid_blocks(reply.json["blocks"])
    assert "Offl. § 13" in shown(reply) and "**" not in shown(reply)
    d = one(bot, Decision)
    assert (d.title, d.screening) == ("Retur av Per Hansen til Irak", "Offl. § 13")
    assert d.screened_title == "Retur av **Per Hansen** til Irak"
    assert screening.public_title(d) == "Retur av ***** til Irak"
    assert actions(bot) == ["logged", "screened"]
    card = bot.command("/decision", "show D-1")
    assert_valid_blocks(card.json["blocks"])
    assert "Skjermet fra offentlig innsyn etter Offl. § 13" in shown(card)
    assert "«Per Hansen»" in shown(card) and "**" not in shown(card)
    assert "Per Hansen" in bot.command("/decision", "search hansen").text
    with bot.db.session() as session:
        (row,) = export.rows(session, "decisions", bot.rt.org.timezone)
    assert (row["screening"], row["public_title"]) == ("Offl. § 13", "Retur av ***** til Irak")


def test_an_issue_in_english_with_screening_and_no_marks_hides_the_whole_title(bot: Bot) -> None:
    bound = bot.command("/returbot", "channel PU", user=COORDINATOR, channel="CPU")
    assert bound.in_channel
    bot.command("/returbot", "language en", user="UOLA")
    reply = bot.command("/issue", 'Missing **papers** dept:PU screening:"Offl. § 14"', user="UOLA")
    assert reply.in_channel and "I-1" in reply.text
    assert "Screened from public access under Offl. § 14" in reply.text
    assert "“papers”" in reply.text
    issue = one(bot, Issue)
    assert (issue.title, issue.screening) == ("Missing papers", "Offl. § 14")
    assert screening.public_title(issue) == "Missing *****"
    card = bot.command("/issue", "show I-1", user="UOLA")
    assert_valid_blocks(card.json["blocks"])
    assert "Offl. § 14" in shown(card)
    bot.deliver()
    (notice,) = [p for p in bot.slack.posted("CPU") if "I-1" in p["text"]]
    assert "Missing papers" in notice["text"] and "**" not in json.dumps(notice)
    whole = bot.command("/issue", 'Other dept:PU screening:"§ 13"', user="UOLA")
    assert "The whole title is hidden in the public journal" in whole.text


def test_a_meeting_is_screened_by_the_coordinator_but_not_a_series(bot: Bot) -> None:
    refused = bot.command(
        "/meeting", 'schedule network 10.12.2026 10:00 repeat:monthly skjerming:"§ 13"',
        user=COORDINATOR,
    )  # fmt: skip
    assert "/meeting screen" in refused.text and not refused.in_channel
    assert count(bot, Meeting) == 0
    done = bot.command(
        "/meeting", 'schedule network 10.12.2026 10:00 title:"Møte om **Ola N.**" skjerming:"§ 13"',
        user=COORDINATOR,
    )  # fmt: skip
    assert done.in_channel and "M-1" in done.text and "**" not in done.text
    meeting = one(bot, Meeting)
    assert (meeting.title, screening.public_title(meeting)) == ("Møte om Ola N.", "Møte om *****")
    card = bot.command("/meeting", "show M-1")
    assert_valid_blocks(card.json["blocks"])
    assert "§ 13" in shown(card) and "«Ola N.»" in shown(card)


def test_screen_and_unscreen_an_existing_record(bot: Bot) -> None:
    bot.command("/decision", "Retur av Per Hansen")
    refused = bot.command("/decision", "screen D-1 Offl. § 13", user="UOLA")
    assert "<@UKARI>" in refused.text and not refused.in_channel
    screened = bot.command("/decision", 'screen D-1 Offl. § 13 title:"Retur av **Per Hansen**"')
    assert screened.in_channel and "D-1" in screened.text and "«Per Hansen»" in screened.text
    assert screening.public_title(one(bot, Decision)) == "Retur av *****"
    # screened again without a title: the whole title, and the answer says so
    by_coordinator = bot.command("/beslutning", "screen d1 Offl. § 14", user=COORDINATOR)
    assert by_coordinator.in_channel and "Hele tittelen" in by_coordinator.text
    d = one(bot, Decision)
    assert (d.screening, d.screened_title) == ("Offl. § 14", None)
    lifted = bot.command("/decision", "unscreen D-1")
    assert lifted.in_channel and "D-1" in lifted.text
    d = one(bot, Decision)
    assert (d.screening, d.screened_title, d.title) == (None, None, "Retur av Per Hansen")
    assert "Skjermet" not in shown(bot.command("/decision", "show D-1"))
    assert actions(bot) == ["logged", "screened", "screened", "unscreened"]
    bot.command("/issue", "Sak dept:RMA", user="UOLA")
    assert "<@UOLA>" in bot.command("/issue", "screen I-1 § 13").text
    assert bot.command("/issue", "screen I-1 § 13", user="UOLA").in_channel
    assert one(bot, Issue).screening == "§ 13"


def test_bad_screenings_get_one_sentence_and_write_nothing(bot: Bot) -> None:
    bot.command("/decision", "Felles rutine")
    bot.command("/decision", "Retur av Per", user="UOLA")
    before = actions(bot)
    cases = {
        "/decision": {
            'Ny rutine skjerming:""': "Oppgi hjemmelen",
            'Ny rutine skjerming:" "': "Oppgi hjemmelen",
            'Retur av **Ola til Irak skjerming:"§ 13"': "ingen partner",
            'Retur av **Ola** og **Per skjerming:"§ 13"': "ingen partner",
            f'Ny rutine skjerming:"{"x" * 101}"': "100",
            'Ny rutine skjerming:"§ 13" screening:"§ 14"': "skjerming:",
            'Ny rutine skjerming:"Gjelder 260692 35653"': "fødselsnummer",
            "screen D-1": "/decision screen D-1 Offl. § 14",
            "screen": "/decision screen D-1",
            "screen D-2 Offl. § 13": "<@UOLA>",
            "screen D-9 Offl. § 13": "D-9",
            'screen D-1 § 13 title:"Felles **rutine"': "ingen partner",
            'screen D-1 § 13 title:"Felles **regel**"': "tittelen på D-1",
            "unscreen D-1": "D-1 er ikke skjermet",
        },
        "/issue": {
            'Sak dept:RMA skjerming:""': "Oppgi hjemmelen",
            "screen I-1 § 13": "I-1",
        },
        "/meeting": {'screen M-1 § 13': "M-1"},
    }  # fmt: skip
    for command, texts in cases.items():
        for text, expected in texts.items():
            reply = bot.command(command, text)
            assert reply.status == 200, text
            assert not reply.in_channel, text
            assert expected in reply.text, (text, reply.text)
            assert "\n" not in reply.text.strip(), (text, reply.text)
    assert count(bot, Decision) == 2 and count(bot, Issue) == 0
    assert actions(bot) == before
    with bot.db.session() as session:
        assert session.scalars(select(Decision.screening)).all() == [None, None]


def open_form(bot: Bot, command: str, user: str = "UKARI") -> dict[str, Any]:
    bot.command(command, "", user=user)
    view: dict[str, Any] = bot.slack.wait_for("views.open")[-1].params["view"]
    assert_valid_view(view)
    field = next(b for b in view["blocks"] if b["block_id"] == "screening")
    assert field["optional"] and field["element"]["max_length"] == 100
    return view


def text(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def submit(bot: Bot, view: dict[str, Any], values: dict[str, Any], user: str = "UKARI") -> Any:
    body = slackreq.view_submission_body(
        view["callback_id"], values, user_id=user, private_metadata=view["private_metadata"]
    )
    return bot.send(body)


def test_the_decision_form_screens_with_its_field(bot: Bot) -> None:
    view = open_form(bot, "/decision")
    values = {
        "title": text("Retur av **Per Hansen**"),
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-24"}},
        "screening": text("x" * 101),
    }
    refused = submit(bot, view, values)
    assert refused.json["response_action"] == "errors"
    assert "100" in refused.json["errors"]["screening"]
    values["screening"] = text("Gjelder 260692 35653")
    assert "fødselsnummer" in submit(bot, view, values).json["errors"]["screening"]
    values.update(title=text("Retur av **Per Hansen"), screening=text("Offl. § 13"))
    assert "partner" in submit(bot, view, values).json["errors"]["title"]
    assert count(bot, Decision) == 0
    values["title"] = text("Retur av **Per Hansen**")
    accepted = submit(bot, view, values)
    assert accepted.status == 200 and not accepted.body.strip(b"{}")
    d = one(bot, Decision)
    assert (d.title, d.screening, screening.public_title(d)) == (
        "Retur av Per Hansen",
        "Offl. § 13",
        "Retur av *****",
    )
    bot.deliver()
    posted = bot.slack.posted("CGEN")[-1]
    assert "Offl. § 13" in json.dumps(posted, ensure_ascii=False) and "**" not in posted["text"]
    assert_valid_blocks(posted["blocks"])


def test_the_issue_and_meeting_forms_take_a_screening_and_an_empty_field_screens_nothing(
    bot: Bot,
) -> None:
    view = open_form(bot, "/issue")
    values = {
        "title": text("Sak om **Ola**"),
        "departments": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "RMA"}]}
        },
        "priority": {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
        "screening": text("Offl. § 13"),
    }
    assert submit(bot, view, values).status == 200
    issue = one(bot, Issue)
    assert (issue.title, screening.public_title(issue)) == ("Sak om Ola", "Sak om *****")
    meeting_view = open_form(bot, "/meeting", user=COORDINATOR)
    values = {
        "series": {"value": {"type": "static_select", "selected_option": {"value": "network"}}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-12-03"}},
        "time": {"value": {"type": "timepicker", "selected_time": "13:00"}},
        "duration": {"value": {"type": "static_select", "selected_option": {"value": "2h"}}},
        "title": text("Om **Ola**"),
        "repeat": {"value": {"type": "static_select", "selected_option": {"value": "weekly"}}},
        "screening": text("§ 13"),
    }
    refused = submit(bot, meeting_view, values, user=COORDINATOR)
    assert "/meeting screen" in refused.json["errors"]["screening"]
    assert count(bot, Meeting) == 0
    values["screening"] = text(None)
    assert submit(bot, meeting_view, values, user=COORDINATOR).status == 200
    with bot.db.session() as session:
        # no screening asked: nothing is screened, and the title stays as typed
        assert set(session.scalars(select(Meeting.title))) == {"Om **Ola**"}
        assert set(session.scalars(select(Meeting.screening))) == {None}
