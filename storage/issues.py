"""Issue queries. They take a session and never commit: the caller owns the transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Decision, Issue, IssueDepartment

PRIORITY_ORDER = {"high": 0, "normal": 1, "low": 2}


def by_number(session: Session, number: int, *, notes: bool = True) -> Issue | None:
    """I-``number`` with its departments, and its notes unless ``notes=False`` (a change that
    does not show them: one statement less)."""
    statement = select(Issue).where(Issue.number == number)
    if notes:
        statement = statement.options(selectinload(Issue.notes))
    return session.scalar(statement)


def listing(
    session: Session,
    *,
    today: date,
    department: str | None = None,
    status: str = "open",
    user: str | None = None,
    limit: int = 20,
) -> tuple[list[Issue], int]:
    """Issues matching the filters, most urgent first (overdue, priority, due), and the count."""
    stmt = select(Issue)
    if status != "all":
        stmt = stmt.where(Issue.status == status)
    if department:
        stmt = stmt.where(
            Issue.id.in_(
                select(IssueDepartment.issue_id).where(IssueDepartment.department == department)
            )
        )
    if user:
        stmt = stmt.where(or_(Issue.owner == user, Issue.reporter == user))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    overdue = case((and_(Issue.due.is_not(None), Issue.due < today), 0), else_=1)
    priority = case(PRIORITY_ORDER, value=Issue.priority, else_=1)
    stmt = stmt.order_by(
        case((Issue.status == "open", 0), else_=1),
        overdue,
        priority,
        Issue.due.is_(None),
        Issue.due,
        Issue.number.desc(),
    ).limit(limit)
    return list(session.scalars(stmt)), total


def decisions_for(session: Session, issue: Issue) -> list[Decision]:
    """Decisions linked to the issue: the one that resolved it, and those logged on it."""
    stmt = select(Decision).where(
        or_(Decision.issue_id == issue.id, Decision.id == issue.decision_id)
    )
    return list(session.scalars(stmt.order_by(Decision.number)))


def department_row(session: Session, issue_id: int, department: str) -> IssueDepartment | None:
    return session.get(IssueDepartment, (issue_id, department))
