"""Meetings (SPEC §3, §4.3): series, recurrence, agendas, attendance, moves and cancellations.

A recurring meeting is a rule plus real meetings: each occurrence is an ``M-n`` of its own that
can be moved, cancelled and given an agenda. Messages about a meeting are queued in the outbox in
the caller's transaction and composed when they are sent (renderers on the Slack side).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeAlias, TypeVar

from sqlalchemy.orm import Session

from bot import audit, bindings, departments, permissions
from bot.automation import meeting_reminders
from bot.context import Actor, local_today
from bot.errors import UserError
from bot.orgconfig import MeetingSeries, OrgConfig
from bot.text import guard, recurrence
from bot.text.dates import check_range
from bot.text.holidays import holiday
from storage import issues as issue_store
from storage import meetings as store
from storage.models import AgendaItem, Attendance, Issue, IssueNote, Meeting, Recurrence

DEFAULT_DURATION = timedelta(hours=2)
MAX_DURATION = timedelta(days=3)
# occurrences exist for at least the next 12 months; the scheduler keeps extending
HORIZON = timedelta(days=366)
REPEAT = {
    "weekly": "weekly", "ukentlig": "weekly", "hver-uke": "weekly", "week": "weekly",
    "uke": "weekly",
    "monthly": "monthly", "månedlig": "monthly", "maanedlig": "monthly", "month": "monthly",
    "måned": "monthly",
    "quarterly": "quarterly", "kvartalsvis": "quarterly", "quarter": "quarterly",
    "kvartal": "quarterly",
    "none": None, "no": None, "ingen": None, "nei": None, "": None,
}  # fmt: skip
ANSWERS = ("attend", "skip")

T = TypeVar("T")
# what a coordinator-only use case is asked to do: the value, or a function that reads it from
# the request; a function is called after the permission check, so somebody who may not act is
# told so, not what is wrong with what they typed
Deferred: TypeAlias = T | Callable[[], T]


def _read(given: Deferred[T]) -> T:
    return given() if callable(given) else given


@dataclass(frozen=True)
class MeetingInput:
    series: str
    start: datetime
    duration: timedelta | None = None
    place: str = ""
    title: str = ""
    repeat: str | None = None


@dataclass(frozen=True)
class MoveInput:
    number: int
    start: datetime


@dataclass(frozen=True)
class CancelInput:
    number: int
    reason: str = ""


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


def series_of(org: OrgConfig, key: str) -> MeetingSeries:
    found = org.meeting_series(key.strip()) if key.strip() else None
    if found is None:
        valid = ", ".join(s.key for s in org.series)
        raise UserError("meeting.unknown_series", value=key.strip()[:40] or "—", valid=valid)
    return found


def rule_of(value: str | None) -> str | None:
    """``kvartalsvis`` / ``quarterly`` -> ``quarterly``; none -> None; unknown ones refused."""
    if value is None:
        return None
    word = value.strip().lower()
    if word not in REPEAT:
        raise UserError("meeting.bad_repeat", value=value.strip()[:40])
    return REPEAT[word]


def get(session: Session, number: int) -> Meeting:
    meeting = store.by_number(session, number)
    if meeting is None:
        raise UserError("common.meeting_not_found", ref=Meeting.ref_of(number))
    return meeting


def _duration(value: timedelta | None) -> timedelta:
    duration = value or DEFAULT_DURATION
    if duration > MAX_DURATION:
        raise UserError("meeting.too_long", hours=int(MAX_DURATION.total_seconds() // 3600))
    return duration


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
    data = _read(data)
    series = series_of(org, data.series)
    title = guard.check_text(data.title or series.name, "title", limit=guard.TITLE_LIMIT)
    place = guard.check_text(data.place, "place", limit=guard.TITLE_LIMIT)
    duration = _duration(data.duration)
    rule = rule_of(data.repeat)
    # the form's date picker gives a date that the command's date parser never saw
    check_range(data.start.date(), today=local_today(now, org.timezone))
    if data.start <= now:
        raise UserError("meeting.in_past")
    first_local = data.start.astimezone(org.timezone)
    result: Scheduled
    if rule is None:
        meeting = _new_meeting(
            number=store.reserve_numbers(session, "M", 1)[0], series=series, title=title,
            place=place, start=data.start, duration=duration, actor=actor, now=now,
        )  # fmt: skip
        session.add(meeting)
        session.flush()
        result = Scheduled(meeting=meeting, last=meeting)
    else:
        horizon = local_today(now, org.timezone) + HORIZON
        rec = Recurrence(
            series_key=series.key, rule=rule, first_start=data.start,
            duration_minutes=int(duration.total_seconds() // 60), title=title, place=place,
            generated_until=horizon, active=True, created_by=actor.user_id, created_at=now,
        )  # fmt: skip
        session.add(rec)
        session.flush()
        made = _occurrences(session, org, series, rec, actor.user_id, now, horizon, start_index=0)
        result = Scheduled(meeting=made[0][0], count=len(made), rule=rule, last=made[-1][0])
        result.moved = [Moved(m, nominal, key) for m, nominal, key in made if key is not None]
    result.holiday = holiday(first_local.date())
    audit.change(
        session, actor, result.meeting, "scheduled",
        {"series": series.key, "starts_at": data.start.isoformat(), "repeat": rule,
         "count": result.count},
        now,
    )  # fmt: skip
    meeting_reminders.plan(session, org, now, [result.meeting])
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
    return Meeting(
        number=number, series_key=series.key, title=title, starts_at=start,
        ends_at=start + duration, place=place, status=store.SCHEDULED,
        created_by=actor.user_id if actor else created_by, created_at=now, updated_at=now,
        timed_at=now, sequence=0,
    )  # fmt: skip


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
) -> list[tuple[Meeting, date, str | None]]:
    """Create the occurrences of ``rec`` from ``start_index`` up to ``horizon`` as meetings."""
    found = recurrence.occurrences(
        rec.first_start, rec.rule, org.timezone, until=horizon, start_index=start_index
    )
    if not found:
        return []
    numbers = store.reserve_numbers(session, "M", len(found))
    duration = timedelta(minutes=rec.duration_minutes)
    made: list[tuple[Meeting, date, str | None]] = []
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


def _open(meeting: Meeting, now: datetime) -> None:
    if meeting.status == store.CANCELLED:
        raise UserError("meeting.is_cancelled", ref=meeting.ref)
    if meeting.ends_at <= now:
        raise UserError("meeting.is_over", ref=meeting.ref)


def add_agenda(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    number: int,
    text: str,
    now: datetime,
    department: str | None = None,
    issue: int | None = None,
) -> tuple[Meeting, AgendaItem]:
    """Anyone: an agenda item on M-n, optionally for a department and about an issue."""
    meeting = get(session, number)
    _open(meeting, now)
    body = guard.check_text(text, "agenda", required=True)
    code = departments.resolve(org, [department], required=True)[0] if department else None
    issue_id = None
    if issue is not None:
        found = issue_store.by_number(session, issue)
        if found is None:
            raise UserError("common.issue_not_found", ref=Issue.ref_of(issue))
        issue_id = found.id
    item = AgendaItem(
        text=body, author=actor.user_id, department=code, issue_id=issue_id, created_at=now
    )
    meeting.agenda.append(item)
    meeting.updated_at = now
    session.flush()
    audit.change(
        session, actor, meeting, "agenda_added",
        {"text": body, "department": code, "issue": Issue.ref_of(issue) if issue else None},
        now,
    )  # fmt: skip
    meeting_reminders.refresh_invites(session, meeting, now)
    return meeting, item


@dataclass(frozen=True)
class Change:
    meeting: Meeting
    before: datetime
    holiday: str | None = None
    withdrawn: int = 0


def move(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    data: Deferred[MoveInput],
    now: datetime,
    typed_in: str | None = None,
) -> Change:
    """Coordinator: M-n at a new time; pending reminders are withdrawn and planned anew."""
    permissions.require_coordinator(actor)
    data = _read(data)
    start = data.start
    meeting = get(session, data.number)
    _open(meeting, now)
    if start <= now:
        raise UserError("meeting.in_past")
    if start == meeting.starts_at:
        raise UserError("meeting.same_time", ref=meeting.ref)
    before = meeting.starts_at
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = start, start + length
    meeting.moved_from = None
    meeting.sequence += 1
    meeting.timed_at = meeting.updated_at = now
    withdrawn = meeting_reminders.withdraw(session, meeting)
    audit.change(
        session, actor, meeting, "moved",
        {"starts_at": [before.isoformat(), start.isoformat()]},
        now,
    )  # fmt: skip
    meeting_reminders.tell_channel(
        session, org, meeting, meeting_reminders.MOVED, now, typed_in=typed_in,
        extra={"before": before.isoformat()},
    )  # fmt: skip
    meeting_reminders.refresh_invites(session, meeting, now)
    meeting_reminders.plan(session, org, now, [meeting])
    local = start.astimezone(org.timezone).date()
    return Change(meeting, before, holiday=holiday(local), withdrawn=withdrawn)


def cancel(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    data: Deferred[CancelInput],
    now: datetime,
    typed_in: str | None = None,
) -> Change:
    """Coordinator: cancel M-n; its pending reminders are withdrawn and the channel is told."""
    permissions.require_coordinator(actor)
    data = _read(data)
    meeting = get(session, data.number)
    _open(meeting, now)
    why = guard.check_text(data.reason, "reason")
    meeting.status = store.CANCELLED
    meeting.cancel_reason = why or None
    meeting.sequence += 1
    meeting.updated_at = now
    withdrawn = meeting_reminders.withdraw(session, meeting)
    audit.change(session, actor, meeting, "cancelled", {"reason": why or None}, now)
    meeting_reminders.tell_channel(
        session, org, meeting, meeting_reminders.CANCELLED, now, typed_in=typed_in
    )
    meeting_reminders.refresh_invites(session, meeting, now)
    return Change(meeting, meeting.starts_at, withdrawn=withdrawn)


def answer_attendance(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    number: int,
    code: str,
    answer: str,
    now: datetime,
) -> Meeting:
    """An optional department's answer for one meeting (the last answer counts)."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown attendance answer {answer!r}")
    meeting = get(session, number)
    _open(meeting, now)
    series = series_of(org, meeting.series_key)
    wanted = departments.resolve(org, [code], required=True)[0]
    if wanted not in series.optional:
        raise UserError("meeting.not_optional", code=wanted, ref=meeting.ref)
    permissions.require_department_member(
        actor, wanted, key="meeting.answer_not_allowed", ref=meeting.ref
    )
    row = next((a for a in meeting.attendance if a.department == wanted), None)
    if row is None:
        meeting.attendance.append(
            Attendance(department=wanted, answer=answer, answered_by=actor.user_id, answered_at=now)
        )
    else:
        row.answer, row.answered_by, row.answered_at = answer, actor.user_id, now
    meeting.updated_at = now
    session.flush()
    audit.change(
        session, actor, meeting, "attendance", {"department": wanted, "answer": answer}, now
    )
    meeting_reminders.refresh_invites(session, meeting, now)
    return meeting


