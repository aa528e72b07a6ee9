"""Home tab queries: each bounded by what one user has open or by a short list, never by history."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.common import get_value, keep_first_value
from storage.issues import PRIORITY_ORDER
from storage.models import Decision, Issue, IssueDepartment

OPENED = "home:"  # key prefix: the users who have opened the Home tab (value: first time)


def mine(session: Session, user: str, today: date, limit: int) -> tuple[list[Issue], int]:
    """The user's open issues (owned or reported), overdue first, then priority and due date."""
    condition = and_(Issue.status == "open", or_(Issue.owner == user, Issue.reporter == user))
    total = session.scalar(select(func.count(Issue.id)).where(condition)) or 0
    overdue = case((and_(Issue.due.is_not(None), Issue.due < today), 0), else_=1)
    priority = case(PRIORITY_ORDER, value=Issue.priority, else_=1)
    stmt = (
        select(Issue)
        .where(condition)
        .order_by(overdue, priority, Issue.due.is_(None), Issue.due, Issue.number.desc())
        .limit(limit)
        .options(selectinload(Issue.departments))
    )
    return list(session.scalars(stmt)), int(total)


def waiting_for(
    session: Session, departments: Collection[str], limit: int
) -> tuple[list[Issue], int]:
    """Open issues that one of ``departments`` has not acknowledged yet, oldest first."""
    if not departments:
        return [], 0
    # driven by the open issues (never by history: closed issues keep unacknowledged rows)
    pending = (
        select(IssueDepartment.issue_id)
        .where(
            IssueDepartment.issue_id == Issue.id,
            IssueDepartment.department.in_(departments),
            IssueDepartment.acked_by.is_(None),
        )
        .exists()
    )
    condition = and_(Issue.status == "open", pending)
    total = session.scalar(select(func.count(Issue.id)).where(condition)) or 0
    stmt = (
        select(Issue)
        .where(condition)
        .order_by(Issue.id)  # registration order, walking the status index to the first few
        .limit(limit)
        .options(selectinload(Issue.departments))
    )
    return list(session.scalars(stmt)), int(total)


def latest_decisions(session: Session, limit: int) -> list[Decision]:
    """The most recently logged decisions."""
    stmt = (
        select(Decision)
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(limit)
        .options(selectinload(Decision.departments), selectinload(Decision.superseded_by))
    )
    return list(session.scalars(stmt))


def record_opened(session: Session, user: str, when: str) -> None:
    """Remember that ``user`` has a Home tab, so that later changes refresh it."""
    keep_first_value(session, OPENED + user, when)


def has_opened(session: Session, user: str) -> bool:
    return get_value(session, OPENED + user) is not None
