"""The weekly digest end to end: its content, /digest, the schedule and its once-a-week promise."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.runtime import Runtime
from returbot.console import render_blocks
from returbot.jobs import DIGEST, run_digest, standard_jobs
from storage.db import Database
from storage.models import (
    Decision,
    DecisionDepartment,
    DigestRun,
    Issue,
    IssueDepartment,
    OutboxMessage,
)
from tests.blockcheck import assert_valid_blocks
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot

OSLO = ZoneInfo("Europe/Oslo")


def local(text: str) -> datetime:
    """A wall-clock time in Oslo as an aware datetime (the offset of that day, DST or not)."""
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


def digests(bot: Bot, channel: str = "CDIG") -> list[str]:
    """The digests posted to ``channel``, as the text a reader sees."""
    return [render_blocks(p["blocks"]) for p in bot.slack.posted(channel) if p.get("blocks")]


def bind_digest(bot: Bot, channel: str = "CDIG") -> None:
    reply = bot.command("/returbot", "channel digest", user=COORDINATOR, channel=channel)
    assert reply.in_channel, reply.text


def scheduled(bot: Bot, when: str) -> bool:
    """Move the clock to local time ``when``, run the digest job and deliver what it queued."""
    bot.clock.set(local(when).astimezone(UTC))
    posted = run_digest(bot.rt)
    bot.deliver()
    return posted


def ok(bot: Bot, command: str, text: str, user: str = "UKARI") -> None:
    reply = bot.command(command, text, user=user)
    assert "blocks" in reply.json or reply.in_channel, reply.text


# --- content -------------------------------------------------------------------------------


def seed_week(bot: Bot) -> None:
    """Week 48 (23–29 November 2026) with the week before it; the clock ends on Wednesday."""
    bot.clock.set(local("2026-11-18 10:00").astimezone(UTC))  # week 47
    ok(bot, "/decision", "Gammel beslutning fra forrige uke dept:AUA")
    ok(bot, "/issue", "Reisedokumenter fra Irak mangler dept:PU due:20.11.2026")
    ok(bot, "/issue", "Lukket forrige uke dept:ASA")
    ok(bot, "/issue", "close I-2", user="UKARI")
    bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET")
    bot.clock.set(local("2026-11-25 10:30").astimezone(UTC))  # week 48, Wednesday
    ok(bot, "/decision", "Felles rutine for uttransport dept:AUA,PU")
    ok(bot, "/decision", "Ny praksis for lengeværende barn dept:RMA")
    ok(bot, "/issue", "Kapasitet på Trandum i desember dept:RMA,UNE")
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.slack.set_members("CRMA", ["UOLA"])
    ok(bot, "/issue", "ack I-3 dept:RMA", user="UOLA")
    ok(bot, "/issue", "Tolk til returintervjuer dept:OPA")
    ok(bot, "/issue", "close I-4 Løst med innleid tolk", user="UKARI")
    ok(bot, "/meeting", "schedule network 01.12.2026 10:00", user=COORDINATOR)
    ok(bot, "/meeting", "schedule network 20.12.2026 10:00", user=COORDINATOR)  # beyond 14 days
    ok(bot, "/meeting", "agenda M-1 Kapasitet på Trandum issue:I-3")
    ok(bot, "/meeting", "agenda M-1 Statistikk for november")


def section(text: str, title: str) -> list[str]:
    """The lines of the digest section headed ``title`` (up to the next heading)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"*{title}"))
    out = []
    for line in lines[start + 1 :]:
        if line.startswith(("*", "==", "  ─")):
            break
        out.append(line)
    return out


