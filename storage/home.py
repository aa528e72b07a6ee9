"""Home tab queries: each bounded by what one user has open or by a short list, never by history."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from storage.common import get_value, keep_first_value
from storage.models import Decision, Issue, IssueDepartment

OPENED = "home:"  # key prefix: the users who have opened the Home tab (value: first time)


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
