"""What of a period can go to the archive (SPEC §10), and what cannot yet, and why.

The archive takes closed things only: the issues closed in the period (with their notes,
acknowledgements and linked decisions), the meetings held in it (with their agenda and the
decisions taken on them), and the period's other decisions, superseded and revoked ones too.
An open issue and a meeting not yet over are left out, and said so; so is a cancelled meeting,
which was never held. A decision is placed once: in its issue's folder, else in its meeting's,
else among the period's other decisions. The archive's format is not decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.meetings import CANCELLED, SCHEDULED
from storage.models import AuditEntry, Decision, Issue, Meeting

OPEN = "open"  # an issue still open
AHEAD = "ahead"  # a meeting not over yet
CANCELLED_MEETING = "cancelled"  # a meeting that was cancelled, so never held


@dataclass(frozen=True)
class LeftOut:
    """A record of the period that the archive cannot take, and why (``OPEN``, ``AHEAD``...)."""

    ref: str
    reason: str
    since: datetime  # created (an issue), starts (a meeting)


@dataclass
class Holdings:
    """The records of one period that go to the archive, each decision placed once."""

    start: date
    end: date
    issues: list[Issue] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    issue_decisions: dict[int, list[Decision]] = field(default_factory=dict)
    meeting_decisions: dict[int, list[Decision]] = field(default_factory=dict)
    other_decisions: list[Decision] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    issue_numbers: dict[int, int] = field(default_factory=dict)  # id -> number, agenda links
    left_out: list[LeftOut] = field(default_factory=list)


def bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last, from local midnights."""
    first = datetime.combine(start, time(0), tz)
    after = datetime.combine(end + timedelta(days=1), time(0), tz)
    return first, after


def holdings(session: Session, *, start: date, end: date, tz: ZoneInfo, now: datetime) -> Holdings:
    """Everything of the period from ``start`` to ``end`` (local dates, both included) that
    the archive can take at ``now``, and what it cannot."""
    lo, hi = bounds(start, end, tz)
    held = Holdings(start=start, end=end)
    held.issues = _closed_issues(session, lo, hi)
    meetings = _meetings(session, lo, hi)
    held.meetings = [m for m in meetings if _was_held(m, now)]
    _place_decisions(session, held, start, end)
    held.audit = _audit(session, held)
    held.issue_numbers = _issue_numbers(session, held.meetings)
    held.left_out = _left_out(session, hi, meetings, now)
    return held


def _closed_issues(session: Session, lo: datetime, hi: datetime) -> list[Issue]:
    stmt = (
        select(Issue)
        .where(Issue.status == "closed", Issue.closed_at >= lo, Issue.closed_at < hi)
        .options(selectinload(Issue.notes))
        .order_by(Issue.number)
    )
    return list(session.scalars(stmt))


def _meetings(session: Session, lo: datetime, hi: datetime) -> list[Meeting]:
    stmt = (
        select(Meeting)
        .where(Meeting.starts_at >= lo, Meeting.starts_at < hi)
        .options(selectinload(Meeting.agenda), selectinload(Meeting.attendance))
        .order_by(Meeting.number)
    )
    return list(session.scalars(stmt))


def _was_held(meeting: Meeting, now: datetime) -> bool:
    return meeting.status == SCHEDULED and meeting.ends_at <= now


def _place_decisions(session: Session, held: Holdings, start: date, end: date) -> None:
    issue_ids = {i.id for i in held.issues}
    resolving = {i.decision_id: i.id for i in held.issues if i.decision_id is not None}
    meeting_ids = {m.id for m in held.meetings}
    wanted = [Decision.decided_on.between(start, end)]
    if issue_ids:
        wanted.append(Decision.issue_id.in_(issue_ids))
    if resolving:
        wanted.append(Decision.id.in_(resolving))
    if meeting_ids:
        wanted.append(Decision.meeting_id.in_(meeting_ids))
    stmt = (
        select(Decision)
        .where(or_(*wanted))
        .options(
            selectinload(Decision.supersedes),
            selectinload(Decision.superseded_by),
            selectinload(Decision.meeting),
            selectinload(Decision.issue),
        )
        .order_by(Decision.decided_on, Decision.number)
    )
    for decision in session.scalars(stmt):
        issue_id = resolving.get(decision.id)
        if issue_id is None and decision.issue_id in issue_ids:
            issue_id = decision.issue_id
        if issue_id is not None:
            held.issue_decisions.setdefault(issue_id, []).append(decision)
        elif decision.meeting_id in meeting_ids:
            assert decision.meeting_id is not None
            held.meeting_decisions.setdefault(decision.meeting_id, []).append(decision)
        else:
            held.other_decisions.append(decision)


def _audit(session: Session, held: Holdings) -> list[AuditEntry]:
    wanted = {
        "issue": [i.id for i in held.issues],
        "meeting": [m.id for m in held.meetings],
        "decision": [d.id for d in _all_decisions(held)],
    }
    clauses = [
        and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))
        for entity, ids in wanted.items()
        if ids
    ]
    if not clauses:
        return []
    return list(session.scalars(select(AuditEntry).where(or_(*clauses)).order_by(AuditEntry.id)))


def _all_decisions(held: Holdings) -> list[Decision]:
    placed = [d for ds in held.issue_decisions.values() for d in ds]
    placed += [d for ds in held.meeting_decisions.values() for d in ds]
    return placed + held.other_decisions


def _issue_numbers(session: Session, meetings: list[Meeting]) -> dict[int, int]:
    ids = {a.issue_id for m in meetings for a in m.agenda if a.issue_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Issue.id, Issue.number).where(Issue.id.in_(ids))).all())


def _left_out(
    session: Session, hi: datetime, meetings: list[Meeting], now: datetime
) -> list[LeftOut]:
    out = [
        LeftOut(issue.ref, OPEN, issue.created_at)
        for issue in session.scalars(
            select(Issue)
            .where(Issue.status == "open", Issue.created_at < hi)
            .order_by(Issue.number)
        )
    ]
    for meeting in meetings:
        if meeting.status == CANCELLED:
            out.append(LeftOut(meeting.ref, CANCELLED_MEETING, meeting.starts_at))
        elif not _was_held(meeting, now):
            out.append(LeftOut(meeting.ref, AHEAD, meeting.starts_at))
    return out