def test_the_digest_of_a_seeded_week_item_by_item(bot: Bot) -> None:
    seed_week(bot)
    reply = bot.command("/digest")
    assert not reply.in_channel
    blocks = reply.json["blocks"]
    assert_valid_blocks(blocks)
    text = render_blocks(blocks)
    assert "Ukeoppsummering, uke 48" in text
    assert "23. november 2026 – 29. november 2026" in text
    assert "bare du ser dette" in text

    assert "*Beslutninger denne uka (2)*" in text
    assert section(text, "Beslutninger") == [
        "• *AUA* (1): D-2 Felles rutine for uttransport",
        "• *RMA* (1): D-3 Ny praksis for lengeværende barn",
        "• *PU* (1): D-2 Felles rutine for uttransport",
    ]
    assert section(text, "Nye saker (2)") == [
        "• *I-3* Kapasitet på Trandum i desember — RMA, UNE",
        "• *I-4* Tolk til returintervjuer — OPA",
    ]
    assert section(text, "Lukkede saker (1)") == ["• *I-4* Tolk til returintervjuer — OPA"]
    assert section(text, "Saker på overtid (1)") == [
        "• *I-1* Reisedokumenter fra Irak mangler — PU"
    ]
    assert section(text, "Venter på kvittering (2)") == [
        "• *I-1* Reisedokumenter fra Irak mangler — venter på PU",
        "• *I-3* Kapasitet på Trandum i desember — venter på UNE",
    ]
    (meeting,) = section(text, "Møter de neste 14 dagene (1)")
    assert meeting.startswith("• *M-1* Returnettverket — tirsdag 1. desember 2026 kl. 10.00")
    assert "2" in meeting.split("12.00", 1)[1]  # its two agenda items
    table = section(text, "Åpne saker per avdeling")
    assert "  *PU*: åpne: 1 · på overtid: 1" in table
    assert "  *RMA*: åpne: 1" in table and "  *UNE*: åpne: 1" in table
    assert "  *OPA*: åpne: 0" in table and "  *ASA*: åpne: 0" in table
    assert "Gammel beslutning" not in text and "Lukket forrige uke" not in text
    assert "`/issue show I-1`" in text  # how to open each record by its ID


def test_the_digest_in_english_for_a_user_who_chose_it(bot: Bot) -> None:
    seed_week(bot)
    bot.command("/returbot", "language en", user="UENG")
    text = render_blocks(bot.command("/digest", user="UENG").json["blocks"])
    assert "Weekly digest, week 48" in text and "*Decisions this week (2)*" in text
    assert "• *I-3* Kapasitet på Trandum i desember — waiting for UNE" in text


def test_an_empty_week_says_so_in_one_line(bot: Bot) -> None:
    reply = bot.command("/digest")
    blocks = reply.json["blocks"]
    assert_valid_blocks(blocks)
    assert [b["type"] for b in blocks] == ["context", "header", "context", "section"]
    assert blocks[-1]["text"]["text"].startswith("En stille uke")


def test_digest_post_is_the_coordinators_and_needs_a_channel(bot: Bot) -> None:
    refused = bot.command("/digest", "post", user="UKARI")
    assert "koordinator" in refused.text and not refused.in_channel
    unbound = bot.command("/digest", "post", user=COORDINATOR)
    assert "/returbot channel digest" in unbound.text
    bind_digest(bot)
    reply = bot.command("/digest", "post", user=COORDINATOR)
    assert "<#CDIG>" in reply.text
    bot.deliver()
    (posted,) = digests(bot)
    assert "Ukeoppsummering, uke 48" in posted
    # posting by hand does not stand in for the week's scheduled digest
    assert scheduled(bot, "2026-11-30 08:00")
    assert len(digests(bot)) == 2
    with bot.db.session() as session:
        runs = session.scalars(select(DigestRun).order_by(DigestRun.id)).all()
        assert [(r.trigger, r.week, r.posted_by) for r in runs] == [
            ("manual", None, COORDINATOR),
            ("scheduled", "2026-W49", None),
        ]


def test_digest_help_tells_when_it_is_posted(bot: Bot) -> None:
    assert "hver mandag kl. 08.00" in bot.command("/digest", "help").text
    unknown = bot.command("/digest", "vis meg")
    assert "/digest" in unknown.text and not unknown.in_channel


# --- the schedule --------------------------------------------------------------------------