def all_departments(series: MeetingSeries) -> list[str]:
    """A series' departments, the optional ones included, each once."""
    return list(dict.fromkeys([*series.departments, *series.optional]))


def channel_for(session: Session, org: OrgConfig, series_key: str) -> str | None:
    """Where a series' messages go: its bound channel, else the digest channel."""
    bound = bindings.current(session, org)
    return bound.get(f"series:{series_key}") or bound.get("digest")


def suggestions(
    session: Session, org: OrgConfig, meeting: Meeting, *, limit: int = 10
) -> tuple[list[Issue], int]:
    """Open issues of the meeting's departments that are not on its agenda yet."""
    series = org.meeting_series(meeting.series_key)
    if series is None:
        return [], 0
    on_agenda = {item.issue_id for item in meeting.agenda if item.issue_id}
    found = [
        i for i in store.open_issues_of(session, all_departments(series)) if i.id not in on_agenda
    ]
    return list(found[:limit]), len(found)


@dataclass(frozen=True)
class Upcoming:
    meetings: list[Meeting]
    total: int
    agenda_counts: Mapping[int, int]  # items on each meeting's agenda, by meeting id


def upcoming(
    session: Session, *, org: OrgConfig, now: datetime, series: str | None = None
) -> Upcoming:
    """``/meeting list``: the meetings that have not ended (of one series if asked), soonest
    first, with how many there are and the size of each one's agenda."""
    key = series_of(org, series).key if series else None
    found, total = store.upcoming(session, now=now, series=key)
    return Upcoming(found, total, store.agenda_counts(session, [m.id for m in found]))


