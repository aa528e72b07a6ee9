"""Outbox queries. They take a session and never commit: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Interval, Select, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from storage import hot
from storage.hot import Statement
from storage.models import OutboxMessage

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
_TABLE = cast(Table, OutboxMessage.__table__)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def add(session: Session, row: OutboxMessage, *, at_commit: bool = False) -> None:
    """Queue one message; it is sent once the caller's transaction commits and it is due (a
    compiled insert, not the ORM's: ``storage.hot``). ``at_commit``: written with the
    transaction's other put-off writes, for a row nobody looks up before the commit (its id
    stays unknown); else at once, and the row joins the session."""
    if at_commit:
        hot.add_later(session, row)
    else:
        hot.add(session, row)


def _withdrawal(one_key: bool) -> Callable[[], Executable]:
    def build() -> Executable:
        table = _TABLE
        kinds = or_(table.c.kind == bindparam("kind"), table.c.kind == bindparam("other_kind"))
        stmt = update(table).where(
            table.c.status == PENDING,
            table.c.ref_kind == bindparam("ref_kind"),
            table.c.ref_id == bindparam("ref_id"),
            kinds,
        )
        if one_key:
            stmt = stmt.where(
                or_(
                    table.c.dedupe_key == bindparam("key"),
                    table.c.dedupe_key.startswith(bindparam("key_prefix")),
                )
            )
        return stmt.values(status=CANCELLED, dedupe_key=None, claimed_by=None, claimed_until=None)

    return build


_WITHDRAW_ALL = Statement(_withdrawal(one_key=False))
_WITHDRAW_ONE = Statement(_withdrawal(one_key=True))


def withdraw(
    session: Session, *, ref_kind: str, ref_id: int, kinds: tuple[str, str],
    key: str | None = None, key_prefix: str | None = None,
) -> int:  # fmt: skip
    """Cancel the pending rows of two ``kinds`` about one record (those whose dedupe key is
    ``key`` or begins with ``key_prefix``, if given), their keys freed; how many."""
    params = {"ref_kind": ref_kind, "ref_id": ref_id, "kind": kinds[0], "other_kind": kinds[1]}
    if key is None and key_prefix is None:
        return int(_WITHDRAW_ALL.run(session, params).rowcount)
    params |= {"key": key, "key_prefix": key_prefix}
    return int(_WITHDRAW_ONE.run(session, params).rowcount)


def _due(select_: Select[Any]) -> Select[Any]:
    """``select_`` narrowed to the rows due at ``:now`` (pending, their attempt's time come,
    unclaimed or their lease run out), oldest due first, at most ``:limit``: what a claim
    takes, on either database."""
    c = _TABLE.c
    now = bindparam("now", type_=c.next_attempt_at.type)
    return (
        select_.where(
            c.status == PENDING,
            c.next_attempt_at <= now,
            or_(c.claimed_until.is_(None), c.claimed_until < now),
        )
        .order_by(c.due_at, c.id)
        .limit(bindparam("limit"))
    )


def _claim_statement() -> Executable:
    c = _TABLE.c
    due = (
        _due(select(c.id))
        .with_for_update(skip_locked=True)
        # taken once, before the update: a subquery in its WHERE may be run again for
        # each row it looks at, and lock (and claim) more rows than the limit
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    # a lease that ran out: the worker that held it may have sent the message before it
    # stopped (or stalled), so the sender looks for it since that claim began
    expired = and_(c.claimed_until.is_not(None), c.unsure_since.is_(None))
    began = c.claimed_until - bindparam("lease", type_=Interval)
    return (
        update(_TABLE)
        .where(c.id.in_(select(due.c.id)))
        .values(
            claimed_by=bindparam("worker"),
            claimed_until=bindparam("until", type_=c.claimed_until.type),
            unsure_since=case((expired, began), else_=c.unsure_since),
        )
        .returning(*hot.columns_of(OutboxMessage))
    )


_CLAIM = Statement(_claim_statement)
_DUE_ROWS = _due(select(OutboxMessage))  # SQLite's claim: read, then leased by the ORM


def claim_due(
    session: Session, now: datetime, worker: str, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due, unclaimed (or expired) pending rows for ``worker``, oldest
    due first. PostgreSQL: one statement, and rows another process is claiming right now are
    skipped, not waited for. SQLite: every transaction starts with BEGIN IMMEDIATE, so claims
    are already serial."""
    if _is_postgres(session):
        params = {"now": now, "limit": limit, "worker": worker, "until": now + lease}
        found = _CLAIM.run(session, params | {"lease": lease}).rows
        rows = hot.load(session, OutboxMessage, found)
        return sorted(rows, key=lambda row: (row.due_at, row.id))
    rows = list(session.scalars(_DUE_ROWS, {"now": now, "limit": limit}))
    for row in rows:
        if row.claimed_until is not None and row.unsure_since is None:
            row.unsure_since = row.claimed_until - lease  # as the statement above does
        row.claimed_by = worker
        row.claimed_until = now + lease
    session.flush()
    return rows