def test_the_job_fires_on_the_configured_local_weekday_and_time(runtime: Runtime) -> None:
    (job,) = [j for j in standard_jobs(runtime) if j.id == DIGEST]
    fires = job.trigger.get_next_fire_time
    # an ordinary week, and the weeks right after the clocks change (Monday is day 0 here)
    assert fires(None, local("2026-11-25 10:30")) == local("2026-11-30 08:00")
    assert fires(None, local("2026-10-24 12:00")) == local("2026-10-26 08:00")
    assert local("2026-10-26 08:00").utcoffset() == timedelta(hours=1)
    assert fires(None, local("2027-03-27 12:00")) == local("2027-03-29 08:00")
    assert local("2027-03-29 08:00").utcoffset() == timedelta(hours=2)

    friday = replace(runtime.org, digest_weekday=4, digest_time=time(16, 30))
    other = Runtime(
        settings=replace(runtime.settings, org=friday), db=runtime.db, clock=runtime.clock
    )
    (job,) = [j for j in standard_jobs(other) if j.id == DIGEST]
    assert job.trigger.get_next_fire_time(None, local("2026-11-25 10:30")) == local(
        "2026-11-27 16:30"
    )


def test_posted_at_the_slot_once_a_week_across_restarts(bot: Bot) -> None:
    bot.clock.set(local("2026-11-16 07:00").astimezone(UTC))  # Monday of week 47
    bind_digest(bot)
    assert not scheduled(bot, "2026-11-16 07:59")
    assert scheduled(bot, "2026-11-16 08:00")
    (first,) = digests(bot)
    assert "uke 47" in first
    assert not scheduled(bot, "2026-11-16 08:01")
    assert not scheduled(bot, "2026-11-19 12:00")
    restarted = Runtime(settings=bot.rt.settings, db=bot.db, clock=bot.clock)
    assert not run_digest(restarted)
    assert scheduled(bot, "2026-11-23 08:00")
    assert [("uke 48" in d) for d in digests(bot)] == [False, True]


def test_the_slot_follows_local_time_in_the_weeks_the_clocks_change(bot: Bot) -> None:
    bot.clock.set(local("2026-10-19 09:00").astimezone(UTC))
    bind_digest(bot)
    # Monday 26 October 2026, the day after summer time ended: 08:00 is 07:00 UTC
    assert not scheduled(bot, "2026-10-26 07:59")
    assert scheduled(bot, "2026-10-26 08:00")
    assert bot.clock.now() == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    # Monday 29 March 2027, the day after summer time began: 08:00 is 06:00 UTC
    assert not scheduled(bot, "2027-03-29 07:59")
    assert scheduled(bot, "2027-03-29 08:00")
    assert bot.clock.now() == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)
    assert len(digests(bot)) == 2


def test_a_digest_missed_while_down_goes_out_later_that_week_only(bot: Bot) -> None:
    bot.clock.set(local("2026-11-16 07:00").astimezone(UTC))
    bind_digest(bot)
    # down from before Monday's slot until Thursday: it goes out on Thursday
    assert scheduled(bot, "2026-11-19 14:12")
    assert "uke 47" in digests(bot)[0]
    # down for all of week 48: no late digest for it in week 49, only week 49's own
    assert scheduled(bot, "2026-12-01 09:00")
    assert ["uke 49" in d for d in digests(bot)] == [False, True]
    with bot.db.session() as session:
        weeks = session.scalars(select(DigestRun.week).order_by(DigestRun.id)).all()
    assert weeks == ["2026-W47", "2026-W49"]


def test_a_database_created_after_the_slot_has_nothing_to_catch_up(bot: Bot) -> None:
    bind_digest(bot)  # Wednesday of week 48: Monday's slot was before the bot existed
    assert not scheduled(bot, "2026-11-25 10:31")
    assert not scheduled(bot, "2026-11-29 23:59")
    assert scheduled(bot, "2026-11-30 08:00")
    assert len(digests(bot)) == 1


