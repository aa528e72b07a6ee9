"""Issue queries. They take a session and never commit: the caller owns the transaction."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from storage import hot
from storage.hot import Statement
from storage.models import PRIORITY_ORDER, URGENCY, Decision, Issue, IssueDepartment

_BY_NUMBER = (
    select(Issue).where(Issue.number == bindparam("number")).options(joinedload(Issue.departments))
)
_BY_NUMBER_WITH_NOTES = _BY_NUMBER.options(selectinload(Issue.notes))


def by_number(session: Session, number: int, *, notes: bool = True) -> Issue | None:
    """I-``number`` with its departments (in the same statement), and its notes unless
    ``notes=False`` (a change that does not show them: one statement less)."""
    statement = _BY_NUMBER_WITH_NOTES if notes else _BY_NUMBER
    return session.scalars(statement, {"number": number}).unique().one_or_none()


_ISSUES = cast(Table, Issue.__table__)
_ISSUE_WIDTH = len(hot.columns_of(Issue))
_DEPARTMENTS = cast(Table, IssueDepartment.__table__)


def _department_row(*more: ColumnElement[bool]) -> Update:
    """An update of one affected department's row (``:issue_id``, ``:department``)."""
    c = _DEPARTMENTS.c
    return update(_DEPARTMENTS).where(
        c.issue_id == bindparam("issue_id"), c.department == bindparam("department"), *more
    )


_ACKNOWLEDGE = Statement(
    lambda: _department_row(_DEPARTMENTS.c.acked_by.is_(None)).values(
        acked_by=bindparam("by"), acked_at=bindparam("at")
    )
)


def acknowledge(session: Session, row: IssueDepartment, by: str, at: datetime) -> bool:
    """Mark one affected department's row acknowledged by ``by`` at ``at``, unless someone
    did a moment ago (False: ``row`` then shows who, read again)."""
    done = _ACKNOWLEDGE.run(
        session, {"issue_id": row.issue_id, "department": row.department, "by": by, "at": at}
    ).rowcount
    if done:
        set_committed_value(row, "acked_by", by)
        set_committed_value(row, "acked_at", at)
        return True
    session.refresh(row)
    return False


def _filters(department: bool, user: bool) -> list[ColumnElement[bool]]:
    """The list's filters but the status, their values bound."""
    matching: list[ColumnElement[bool]] = []
    if department:
        matching.append(
            Issue.id.in_(
                select(IssueDepartment.issue_id).where(
                    IssueDepartment.department == bindparam("department")
                )
            )
        )
    if user:
        matching.append(or_(Issue.owner == bindparam("user"), Issue.reporter == bindparam("user")))
    return matching


# the urgency and the open issues as the indexes of migration 0012 are written: a value bound
# in their place would hide from the database that the indexes serve the statement
_URGENCY = literal_column(f"({URGENCY})", Integer)
_OPEN: ColumnElement[bool] = text("issues.status = 'open'")  # type: ignore[assignment]


def _listing(status: str, department: bool, user: bool) -> Select[Issue, int]:
    """The list's statement for one shape of filters (``status``: "open", "one" bound, or
    "all"), its values bound: the page of issues, most urgent first, each row with the count
    of all that match (a subquery the database runs once: a window over every matching row
    would carry each whole row through it, which cost PostgreSQL a third more)."""
    if status == "open":
        return _open_listing(department, user)
    matching = _filters(department, user)
    if status == "one":
        matching.append(Issue.status == bindparam("status"))
    total = select(func.count()).select_from(_ISSUES).where(*matching).correlate(None)
    stmt = (
        select(Issue, total.scalar_subquery().label("total"))
        .where(*matching)
        .options(joinedload(Issue.departments))
    )
    today = bindparam("today", type_=Issue.due.type)
    overdue = case((and_(Issue.due.is_not(None), Issue.due < today), 0), else_=1)
    return stmt.order_by(
        case((Issue.status == "open", 0), else_=1),
        overdue,
        case(PRIORITY_ORDER, value=Issue.priority, else_=1),  # URGENCY, as the ORM can wrap it
        Issue.due.is_(None),
        Issue.due,
        Issue.number.desc(),
    ).limit(bindparam("limit"))