_MARK_SENT = Statement(
    lambda: (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("id"), _TABLE.c.status != SENT)
        .values(
            status=SENT,
            sent_at=bindparam("now", type_=_TABLE.c.sent_at.type),
            result_ts=bindparam("ts"),
            result_channel=bindparam("channel"),
            claimed_by=None,
            claimed_until=None,
        )
        .returning(*hot.columns_of(OutboxMessage))
    )
)


def mark_sent(
    session: Session, row_id: int, *, now: datetime, ts: str | None, channel: str | None
) -> OutboxMessage | None:
    """Record row ``row_id`` sent at ``now`` as ``ts`` in ``channel`` (one statement; a row
    cancelled while it was on its way still went out, and is so recorded); None if the row is
    gone or was marked sent already (:func:`locked` then tells which)."""
    found = _MARK_SENT.run(session, {"id": row_id, "now": now, "ts": ts, "channel": channel})
    rows = hot.load(session, OutboxMessage, found.rows)
    return rows[0] if rows else None


def locked(session: Session, row_id: int) -> OutboxMessage | None:
    """One row, locked for the rest of the transaction on PostgreSQL."""
    return session.get(OutboxMessage, row_id, with_for_update=_is_postgres(session))


def release(session: Session, ids: Collection[int], worker: str) -> int:
    """Give back claims of ``worker`` that it will not use, so the rows go out on the next run."""
    if not ids:
        return 0
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == PENDING,
        )
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def cancel_for(
    session: Session, ref_kind: str, ref_id: int, kinds: Collection[str] | None = None
) -> int:
    """Cancel the pending messages of one record (optionally only some kinds); how many."""
    conditions = [
        OutboxMessage.status == PENDING,
        OutboxMessage.ref_kind == ref_kind,
        OutboxMessage.ref_id == ref_id,
    ]
    if kinds is not None:
        conditions.append(OutboxMessage.kind.in_(list(kinds)))
    stmt = (
        update(OutboxMessage)
        .where(*conditions)
        .values(status=CANCELLED, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def pending_count(session: Session) -> int:
    """How many messages wait to be sent (due or not)."""
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)
    return int(session.scalar(stmt) or 0)


def failed(session: Session, limit: int = 20) -> list[OutboxMessage]:
    """Messages Slack refused for good (or that ran out of attempts), newest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def last_sent_at(session: Session) -> datetime | None:
    """When the last message went out, if any has."""
    return session.scalar(select(func.max(OutboxMessage.sent_at)))


def exists_key(session: Session, dedupe_key: str) -> bool:
    """Whether a message with this dedupe key was ever queued."""
    stmt = select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key).limit(1)
    return session.scalar(stmt) is not None


def by_ref(session: Session, ref_kind: str, ref_id: int) -> list[OutboxMessage]:
    """Every message of one record, in the order they are due."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.ref_kind == ref_kind, OutboxMessage.ref_id == ref_id)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    )
    return list(session.scalars(stmt))
