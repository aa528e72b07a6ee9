"""/returbot: help, language, departments, channel bindings (coordinator only)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry, ChannelBinding
from tests.blockcheck import assert_valid_blocks
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot


def test_binding_a_channel_is_for_the_coordinator(bot: Bot) -> None:
    refused = bot.command("/returbot", "channel RMA", channel="CRMA")
    assert "<@UCOORD>" in refused.text and not refused.in_channel
    bound = bot.command("/returbot", "channel rma", user=COORDINATOR, channel="CRMA")
    assert bound.in_channel and "RMA" in bound.text and "<#CRMA>" in bound.text
    bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET")
    bot.command("/returbot", "channel digest", user=COORDINATOR, channel="CDIG")
    moved = bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA2")
    assert "<#CRMA2>" in moved.text
    with bot.db.session() as session:
        bindings = {b.target: b.channel_id for b in session.scalars(select(ChannelBinding))}
        assert bindings == {"dept:RMA": "CRMA2", "series:network": "CNET", "digest": "CDIG"}
        assert len(list(session.scalars(select(AuditEntry)))) == 4
    listing = bot.command("/returbot", "departments")
    assert_valid_blocks(listing.json["blocks"])
    assert "<#CRMA2>" in listing.text and "<#CNET>" in listing.text and "<#CDIG>" in listing.text
    assert "Politiets utlendingsenhet" in listing.text


def test_bad_binding_target_lists_the_valid_ones(bot: Bot) -> None:
    reply = bot.command("/returbot", "channel XYZ", user=COORDINATOR)
    assert "XYZ" in reply.text and "network" in reply.text and "digest" in reply.text


def test_without_a_coordinator_the_sentence_says_how_to_configure_one(bot: Bot) -> None:
    from dataclasses import replace

    bot.rt.settings = replace(bot.rt.settings, org=replace(bot.rt.org, coordinators=()))
    reply = bot.command("/returbot", "channel RMA", user=COORDINATOR)
    assert "RETURBOT_COORDINATORS" in reply.text


def test_language_choice(bot: Bot) -> None:
    assert "«tysk»" in bot.command("/returbot", "language tysk").text
    assert "English" in bot.command("/returbot", "language EN").text
    assert "Departments and agencies" in bot.command("/returbot", "departments").text
    assert "bokmål" in bot.command("/returbot", "language nb").text


def test_unknown_command_and_unknown_action_get_answers(bot: Bot) -> None:
    reply = bot.command("/nope", "x")
    assert reply.status == 200 and "/nope" in reply.text
    from tests.support import slackreq

    assert bot.send(slackreq.action_body("no_such_action", "1")).status == 200


def test_status_shows_queue_scheduler_and_failures(bot: Bot) -> None:
    from returbot.jobs import run_followups

    first = bot.command("/returbot", "status")
    assert "har ikke kjørt ennå" in first.text and "Ingen meldinger har feilet" in first.text
    assert "Siste ukeoppsummering: ingen ennå" in first.text
    assert "Neste ukeoppsummering: mandag 30. november 2026 kl. 08.00" in first.text
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CGONE")
    bot.slack.fail_channel("CGONE", "channel_not_found")
    bot.command("/issue", "Til en borte kanal dept:RMA")
    queued = bot.command("/returbot", "status")
    assert "Meldinger i kø: 1 (issue_notice 1)" in queued.text
    bot.deliver()
    run_followups(bot.rt)
    report = bot.command("/returbot", "status")
    assert_valid_blocks(report.json["blocks"])
    assert "<#CGONE>" in report.text and "channel_not_found" in report.text
    assert "sist aktiv" in report.text
    bot.deliver()  # the alert to the coordinators is itself a queued message
    alert = bot.slack.posted(COORDINATOR)
    assert alert and "CGONE" in alert[0]["text"]


def test_returbot_web_without_the_web_says_what_to_set(bot: Bot) -> None:
    reply = bot.command("/returbot", "web")
    assert not reply.in_channel
    assert "RETURBOT_SECRET_KEY" in reply.text and "ikke satt opp" in reply.text


def test_status_says_when_e_mail_is_off(bot: Bot) -> None:
    reply = bot.command("/returbot", "status", user=COORDINATOR)
    assert "E-post: av (SMTP_URL og RETURBOT_MAIL_FROM er ikke satt)" in reply.text
