"""APScheduler 3.x wiring: a few fixed-id jobs (the outbox dispatcher, the digest, the nudges).

Reminders are never jobs of their own: they are outbox rows with a ``due_at``, so they survive
restarts and are sent once whichever process runs the dispatcher.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.outbox import Dispatcher, redact
from bot.text.dates import dst_unsafe

log = logging.getLogger("returbot.scheduler")

OUTBOX_JOB = "outbox-dispatch"
# APScheduler 3.x counts Monday as 0 in cron (unlike crontab), so only names are accepted here.
DAY_NAMES = {
    "mon": "mon",
    "tue": "tue",
    "wed": "wed",
    "thu": "thu",
    "fri": "fri",
    "sat": "sat",
    "sun": "sun",
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}


@dataclass(frozen=True)
class Job:
    """A fixed-id job: ``func`` runs whenever ``trigger`` fires (one instance at a time)."""

    id: str
    func: Callable[[], object]
    trigger: BaseTrigger
    misfire_grace_time: int = 60


def _guarded(job_id: str, func: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            func()
        except Exception as error:
            log.error(
                "job %s failed: %s",
                job_id,
                redact("".join(traceback.format_exception(error)).rstrip()),
            )

    run.__name__ = f"run_{job_id.replace('-', '_')}"
    return run


def wall_clock_trigger(at: time, tz: ZoneInfo, *, day: str | None = None) -> CronTrigger:
    """Fires at local time ``at`` in ``tz``, daily or on ``day`` ("mon" … "sun" or full names)."""
    if dst_unsafe(at, tz):
        raise ValueError(f"{at:%H:%M} is skipped or repeated on DST days in {tz.key}")
    day_of_week = None
    if day is not None:
        day_of_week = DAY_NAMES.get(day.strip().lower())
        if day_of_week is None:
            raise ValueError(f"day must be a day name such as 'mon', got {day!r}")
    return CronTrigger(
        day_of_week=day_of_week, hour=at.hour, minute=at.minute, second=at.second, timezone=tz
    )


def build_scheduler(
    dispatcher: Dispatcher,
    tz: ZoneInfo,
    *,
    jobs: Sequence[Job] = (),
    interval: float = 2.0,
) -> BackgroundScheduler:
    """A scheduler (not started) with the outbox job ``outbox-dispatch`` and ``jobs``."""
    scheduler = BackgroundScheduler(timezone=tz)
    scheduler.add_job(
        _guarded(OUTBOX_JOB, dispatcher.run_once),
        IntervalTrigger(seconds=interval, timezone=tz),
        id=OUTBOX_JOB,
        name=OUTBOX_JOB,
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        misfire_grace_time=max(1, int(interval)),
    )
    for job in jobs:
        scheduler.add_job(
            _guarded(job.id, job.func),
            job.trigger,
            id=job.id,
            name=job.id,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            misfire_grace_time=job.misfire_grace_time,
        )
    return scheduler


def start_dispatch_thread(
    dispatcher: Dispatcher, stop_event: threading.Event, interval: float = 2.0
) -> threading.Thread:
    """Start a daemon thread that runs the dispatcher when woken and every ``interval`` s."""
    return start_dispatch_threads(dispatcher, stop_event, interval, workers=1)[0]


def start_dispatch_threads(
    dispatcher: Dispatcher, stop_event: threading.Event, interval: float = 2.0, *, workers: int = 4
) -> list[threading.Thread]:
    """Start ``workers`` dispatch threads; claims keep them from sending a row twice.

    Slack answers each call in tens of milliseconds, so one thread sends ~20 messages a
    second; several keep a burst (a digest day, many reminders at 09:00) within 15 seconds.
    """
    threads = []
    for number in range(workers):
        thread = threading.Thread(
            target=dispatcher.loop,
            args=(stop_event, interval),
            name=f"outbox-dispatch-{number}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    return threads
