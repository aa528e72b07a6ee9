"""Scheduling meetings (SPEC §4.3): one meeting, or a recurring series of them.

A recurring meeting is a rule plus real meetings: each occurrence is an ``M-n`` of its own that
can be moved, cancelled and given an agenda; they are made a year ahead, and the clock keeps
them a year ahead (``extend_series``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import audit, mailing, permissions, screening
from bot.automation import meeting_reminders
from bot.context import Actor, local_today
from bot.errors import UserError
from bot.meetings.rules import Deferred, duration_of, read, rule_of, series_of
from bot.orgconfig import MeetingSeries, OrgConfig
from bot.text import guard, recurrence
from bot.text.dates import check_range
from bot.text.holidays import holiday
from storage import meetings as store
from storage import search
from storage.models import Meeting, Recurrence

# occurrences exist for at least the next 12 months; the scheduler keeps extending
HORIZON = timedelta(days=366)
# a meeting made for a series: the meeting, the day the rule gave it, the holiday that moved it
Occurrence = tuple[Meeting, date, str | None]


@dataclass(frozen=True)
class MeetingInput:
    series: str
    start: datetime
    duration: timedelta | None = None
    place: str = ""
    title: str = ""
    repeat: str | None = None
    screening: str | None = None  # the legal basis to screen it with (SPEC §10), None: none


@dataclass(frozen=True)
class Moved:
    """An occurrence that fell on a public holiday and moved to the next working day."""

    meeting: Meeting
    nominal: date
    holiday: str


@dataclass
class Scheduled:
    meeting: Meeting  # the first (or only) meeting
    count: int = 1
    rule: str | None = None
    holiday: str | None = None  # the first meeting is on this public holiday
    moved: list[Moved] = field(default_factory=list)
    last: Meeting | None = None


@dataclass(frozen=True)
class _Checked:
    """A meeting to schedule, every field checked."""

    series: MeetingSeries
    title: str
    place: str
    start: datetime
    duration: timedelta
    rule: str | None
    screen: screening.Asked | None


def _checked(org: OrgConfig, data: MeetingInput, now: datetime) -> _Checked:
    """Every field of ``data`` checked, in the order a user is told of the first that is wrong."""
    series = series_of(org, data.series)
    typed, screen = screening.asked(data.title, data.screening)
    title = guard.check_text(typed or series.name, "title", limit=guard.TITLE_LIMIT)
    place = guard.check_text(data.place, "place", limit=guard.TITLE_LIMIT)
    duration = duration_of(data.duration)
    rule = rule_of(data.repeat)
    if screen is not None and rule is not None:
        # the occurrences the clock makes later would not be screened: one meeting at a time
        raise UserError("screening.not_for_series")
    # the form's date picker gives a date that the command's date parser never saw
    check_range(data.start.date(), today=local_today(now, org.timezone))
    if data.start <= now:
        raise UserError("meeting.in_past")
    return _Checked(series, title, place, data.start, duration, rule, screen)


def schedule(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    data: Deferred[MeetingInput],
    now: datetime,
) -> Scheduled:
    """Coordinator: schedule M-n, or a recurring series of them a year ahead."""
    permissions.require_coordinator(actor)
    asked = _checked(org, read(data), now)
    if asked.rule is None:
        result = _schedule_one(session, asked, actor, now)
    else:
        result = _schedule_series(session, org, asked, asked.rule, actor, now)
    result.holiday = holiday(asked.start.astimezone(org.timezone).date())
    audit.change(
        session, actor, result.meeting, "scheduled",
        {"series": asked.series.key, "starts_at": asked.start.isoformat(), "repeat": asked.rule,
         "count": result.count},
        now,
    )  # fmt: skip
    screening.screen_new(session, actor=actor, record=result.meeting, asked=asked.screen, now=now)
    meeting_reminders.plan(session, org, now, [result.meeting])
    if asked.rule is None:  # a series' occurrences were invited as they were made
        mailing.invitations(session, org, [result.meeting], now)
    return result


def _schedule_one(session: Session, asked: _Checked, actor: Actor, now: datetime) -> Scheduled:
    meeting = _new_meeting(
        number=store.reserve_numbers(session, "M", 1)[0], series=asked.series, title=asked.title,
        place=asked.place, start=asked.start, duration=asked.duration, actor=actor, now=now,
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    search.index(session, [search.of_meeting(meeting, agenda=())])
    return Scheduled(meeting=meeting, last=meeting)


def _schedule_series(
    session: Session, org: OrgConfig, asked: _Checked, rule: str, actor: Actor, now: datetime
) -> Scheduled:
    made = _start_series(
        session, org, asked.series, rule=rule, start=asked.start, duration=asked.duration,
        title=asked.title, place=asked.place, actor=actor, now=now,
    )  # fmt: skip
    result = Scheduled(meeting=made[0][0], count=len(made), rule=rule, last=made[-1][0])
    result.moved = [Moved(m, nominal, key) for m, nominal, key in made if key is not None]
    return result


def _new_meeting(
    *,
    number: int,
    series: MeetingSeries,
    title: str,
    place: str,
    start: datetime,
    duration: timedelta,
    actor: Actor | None = None,
    created_by: str = "",
    now: datetime,
) -> Meeting:
    """A scheduled ``M-number``, not yet added to the session."""
    return Meeting(
        number=number, series_key=series.key, title=title, starts_at=start,
        ends_at=start + duration, place=place, status=store.SCHEDULED,
        created_by=actor.user_id if actor else created_by, created_at=now, updated_at=now,
        timed_at=now, sequence=0,
    )  # fmt: skip


def _start_series(
    session: Session,
    org: OrgConfig,
    series: MeetingSeries,
    *,
    rule: str,
    start: datetime,
    duration: timedelta,
    title: str,
    place: str,
    actor: Actor,
    now: datetime,
) -> list[Occurrence]:
    """A new recurrence of ``rule`` from ``start``, and its occurrences up to a year ahead."""
    horizon = local_today(now, org.timezone) + HORIZON
    rec = Recurrence(
        series_key=series.key, rule=rule, first_start=start,
        duration_minutes=int(duration.total_seconds() // 60), title=title, place=place,
        generated_until=horizon, active=True, created_by=actor.user_id, created_at=now,
    )  # fmt: skip
    session.add(rec)
    session.flush()
    return _occurrences(session, org, series, rec, actor.user_id, now, horizon, start_index=0)


def _occurrences(
    session: Session,
    org: OrgConfig,
    series: MeetingSeries,
    rec: Recurrence,
    user: str,
    now: datetime,
    horizon: date,
    *,
    start_index: int,
) -> list[Occurrence]:
    """Create the occurrences of ``rec`` from ``start_index`` up to ``horizon`` as meetings."""
    found = recurrence.occurrences(
        rec.first_start, rec.rule, org.timezone, until=horizon, start_index=start_index
    )
    if not found:
        return []
    numbers = store.reserve_numbers(session, "M", len(found))
    duration = timedelta(minutes=rec.duration_minutes)
    made: list[Occurrence] = []
    for number, occ in zip(numbers, found, strict=True):
        meeting = _new_meeting(
            number=number, series=series, title=rec.title, place=rec.place, start=occ.start,
            duration=duration, created_by=user, now=now,
        )  # fmt: skip
        meeting.recurrence_id = rec.id
        meeting.occurrence = occ.index
        meeting.moved_from = occ.moved_from
        made.append((meeting, occ.moved_from or occ.start.date(), occ.holiday))
    session.add_all([m for m, _, _ in made])
    session.flush()
    search.index(session, [search.of_meeting(m, agenda=()) for m, _, _ in made])
    mailing.invitations(session, org, [m for m, _, _ in made], now)
    return made


def extend_series(session: Session, org: OrgConfig, now: datetime) -> int:
    """Keep every active recurrence generated a year ahead; returns how many meetings were made."""
    horizon = local_today(now, org.timezone) + HORIZON
    made = 0
    for rec in store.recurrences_to_extend(session, horizon):
        series = org.meeting_series(rec.series_key)
        if series is None:
            continue  # the series left the config; its meetings stay as they are
        after = store.last_occurrence(session, rec.id) + 1
        made += len(
            _occurrences(session, org, series, rec, rec.created_by, now, horizon, start_index=after)
        )
        rec.generated_until = horizon
    return made
