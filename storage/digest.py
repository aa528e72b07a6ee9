"""Digest queries: each bounded by the week's window or by what is open now, never by history.

Every list comes with its full count and holds at most ``limit`` rows, so the digest costs the
same with ten thousand decisions as with a hundred.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    AgendaItem,
    Decision,
    DecisionDepartment,
    DigestRun,
    Issue,
    IssueDepartment,
    Meeting,
)


def decisions_logged(
    session: Session, start: datetime, end: datetime, limit: int
) -> tuple[list[Decision], int]:
    window = and_(Decision.created_at >= start, Decision.created_at < end)
    total = session.scalar(select(func.count(Decision.id)).where(window)) or 0
    stmt = (
        select(Decision)
        .where(window)
        .order_by(Decision.number)
        .limit(limit)
        .options(selectinload(Decision.departments))
    )
    return list(session.scalars(stmt)), int(total)


def decisions_per_department(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    stmt = (
        select(DecisionDepartment.department, func.count())
        .join(Decision, Decision.id == DecisionDepartment.decision_id)
        .where(Decision.created_at >= start, Decision.created_at < end)
        .group_by(DecisionDepartment.department)
    )
    return {str(code): int(n) for code, n in session.execute(stmt).all()}


def _issues(
    session: Session, condition: ColumnElement[bool], order: Sequence[Any], limit: int
) -> tuple[list[Issue], int]:
    total = session.scalar(select(func.count(Issue.id)).where(condition)) or 0
    stmt = (
        select(Issue)
        .where(condition)
        .order_by(*order)
        .limit(limit)
        .options(selectinload(Issue.departments))
    )
    return list(session.scalars(stmt)), int(total)


def issues_opened(
    session: Session, start: datetime, end: datetime, limit: int
) -> tuple[list[Issue], int]:
    window = and_(Issue.created_at >= start, Issue.created_at < end)
    return _issues(session, window, (Issue.number,), limit)


def issues_closed(
    session: Session, start: datetime, end: datetime, limit: int
) -> tuple[list[Issue], int]:
    window = and_(Issue.closed_at >= start, Issue.closed_at < end)
    return _issues(session, window, (Issue.number,), limit)


def issues_overdue(session: Session, today: date, limit: int) -> tuple[list[Issue], int]:
    overdue = and_(Issue.status == "open", Issue.due.is_not(None), Issue.due < today)
    return _issues(session, overdue, (Issue.due, Issue.number), limit)


def waiting_for_ack(session: Session, limit: int) -> tuple[list[Issue], int]:
    """Open issues that some affected department has not acknowledged, oldest first."""
    # driven by the open issues; closed ones never count, however many there are
    unacked = (
        select(IssueDepartment.issue_id)
        .where(IssueDepartment.issue_id == Issue.id, IssueDepartment.acked_by.is_(None))
        .exists()
    )
    waiting = and_(Issue.status == "open", unacked)
    return _issues(session, waiting, (Issue.number,), limit)


def open_per_department(session: Session, today: date) -> dict[str, tuple[int, int]]:
    """Department -> (open issues, of which overdue)."""
    overdue = case((and_(Issue.due.is_not(None), Issue.due < today), 1), else_=0)
    stmt = (
        select(IssueDepartment.department, func.count(), func.sum(overdue))
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(Issue.status == "open")
        .group_by(IssueDepartment.department)
    )
    return {str(c): (int(n), int(o or 0)) for c, n, o in session.execute(stmt).all()}


def meetings_ahead(
    session: Session, start: datetime, end: datetime, limit: int
) -> tuple[list[tuple[Meeting, int]], int]:
    window = and_(
        Meeting.status == "scheduled", Meeting.starts_at >= start, Meeting.starts_at < end
    )
    total = session.scalar(select(func.count(Meeting.id)).where(window)) or 0
    agenda = (
        select(func.count(AgendaItem.id))
        .where(AgendaItem.meeting_id == Meeting.id)
        .correlate(Meeting)
        .scalar_subquery()
    )
    stmt = select(Meeting, agenda).where(window).order_by(Meeting.starts_at).limit(limit)
    return [(m, int(n)) for m, n in session.execute(stmt).all()], int(total)


def posted_for_week(session: Session, week: str) -> DigestRun | None:
    return session.scalar(select(DigestRun).where(DigestRun.week == week))


def last_run(session: Session) -> DigestRun | None:
    return session.scalar(select(DigestRun).order_by(DigestRun.id.desc()).limit(1))
