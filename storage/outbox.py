"""Outbox queries. They take a session and never commit: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from storage import hot
from storage.hot import Statement
from storage.models import OutboxMessage

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"


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
        table = cast(Table, OutboxMessage.__table__)
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


def claim_due(
    session: Session, now: datetime, worker: str, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due, unclaimed (or expired) pending rows for ``worker``."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    # PostgreSQL: rows another process is claiming right now are skipped, not waited for.
    # SQLite: every transaction starts with BEGIN IMMEDIATE, so claims are already serial.
    if _is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for row in rows:
        if row.claimed_until is not None and row.unsure_since is None:
            # the lease of a worker that died (or stalled) ran out: it may have sent the
            # message before it stopped, so the sender looks for it before sending again
            row.unsure_since = row.claimed_until - lease
        row.claimed_by = worker
        row.claimed_until = now + lease
    session.flush()
    return rows


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