def test_without_a_digest_channel_the_coordinator_is_told_once_then_it_goes_out(bot: Bot) -> None:
    bot.clock.set(local("2026-11-16 07:00").astimezone(UTC))
    bot.command("/decision", "Noe skjedde dept:RMA")  # the database is in use before the slot
    assert not scheduled(bot, "2026-11-16 08:00")
    assert not scheduled(bot, "2026-11-16 08:01")
    alerts = [p["text"] for p in bot.slack.posted(COORDINATOR)]
    assert len(alerts) == 1 and "/returbot channel digest" in alerts[0]
    bot.clock.set(local("2026-11-16 09:00").astimezone(UTC))
    bind_digest(bot)
    assert scheduled(bot, "2026-11-16 09:01")
    assert len(digests(bot)) == 1


def test_two_scheduler_processes_post_the_week_once(bot: Bot) -> None:
    bot.clock.set(local("2026-11-16 07:00").astimezone(UTC))
    bind_digest(bot)
    bot.clock.set(local("2026-11-16 08:00").astimezone(UTC))
    others = [
        Runtime(settings=bot.rt.settings, db=Database(bot.db.url), clock=bot.clock)
        for _ in range(4)
    ]
    barrier = threading.Barrier(len(others))
    results: list[bool] = []
    errors: list[BaseException] = []

    def race(rt: Runtime) -> None:
        barrier.wait()
        try:
            results.append(run_digest(rt))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=race, args=(rt,)) for rt in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for rt in others:
        rt.db.dispose()
    assert not errors, errors
    assert sorted(results) == [False, False, False, True]
    bot.deliver()
    assert len(digests(bot)) == 1
    with bot.db.session() as session:
        queued = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "digest")
        )
    assert queued == 1


# --- size ----------------------------------------------------------------------------------


def test_within_slacks_limits_with_500_open_issues_and_200_decisions(bot: Bot) -> None:
    bind_digest(bot)
    now = bot.clock.now()
    codes = ("AUA", "RMA", "OPA", "ASA", "PU", "UNE", "POD", "NID")
    long_title = "Lang tittel som fyller opp plassen i oppsummeringen " * 3
    with bot.db.session() as session:
        for n in range(1, 201):
            decision = Decision(
                number=n, title=f"{long_title[:190]} {n}", decided_on=now.date(), author="UKARI",
                created_at=now - timedelta(minutes=n),
            )  # fmt: skip
            decision.departments = [DecisionDepartment(department=codes[n % 8])]
            session.add(decision)
        for n in range(1, 501):
            issue = Issue(
                number=n, title=f"{long_title[:190]} {n}", reporter="UKARI", owner="UOLA",
                due=date(2026, 11, 1) if n % 2 else None, status="open",
                created_at=now - timedelta(minutes=n), last_activity_at=now,
            )  # fmt: skip
            issue.departments = [IssueDepartment(department=codes[n % 8])]
            session.add(issue)
    text, blocks = "", bot.command("/digest").json["blocks"]
    assert_valid_blocks(blocks)
    text = render_blocks(blocks)
    assert "*Beslutninger denne uka (200)*" in text
    assert "… og 190 til: `/decision list`" in text
    assert "… og 490 til: `/issue list status:all`" in text  # opened
    assert "… og 240 til: `/issue list`" in text  # 250 overdue
    assert "… og 490 til: `/issue list`" in text  # waiting for acknowledgement
    for block in blocks:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(item, dict) and "text" in item:
                assert len(item["text"]) <= 3000
    bot.command("/digest", "post", user=COORDINATOR)
    bot.deliver()
    (posted,) = bot.slack.posted("CDIG")
    assert_valid_blocks(posted["blocks"])
    assert len(posted["text"]) <= 3000


def test_the_queued_digest_is_composed_when_it_is_sent(bot: Bot) -> None:
    bot.clock.set(local("2026-11-16 07:00").astimezone(UTC))
    bind_digest(bot)
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    assert scheduled(bot, "2026-11-16 08:00")  # queued, Slack said "later"
    assert digests(bot) == []
    bot.command("/decision", "Kom med før sending dept:RMA")
    bot.clock.set(bot.clock.now() + timedelta(seconds=5))
    bot.deliver()
    (posted,) = digests(bot)
    assert "Kom med før sending" in posted and "uke 47" in posted