def _open_listing(department: bool, user: bool) -> Select[Issue, int]:
    """The open issues' list in the order of the others, without sorting them all: the overdue
    (a range of ``ix_issues_open_due``, in urgency) and the rest (``ix_issues_open_urgency``
    read in its order), each only as far as one page, then the two put together."""
    matching = [_OPEN, *_filters(department, user)]
    today = bindparam("today", type_=Issue.due.type)
    limit: Any = bindparam("limit")

    def part(late: int, when: ColumnElement[bool], due: Any) -> Select[Any]:
        rows = (
            select(
                *_ISSUES.columns,
                _URGENCY.label("urgency"),
                literal_column(str(late), Integer).label("late"),
            )
            .where(*matching, when)
            .order_by(_URGENCY, due, Issue.number.desc())
            .limit(limit)
            .subquery()
        )
        return select(rows)  # SQLite takes an ORDER BY and LIMIT in a UNION's part only so

    page = union_all(
        part(0, Issue.due < today, Issue.due),
        part(1, or_(Issue.due >= today, Issue.due.is_(None)), Issue.due.asc().nulls_last()),
    ).subquery("page")
    issue = aliased(Issue, page)
    total = select(func.count()).select_from(_ISSUES).where(*matching).correlate(None)
    return (
        select(issue, total.scalar_subquery().label("total"))
        .options(joinedload(issue.departments))
        .order_by(page.c.late, page.c.urgency, page.c.due.asc().nulls_last(), page.c.number.desc())
        .limit(limit)
    )


# built once for each of the twelve shapes (SQLAlchemy then finds each compiled in its cache)
_LISTINGS = {
    shape: _listing(*shape)
    for shape in itertools.product(("open", "one", "all"), (False, True), (False, True))
}


def listing(
    session: Session,
    *,
    today: date,
    department: str | None = None,
    status: str = "open",
    user: str | None = None,
    limit: int = 20,
) -> tuple[list[Issue], int]:
    """Issues matching the filters, most urgent first (overdue, priority, due), and the count,
    in one statement, their departments joined."""
    kind = status if status == "all" else "one"
    if status == "open" and session.get_bind().dialect.name == "postgresql":
        # SQLite sorts all the open issues faster than it reads the two ranges: 13 against
        # 20 ms a list in bench/issue_list.py (it cannot read an index in NULLS LAST order)
        kind = "open"
    stmt = _LISTINGS[(kind, department is not None, user is not None)]
    given = {"status": status, "department": department, "user": user}
    params: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    rows = session.execute(stmt, params | {"today": today, "limit": limit}).unique().all()
    return [row[0] for row in rows], (int(rows[0][1]) if rows else 0)


def decisions_for(session: Session, issue: Issue) -> list[Decision]:
    """Decisions linked to the issue: the one that resolved it, and those logged on it."""
    stmt = select(Decision).where(
        or_(Decision.issue_id == issue.id, Decision.id == issue.decision_id)
    )
    return list(session.scalars(stmt.order_by(Decision.number)))


_BY_ID = Statement(
    lambda: (
        select(*hot.columns_of(Issue), *hot.columns_of(IssueDepartment))
        .select_from(_ISSUES.outerjoin(_DEPARTMENTS, _DEPARTMENTS.c.issue_id == _ISSUES.c.id))
        .where(_ISSUES.c.id == bindparam("id"))
        .order_by(_DEPARTMENTS.c.department)
    )
)


def by_id(session: Session, issue_id: int) -> Issue | None:
    """The issue of id ``issue_id`` with its departments, in one statement (compiled once, its
    rows made objects as :func:`storage.hot.load` does: the outbox composes every notice and
    reminder from it)."""
    rows = _BY_ID.run(session, {"id": issue_id}).rows
    if not rows:
        return None
    at = _ISSUE_WIDTH  # then an affected department's columns, NULLs where there is none
    (issue,) = hot.load(session, Issue, [rows[0][:at]])
    affected = [row[at:] for row in rows if row[at] is not None]
    set_committed_value(issue, "departments", hot.load(session, IssueDepartment, affected))
    return issue


_NOTICE_AT = Statement(
    lambda: _department_row().values(notice_channel=bindparam("channel"), notice_ts=bindparam("ts"))
)


def remember_notice(
    session: Session, issue_id: int, department: str, channel: str | None, ts: str | None
) -> None:
    """Keep where the notice of one affected department was posted (one statement; the row in
    the session, if it is there, shows it too)."""
    _NOTICE_AT.run(
        session, {"issue_id": issue_id, "department": department, "channel": channel, "ts": ts}
    )
    key = session.identity_key(IssueDepartment, (issue_id, department))
    present = session.identity_map.get(key)
    if present is not None:
        set_committed_value(present, "notice_channel", channel)
        set_committed_value(present, "notice_ts", ts)
