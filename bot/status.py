"""What `/returbot status` reports: database, scheduler, last digest, queued and failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import common, migrate
from storage import outbox as outbox_store
from storage.models import DigestRun, OutboxMessage

HEARTBEAT = "scheduler:heartbeat"


@dataclass(frozen=True)
class Failure:
    target: str
    kind: str
    error: str
    at: datetime


@dataclass(frozen=True)
class Status:
    dialect: str
    schema: str | None
    schema_current: bool
    scheduler_seen: datetime | None
    last_digest: datetime | None
    pending: dict[str, int]
    next_due: datetime | None
    last_sent: datetime | None
    failures: list[Failure]


def beat(session: Session, now: datetime) -> None:
    """Record that the scheduler is alive (the follow-up job calls this every 10 seconds)."""
    common.set_value(session, HEARTBEAT, now.isoformat())


def read(session: Session) -> Status:
    """The bot's state as the coordinator needs to see it."""
    connection = session.connection()
    revision = migrate.current_on(connection)
    seen = common.get_value(session, HEARTBEAT)
    pending_rows = session.execute(
        select(OutboxMessage.kind, func.count())
        .where(OutboxMessage.status == outbox_store.PENDING)
        .group_by(OutboxMessage.kind)
    ).all()
    next_due = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == outbox_store.PENDING
        )
    )
    failures = [
        Failure(
            target=str(row.channel or row.user or row.address),
            kind=row.kind,
            error=row.last_error or "",
            at=row.sent_at or row.created_at,
        )
        for row in outbox_store.failed(session, limit=10)
    ]
    return Status(
        dialect=connection.dialect.name,
        schema=revision,
        schema_current=revision == migrate.head(),
        scheduler_seen=datetime.fromisoformat(seen) if seen else None,
        last_digest=session.scalar(select(func.max(DigestRun.created_at))),
        pending={str(kind): int(count) for kind, count in pending_rows},
        next_due=next_due,
        last_sent=outbox_store.last_sent_at(session),
        failures=failures,
    )
