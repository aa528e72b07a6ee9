"""Decision queries. They take a session and never commit: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Decision, DecisionDepartment, DecisionTag


def by_number(session: Session, number: int) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.number == number))


def by_numbers(session: Session, numbers: Sequence[int]) -> dict[int, Decision]:
    if not numbers:
        return {}
    rows = session.scalars(select(Decision).where(Decision.number.in_(numbers)))
    return {d.number: d for d in rows}


def by_ids(session: Session, ids: Sequence[int]) -> list[Decision]:
    """Decisions with these primary keys, in the order given."""
    if not ids:
        return []
    found = {d.id: d for d in session.scalars(select(Decision).where(Decision.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def latest(
    session: Session,
    *,
    department: str | None = None,
    since: date | None = None,
    tag: str | None = None,
    limit: int = 10,
) -> tuple[list[Decision], int]:
    """The newest decisions matching the filters (decided_on, then logged), and how many match."""
    stmt = select(Decision)
    if department:
        stmt = stmt.where(
            Decision.id.in_(
                select(DecisionDepartment.decision_id).where(
                    DecisionDepartment.department == department
                )
            )
        )
    if tag:
        stmt = stmt.where(
            Decision.id.in_(select(DecisionTag.decision_id).where(DecisionTag.tag == tag))
        )
    if since:
        stmt = stmt.where(Decision.decided_on >= since)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Decision.decided_on.desc(), Decision.id.desc()).limit(limit)
    )
    return list(rows), total


def chain(decision: Decision) -> tuple[list[Decision], list[Decision]]:
    """The decisions this one superseded (nearest first) and those that superseded it."""
    older: list[Decision] = []
    seen = {decision.id}
    node = decision.supersedes
    while node is not None and node.id not in seen:
        older.append(node)
        seen.add(node.id)
        node = node.supersedes
    newer: list[Decision] = []
    node = decision.superseded_by
    while node is not None and node.id not in seen:
        newer.append(node)
        seen.add(node.id)
        node = node.superseded_by
    return older, newer


def logged_between(session: Session, start: date, end: date) -> list[Decision]:
    """Decisions decided in [start, end), oldest first."""
    stmt = (
        select(Decision)
        .where(Decision.decided_on >= start, Decision.decided_on < end)
        .order_by(Decision.decided_on, Decision.id)
    )
    return list(session.scalars(stmt))


def all_in_order(session: Session) -> list[Decision]:
    return list(session.scalars(select(Decision).order_by(Decision.number)))
