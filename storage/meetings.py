"""Meeting queries. They take a session and never commit: the caller owns the transaction."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    AgendaItem,
    Counter,
    Issue,
    IssueDepartment,
    IssueNote,
    Meeting,
    Recurrence,
)

SCHEDULED = "scheduled"
CANCELLED = "cancelled"


def by_number(session: Session, number: int) -> Meeting | None:
    stmt = (
        select(Meeting)
        .where(Meeting.number == number)
        .options(selectinload(Meeting.agenda), selectinload(Meeting.attendance))
    )
    return session.scalar(stmt)


def reserve_numbers(session: Session, kind: str, count: int) -> range:
    """``count`` consecutive human numbers of ``kind`` in one statement (a series at once)."""
    table = Counter.__table__
    assert isinstance(table, Table)
    stmt = (
        update(table)
        .where(table.c.kind == kind)
        .values(value=table.c.value + count)
        .returning(table.c.value)
    )
    last = int(session.connection().execute(stmt).scalar_one())
    return range(last - count + 1, last + 1)


def _upcoming(series: bool, until: bool) -> Select[Meeting, int]:
    """The statement of one shape of :func:`upcoming`, its values bound: the page of meetings,
    each row with the count of all that match (a subquery the database runs once)."""
    matching = [Meeting.status == SCHEDULED, Meeting.ends_at > bindparam("now")]
    if series:
        matching.append(Meeting.series_key == bindparam("series"))
    if until:
        matching.append(Meeting.starts_at <= bindparam("until"))
    total = select(func.count()).select_from(Meeting).where(*matching).correlate(None)
    return (
        select(Meeting, total.scalar_subquery().label("total"))
        .where(*matching)
        .order_by(Meeting.starts_at, Meeting.number)
        .limit(bindparam("limit"))
        .options(selectinload(Meeting.agenda))
    )


# built once for each of the four shapes (SQLAlchemy then finds each compiled in its cache)
_UPCOMING = {shape: _upcoming(*shape) for shape in itertools.product((False, True), repeat=2)}


def upcoming(
    session: Session,
    *,
    now: datetime,
    series: str | None = None,
    until: datetime | None = None,
    limit: int = 20,
) -> tuple[list[Meeting], int]:
    """Scheduled meetings that have not ended, soonest first, and how many there are: one
    statement (and one for the agendas of those found)."""
    stmt = _UPCOMING[(bool(series), until is not None)]
    given = {"series": series or None, "until": until}
    params = {k: v for k, v in given.items() if v is not None} | {"now": now, "limit": limit}
    rows = session.execute(stmt, params).all()
    return [row[0] for row in rows], (int(rows[0][1]) if rows else 0)


def starting_between(session: Session, start: datetime, end: datetime) -> list[Meeting]:
    """Scheduled meetings that start after ``start`` and no later than ``end``."""
    stmt = (
        select(Meeting)
        .where(Meeting.status == SCHEDULED, Meeting.starts_at > start, Meeting.starts_at <= end)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(session.scalars(stmt))


def next_per_series(session: Session, now: datetime) -> dict[str, Meeting]:
    """The next scheduled meeting of each series."""
    first = (
        select(Meeting.series_key, func.min(Meeting.starts_at).label("starts_at"))
        .where(Meeting.status == SCHEDULED, Meeting.starts_at > now)
        .group_by(Meeting.series_key)
        .subquery()
    )
    stmt = (
        select(Meeting)
        .join(
            first,
            (Meeting.series_key == first.c.series_key) & (Meeting.starts_at == first.c.starts_at),
        )
        .where(Meeting.status == SCHEDULED)
        .order_by(Meeting.number)
    )
    out: dict[str, Meeting] = {}
    for meeting in session.scalars(stmt):
        out.setdefault(meeting.series_key, meeting)
    return out


@dataclass(frozen=True)
class FeedRow:
    """One meeting of the feed as far as telling whether it changed."""

    id: int
    starts_at: datetime
    key: tuple[object, ...]


def feed_key(meeting: Meeting) -> tuple[object, ...]:
    return (meeting.updated_at, meeting.sequence, meeting.status)


def feed_index(session: Session, since: datetime) -> list[FeedRow]:
    """Every meeting that starts at or after ``since``, in feed order, with its change key."""
    stmt = (
        select(Meeting.id, Meeting.starts_at, Meeting.updated_at, Meeting.sequence, Meeting.status)
        .where(Meeting.starts_at >= since)
        .order_by(Meeting.starts_at, Meeting.number)
    )
    return [
        FeedRow(id=i, starts_at=start, key=(changed, sequence, status))
        for i, start, changed, sequence, status in session.execute(stmt)
    ]


def with_agenda(session: Session, ids: Collection[int]) -> list[Meeting]:
    """The meetings with these ids, agendas loaded."""
    out: list[Meeting] = []
    chosen = list(ids)
    for first in range(0, len(chosen), 500):
        stmt = (
            select(Meeting)
            .where(Meeting.id.in_(chosen[first : first + 500]))
            .options(selectinload(Meeting.agenda))
        )
        out.extend(session.scalars(stmt))
    return out


def open_issues_of(
    session: Session, departments: Collection[str], *, limit: int = 500
) -> list[Issue]:
    """Open issues that affect any of ``departments``, most recent first."""
    if not departments:
        return []
    stmt = (
        select(Issue)
        .where(
            Issue.status == "open",
            Issue.id.in_(
                select(IssueDepartment.issue_id).where(
                    IssueDepartment.department.in_(list(departments))
                )
            ),
        )
        .order_by(Issue.number.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def status_notes(session: Session, meeting_id: int) -> list[IssueNote]:
    """Notes written for this meeting (answers to its status requests), oldest first."""
    stmt = select(IssueNote).where(IssueNote.meeting_id == meeting_id).order_by(IssueNote.id)
    return list(session.scalars(stmt))


def latest_notes(session: Session, issue_ids: Collection[int]) -> dict[int, IssueNote]:
    """The newest note of each issue."""
    if not issue_ids:
        return {}
    newest = (
        select(func.max(IssueNote.id))
        .where(IssueNote.issue_id.in_(list(issue_ids)))
        .group_by(IssueNote.issue_id)
    )
    stmt = select(IssueNote).where(IssueNote.id.in_(newest))
    return {note.issue_id: note for note in session.scalars(stmt)}


def issues_by_id(session: Session, ids: Collection[int]) -> dict[int, Issue]:
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(Issue).where(Issue.id.in_(list(ids))))}


def agenda_counts(session: Session, meeting_ids: Collection[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    stmt = (
        select(AgendaItem.meeting_id, func.count(AgendaItem.id))
        .where(AgendaItem.meeting_id.in_(list(meeting_ids)))
        .group_by(AgendaItem.meeting_id)
    )
    return {int(m): int(n) for m, n in session.execute(stmt).all()}


def recurrences_to_extend(session: Session, horizon: date) -> list[Recurrence]:
    stmt = select(Recurrence).where(
        Recurrence.active.is_(True), Recurrence.generated_until < horizon
    )
    return list(session.scalars(stmt))


def last_occurrence(session: Session, recurrence_id: int) -> int:
    stmt = select(func.max(Meeting.occurrence)).where(Meeting.recurrence_id == recurrence_id)
    return int(session.scalar(stmt) or 0)
