"""The scheduler's fixed-id jobs besides the outbox: never one job per reminder."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from bot import digest, meetings, status
from bot.automation import followups, meeting_reminders
from bot.orgconfig import WEEKDAYS
from bot.runtime import Runtime
from returbot.clock import Job, wall_clock_trigger

FOLLOWUPS = "issue-followups"
MEETINGS = "meeting-automation"
DIGEST = "weekly-digest"
DIGEST_CATCH_UP = "weekly-digest-catch-up"
FOLLOWUP_EVERY = 10  # seconds


def run_followups(rt: Runtime) -> int:
    """Queue the issue follow-ups that are due now (the commit wakes the outbox if any were)."""
    with rt.db.session() as session:
        queued = followups.sweep(session, rt.org, rt.clock.now())
        status.beat(session, rt.clock.now())
    return queued


def run_meetings(rt: Runtime) -> int:
    """Extend recurring series a year ahead, then queue the meeting messages coming due."""
    now = rt.clock.now()
    with rt.db.session() as session:
        meetings.extend_series(session, rt.org, now)
    with rt.db.session() as session:
        return meeting_reminders.sweep(session, rt.org, now)


def run_digest(rt: Runtime) -> bool:
    """Post this week's scheduled digest if it is owed (at its slot, or late after downtime)."""
    with rt.db.session() as session:
        run = digest.post_scheduled(session, rt.org, rt.clock.now())
    return run is not None


def standard_jobs(rt: Runtime) -> list[Job]:
    """The jobs a scheduler process runs."""
    return [
        # often enough that a follow-up goes out within 15 s of its moment (SPEC §5)
        Job(
            FOLLOWUPS,
            lambda: run_followups(rt),
            IntervalTrigger(seconds=FOLLOWUP_EVERY, timezone=rt.org.timezone),
            misfire_grace_time=FOLLOWUP_EVERY,
        ),
        Job(
            MEETINGS,
            lambda: run_meetings(rt),
            IntervalTrigger(minutes=1, timezone=rt.org.timezone),
        ),
        # at the slot itself (local wall-clock time; the config keeps it out of the DST hour)
        Job(
            DIGEST,
            lambda: run_digest(rt),
            wall_clock_trigger(
                rt.org.digest_time, rt.org.timezone, day=WEEKDAYS[rt.org.digest_weekday]
            ),
        ),
        # and every minute after it: a digest missed while the bot was down, or while no
        # channel was bound, goes out as soon as it can (still once: the week is claimed)
        Job(
            DIGEST_CATCH_UP,
            lambda: run_digest(rt),
            IntervalTrigger(minutes=1, timezone=rt.org.timezone),
        ),
    ]
