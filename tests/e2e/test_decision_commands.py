"""/decision through signed HTTP requests, Bolt, a real database and a fake Slack."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storage.models import Decision
from tests.blockcheck import assert_valid_blocks, assert_valid_view
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq


def decisions_in(bot: Bot) -> int:
    with bot.db.session() as session:
        return session.scalar(select(func.count()).select_from(Decision)) or 0


def test_new_decision_answers_in_channel_with_all_fields(bot: Bot) -> None:
    reply = bot.command(
        "/decision",
        'Felles rutine for uttransport details:"Gjelder alle &amp; enhver" dept:pu,RMA '
        'by:"AUAs ledermøte" basis:"Returstrategien 2026" date:20.11.2026 tags:retur,Dublin',
    )
    assert reply.status == 200
    assert reply.in_channel
    assert "D-1" in reply.text and "Felles rutine for uttransport" in reply.text
    assert_valid_blocks(reply.json["blocks"])
    with bot.db.session() as session:
        d = session.scalars(select(Decision)).one()
        assert d.details == "Gjelder alle & enhver"
        assert d.decided_by == "AUAs ledermøte" and d.basis == "Returstrategien 2026"
        assert d.decided_on.isoformat() == "2026-11-20"
        assert [x.department for x in d.departments] == ["PU", "RMA"]
        assert [x.tag for x in d.tags] == ["dublin", "retur"]


def test_norwegian_alias_and_show_list_search(bot: Bot) -> None:
    bot.command("/beslutning", "Stans i Dublin-overføringer til Italia dept:ASA tags:dublin")
    bot.command("/decision", "Ny mottaksrutine dept:RMA", user="UOLA")
    shown = bot.command("/decision", "show d1")
    assert not shown.in_channel
    assert "D-1" in shown.text
    assert_valid_blocks(shown.json["blocks"])
    listed = bot.command("/decision", "list")
    assert listed.text.index("D-2") < listed.text.index("D-1")
    only = bot.command("/decision", "list dept:asa")
    assert "D-1" in only.text and "D-2" not in only.text
    found = bot.command("/decision", "search italia")
    assert "D-1" in found.text and "D-2" not in found.text


def test_bad_input_gets_one_sentence_and_writes_nothing(bot: Bot) -> None:
    cases = {
        "Rutine dept:XYZ": "XYZ",
        "Rutine date:31.02.2026": "31.02.2026",
        'Rutine details:"fnr 01019010127"': "fødselsnummer",
        "Rutine supersedes:D-7": "D-7",
        "Rutine dpt:RMA": "dpt",
        'Rutine details:"uten slutt': "",
        "x" * 201: "200",
    }
    for text, expected in cases.items():
        reply = bot.command("/decision", text)
        assert reply.status == 200, text
        assert not reply.in_channel, text
        assert expected in reply.text, (text, reply.text)
        assert "Traceback" not in reply.text
    assert decisions_in(bot) == 0


def test_english_user_gets_english(bot: Bot) -> None:
    assert "English" in bot.command("/returbot", "language en").text
    assert "I don't know the department" in bot.command("/decision", "X dept:XYZ").text
    assert "Decision *D-1* is logged" in bot.command("/decision", "X dept:RMA").text


def test_resend_within_a_minute_logs_once(bot: Bot) -> None:
    first = bot.command("/decision", "Samme tekst dept:RMA")
    again = bot.command("/decision", "Samme  tekst dept:RMA")
    assert "D-1" in first.text and "D-1" in again.text
    assert not again.in_channel
    assert decisions_in(bot) == 1
    bot.clock.advance(seconds=61)
    assert "D-2" in bot.command("/decision", "Samme tekst dept:RMA").text


def test_broadcasts_in_user_text_never_ping(bot: Bot) -> None:
    reply = bot.command("/decision", "Viktig <!channel> og <!here> dept:RMA")
    dumped = json.dumps(reply.json)
    assert "<!channel>" not in dumped and "<!here>" not in dumped
    with bot.db.session() as session:
        assert session.scalars(select(Decision.title)).one() == "Viktig <!channel> og <!here>"


def test_supersede_and_revoke(bot: Bot) -> None:
    bot.command("/decision", "Gammel rutine")
    new = bot.command("/decision", "Ny rutine supersedes:D-1")
    assert "D-2" in new.text
    shown = bot.command("/decision", "show D-1")
    assert "D-2" in shown.text  # superseded by
    refused = bot.command("/decision", "revoke D-2 feil", user="UOLA")
    assert "<@UKARI>" in refused.text and not refused.in_channel
    no_reason = bot.command("/decision", "revoke D-2")
    assert "revoke D-2" in no_reason.text
    done = bot.command("/decision", "revoke D-2 Feil grunnlag", user=COORDINATOR)
    assert done.in_channel and "D-2" in done.text
    assert "Feil grunnlag" in json.dumps(bot.command("/decision", "show D-2").json)


def test_empty_command_opens_the_modal_and_submission_logs(bot: Bot) -> None:
    reply = bot.command("/decision", "")
    assert reply.status == 200
    opened = bot.slack.wait_for("views.open")[0]
    view = opened.params["view"]
    assert_valid_view(view)
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Fra skjema"}},
        "departments": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": "RMA"}, {"value": "OPA"}],
            }
        },
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-24"}},
        "supersedes": {"value": {"type": "plain_text_input", "value": "D-5"}},
    }
    body = slackreq.view_submission_body(
        "decision_modal", values, user_id="UKARI", private_metadata=view["private_metadata"]
    )
    refused = bot.send(body)
    assert refused.json["response_action"] == "errors"
    assert "D-5" in refused.json["errors"]["supersedes"]
    assert decisions_in(bot) == 0
    values["supersedes"]["value"]["value"] = ""
    accepted = bot.send(
        slackreq.view_submission_body(
            "decision_modal", values, user_id="UKARI", private_metadata=view["private_metadata"]
        )
    )
    assert accepted.status == 200 and not accepted.body.strip(b"{}")
    assert decisions_in(bot) == 1
    bot.deliver()
    posted = bot.slack.posted("CGEN")
    assert posted and "D-1" in posted[-1]["text"]
    assert_valid_blocks(posted[-1]["blocks"])


def test_message_shortcut_prefills_and_links_the_message(bot: Bot) -> None:
    body = slackreq.shortcut_body(
        "decision_from_message",
        message_text="Vi går for felles mal &amp; rutine\nDetaljer her",
        channel_id="CNET",
        message_ts="1700000000.000200",
    )
    assert bot.send(body).status == 200
    view = bot.slack.wait_for("views.open")[0].params["view"]
    assert_valid_view(view)
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "Vi går for felles mal & rutine"
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Vi går for felles mal"}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
    }
    bot.send(
        slackreq.view_submission_body(
            "decision_modal", values, private_metadata=view["private_metadata"]
        )
    )
    with bot.db.session() as session:
        d = session.scalars(select(Decision)).one()
        assert (d.source_channel, d.source_ts) == ("CNET", "1700000000.000200")
        assert d.source_permalink and "CNET" in d.source_permalink


def test_forged_and_stale_signatures_are_refused(bot: Bot) -> None:
    body = slackreq.slash_body("/decision", "Forfalsket dept:RMA", user_id="UKARI")
    forged = slackreq.sign(body, secret="wrong-secret")
    assert bot.send(body, headers=forged).status == 401
    stale = slackreq.sign(body, timestamp=int(time.time()) - 600)
    assert bot.send(body, headers=stale).status == 401
    assert decisions_in(bot) == 0


def test_health_and_unknown_paths(bot: Bot) -> None:
    health = bot.get("/healthz")
    assert health.status == 200 and health.json["database"] == "ok"
    assert bot.get("/nope").status == 404


def test_help_in_both_languages(bot: Bot) -> None:
    assert "/decision list" in bot.command("/decision", "help").text
    assert "/returbot channel" in bot.command("/returbot", "").text
    bot.command("/returbot", "language en")
    assert "The decision log" in bot.command("/beslutning", "help").text