def next_per_series(session: Session, now: datetime) -> dict[str, Meeting]:
    """The next scheduled meeting of each series, by series key."""
    return store.next_per_series(session, now)


@dataclass(frozen=True)
class Details:
    """What ``/meeting show`` shows besides the meeting itself."""

    series: MeetingSeries | None
    issues: Mapping[int, Issue]  # the issues on the agenda, by id
    latest: Mapping[int, IssueNote]  # their newest notes
    notes: Sequence[IssueNote]  # status notes written for this meeting
    note_issues: Mapping[int, Issue]
    suggestions: Sequence[Issue]
    suggestion_total: int


def details(session: Session, *, org: OrgConfig, meeting: Meeting, suggested: int) -> Details:
    """The issues on ``meeting``'s agenda with their newest notes, the status notes written for
    it, and up to ``suggested`` open issues of its departments not on the agenda yet."""
    issue_ids = {item.issue_id for item in meeting.agenda if item.issue_id}
    notes = store.status_notes(session, meeting.id)
    found, total = suggestions(session, org, meeting, limit=suggested)
    return Details(
        series=org.meeting_series(meeting.series_key),
        issues=store.issues_by_id(session, issue_ids),
        latest=store.latest_notes(session, issue_ids),
        notes=notes,
        note_issues=store.issues_by_id(session, {n.issue_id for n in notes}),
        suggestions=found,
        suggestion_total=total,
    )


def agenda_issues(session: Session, meeting: Meeting) -> dict[int, Issue]:
    """The issues on ``meeting``'s agenda, by id."""
    return store.issues_by_id(session, {i.issue_id for i in meeting.agenda if i.issue_id})


def issues_owned(session: Session, *, org: OrgConfig, meeting: Meeting, owner: str) -> list[Issue]:
    """The open issues of ``meeting``'s departments that ``owner`` owns, by number (what a
    status request asks them about)."""
    series = org.meeting_series(meeting.series_key)
    codes = all_departments(series) if series else []
    mine = [i for i in store.open_issues_of(session, codes) if i.owner == owner]
    return sorted(mine, key=lambda i: i.number)
