"""APScheduler wiring: fixed-id jobs, the outbox job delivering, safe wall-clock triggers."""

from __future__ import annotations

import threading
import time as clock_time
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot import outbox
from bot.context import ManualClock
from bot.outbox import EMAIL, SLACK, Dispatcher
from handlers.slack_transport import SlackTransport
from mail import Unconfigured
from returbot.clock import (
    OUTBOX_JOB,
    Job,
    build_scheduler,
    dst_unsafe,
    start_dispatch_thread,
    wall_clock_trigger,
)
from storage.db import Database
from tests.support.fakeslack import FakeSlack

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def dispatcher(sqlite_db: Database, slack: FakeSlack, clock: ManualClock) -> Dispatcher:
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=1)
    transports = {SLACK: SlackTransport(client), EMAIL: Unconfigured()}
    return Dispatcher(db=sqlite_db, transports=transports, clock=clock, coordinators=(), lang="nb")


def queue_now(dispatcher: Dispatcher, text: str) -> None:
    with dispatcher.db.session() as session:
        outbox.enqueue(
            session, kind="notice", text=text, channel="CNET", due_at=dispatcher.clock.now()
        )


def wait_for(slack: FakeSlack, channel: str, seconds: float = 4.0) -> list[str]:
    deadline = clock_time.monotonic() + seconds
    while clock_time.monotonic() < deadline:
        posted = [str(m.get("text")) for m in slack.posted(channel)]
        if posted:
            return posted
        clock_time.sleep(0.05)
    return []


def test_the_outbox_job_has_a_fixed_id_and_extra_jobs_join_it(dispatcher: Dispatcher) -> None:
    digest = Job("digest", lambda: None, wall_clock_trigger(time(8, 0), OSLO, day="monday"))
    scheduler = build_scheduler(dispatcher, OSLO, jobs=[digest])
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {OUTBOX_JOB, "digest"}
    job = jobs[OUTBOX_JOB]
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval.total_seconds() == 2
    assert job.max_instances == 1 and job.coalesce is True
    assert job.misfire_grace_time is not None and job.misfire_grace_time <= 5


def test_the_running_scheduler_delivers_a_due_row(dispatcher: Dispatcher, slack: FakeSlack) -> None:
    queue_now(dispatcher, "Scheduled hello")
    scheduler = build_scheduler(dispatcher, OSLO, interval=0.2)
    scheduler.start()
    try:
        assert wait_for(slack, "CNET") == ["Scheduled hello"]
    finally:
        scheduler.shutdown(wait=True)
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_the_dispatch_thread_runs_at_once_when_woken(
    dispatcher: Dispatcher, slack: FakeSlack
) -> None:
    stop = threading.Event()
    thread = start_dispatch_thread(dispatcher, stop, interval=60)
    try:
        clock_time.sleep(0.2)  # let the first, empty run pass; the next is a minute away
        queue_now(dispatcher, "Right away")
        dispatcher.wake()
        assert wait_for(slack, "CNET") == ["Right away"]
    finally:
        stop.set()
        dispatcher.wake()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_day_names_are_required_and_monday_is_monday() -> None:
    trigger = wall_clock_trigger(time(8, 0), OSLO, day="mon")
    after = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
    fire = trigger.get_next_fire_time(None, after)
    assert fire is not None
    assert fire.astimezone(OSLO).date() == date(2026, 11, 30)
    assert fire.astimezone(OSLO).hour == 8 and fire.weekday() == 0
    with pytest.raises(ValueError, match="day name"):
        wall_clock_trigger(time(8, 0), OSLO, day="1")


def test_times_that_dst_skips_or_repeats_are_refused() -> None:
    assert dst_unsafe(time(2, 30), OSLO, start=date(2026, 1, 1))
    assert not dst_unsafe(time(3, 30), OSLO, start=date(2026, 1, 1))
    assert not dst_unsafe(time(2, 30), ZoneInfo("UTC"), start=date(2026, 1, 1))
    with pytest.raises(ValueError, match="DST"):
        wall_clock_trigger(time(2, 30), OSLO)
