"""The scheduler's fixed-id jobs besides the outbox: never one job per reminder."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from bot import followups, meeting_reminders, meetings, status
from bot.runtime import Runtime
from bot.scheduler import Job

FOLLOWUPS = "issue-followups"
MEETINGS = "meeting-automation"


def run_followups(rt: Runtime) -> int:
    """Queue the issue follow-ups that are due now; wakes the outbox if any were queued."""
    with rt.db.session() as session:
        queued = followups.sweep(session, rt.org, rt.clock.now())
        status.beat(session, rt.clock.now())
    if queued:
        rt.wake_outbox()
    return queued


def run_meetings(rt: Runtime) -> int:
    """Extend recurring series a year ahead, then queue the meeting messages coming due."""
    now = rt.clock.now()
    with rt.db.session() as session:
        meetings.extend_series(session, rt.org, now)
    with rt.db.session() as session:
        queued = meeting_reminders.sweep(session, rt.org, now)
    if queued:
        rt.wake_outbox()
    return queued


def standard_jobs(rt: Runtime) -> list[Job]:
    """The jobs a scheduler process runs."""
    return [
        Job(
            FOLLOWUPS,
            lambda: run_followups(rt),
            IntervalTrigger(minutes=1, timezone=rt.org.timezone),
        ),
        Job(
            MEETINGS,
            lambda: run_meetings(rt),
            IntervalTrigger(minutes=1, timezone=rt.org.timezone),
        ),
    ]
