"""Queries shared by every domain: numbers, audit, resend receipts, preferences, bindings."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import hot
from storage.db import utcnow
from storage.hot import Statement
from storage.models import (
    AuditEntry,
    ChannelBinding,
    CommandReceipt,
    Counter,
    KeyValue,
    UserPreference,
)


def _counter() -> Table:
    return cast(Table, Counter.__table__)


_NEXT_NUMBER = Statement(
    lambda: (
        update(_counter())
        .where(_counter().c.kind == bindparam("kind"))
        .values(value=_counter().c.value + 1)
        .returning(_counter().c.value)
    )
)
# PostgreSQL takes decisions' and issues' numbers from sequences (migration 0011)
SEQUENCES = {"D": "record_numbers_d", "I": "record_numbers_i"}


def _nextval(name: str) -> Statement:
    return Statement(lambda: text(f"SELECT nextval('{name}')"), writes=True)


_NEXT_IN_SEQUENCE = {kind: _nextval(name) for kind, name in SEQUENCES.items()}


def next_number(session: Session, kind: str) -> int:
    """The next human number of ``kind`` ("D", "I", "M").

    On PostgreSQL a decision's or an issue's comes from its sequence, so that creators do
    not wait for each other's commits; a number is then lost only when the transaction that
    took it fails after every check was passed (the database fails or the process dies
    before the commit), and the next record takes the next. Elsewhere, and for meetings, the
    counter row is updated, its lock held to the commit (SQLite's writers are serial anyway;
    a meeting series takes a block of numbers at once)."""
    connection = session.connection()
    if kind in SEQUENCES and connection.dialect.name == "postgresql":
        return int(_NEXT_IN_SEQUENCE[kind].run(session).scalar_one())
    return int(_NEXT_NUMBER.run(session, {"kind": kind}).scalar_one())


def set_numbering(session: Session, kind: str, last: int) -> None:
    """Number the next record of ``kind`` ``last + 1`` (after records were loaded in bulk)."""
    session.execute(update(_counter()).where(_counter().c.kind == kind).values(value=last))
    if kind in SEQUENCES and session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT setval(CAST(:name AS regclass), :next, false)"),
            {"name": SEQUENCES[kind], "next": last + 1},
        )


_AUDIT = hot.insert_of(AuditEntry)


def audit(
    session: Session,
    *,
    actor: str,
    entity: str,
    entity_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Keep who changed what, when (a compiled Core insert: no ORM work on the hot path).

    ``at`` is the moment on the application's clock (the same clock the records carry).
    """
    _AUDIT.later(
        session,
        {
            "at": at or utcnow(),
            "actor": actor,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "changes": changes or {},
        },
    )


def audit_trail(session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    """Every audit entry of one record, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(stmt))


_LOCK_FINGERPRINT = Statement(lambda: text("SELECT pg_advisory_xact_lock(:k)"))


def lock_fingerprint(session: Session, user_id: str, fingerprint: str) -> None:
    """Serialise concurrent resends of one command (PostgreSQL; SQLite writers are serial)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"{user_id}:{fingerprint}".encode()).digest()[:8], "big", signed=True
        )
        _LOCK_FINGERPRINT.run(session, {"k": key})


_RECENT_RECEIPT = Statement(
    lambda: (
        select(CommandReceipt.result)
        .where(
            CommandReceipt.user_id == bindparam("user_id"),
            CommandReceipt.fingerprint == bindparam("fingerprint"),
            CommandReceipt.created_at >= bindparam("since", type_=CommandReceipt.created_at.type),
        )
        .order_by(CommandReceipt.id.desc())
        .limit(1)
    )
)


def recent_receipt(session: Session, user_id: str, fingerprint: str, since: datetime) -> str | None:
    """The record made by the same command from the same user since ``since``, if any."""
    found = _RECENT_RECEIPT.run(
        session, {"user_id": user_id, "fingerprint": fingerprint, "since": since}
    ).scalar()
    return str(found) if found is not None else None


_ADD_RECEIPT = hot.insert_of(CommandReceipt)


def add_receipt(
    session: Session, user_id: str, fingerprint: str, result: str, at: datetime
) -> None:
    _ADD_RECEIPT.later(
        session,
        {"user_id": user_id, "fingerprint": fingerprint, "result": result, "created_at": at},
    )


SETTINGS = "S"  # the counter row that stamps the run-time settings (migration 0010)
STAMP = "returbot.settings_stamp"  # session.info: the stamp read in this transaction
CHANGED = "returbot.settings_changed"  # session.info: this transaction changes the settings
hot.per_transaction(STAMP, CHANGED)


def _settings_row() -> Any:
    return select(_counter().c.value).where(_counter().c.kind == SETTINGS).scalar_subquery()


_LANGUAGE_AND_STAMP = Statement(
    lambda: select(
        select(UserPreference.language)
        .where(UserPreference.user_id == bindparam("user_id"))
        .scalar_subquery(),
        _settings_row(),
    )
)
_MOVE_SETTINGS = Statement(
    lambda: update(_counter()).where(_counter().c.kind == SETTINGS).values(value=bindparam("to"))
)


def user_language(session: Session, user_id: str) -> str | None:
    """The user's own language, if they chose one (read on every request), and in the same
    statement the settings' stamp, kept for the transaction (:func:`settings_stamp`)."""
    row: tuple[Any, ...] = tuple(_LANGUAGE_AND_STAMP.run(session, {"user_id": user_id}).one())
    language, stamp = row
    if CHANGED not in session.info:
        session.info[STAMP] = stamp
    return str(language) if language is not None else None


def settings_stamp(session: Session) -> int | None:
    """The settings' stamp as read at the start of this transaction (None where it was not,
    or where the transaction changed the settings itself): while it stands, no binding,
    language or department address has changed since a process read them under it."""
    found = session.info.get(STAMP)
    return int(found) if found is not None else None


def settings_changed(session: Session) -> None:
    """Move the stamp: this transaction changes a binding, a language or an address (the
    row lock orders such changes; each process reads the settings again after the commit).

    The stamp moves to a random value rather than the next: a database emptied or restored
    under running processes starts again from an old value, and what they kept under it
    must not come back."""
    _MOVE_SETTINGS.run(session, {"to": secrets.randbelow(2**31 - 2) + 1})
    session.info.pop(STAMP, None)
    session.info[CHANGED] = True


def set_user_language(session: Session, user_id: str, language: str) -> None:
    settings_changed(session)
    pref = session.get(UserPreference, user_id)
    if pref is None:
        session.add(UserPreference(user_id=user_id, language=language))
    else:
        pref.language = language
        pref.updated_at = utcnow()


def bindings(session: Session) -> dict[str, str]:
    """Every run-time binding: target ("dept:RMA", "series:network", "digest") -> channel."""
    return {b.target: b.channel_id for b in session.scalars(select(ChannelBinding))}


def bind_channel(session: Session, target: str, channel_id: str, user_id: str) -> str | None:
    """Bind ``target`` to a channel; returns the channel it was bound to before, if any."""
    settings_changed(session)
    row = session.get(ChannelBinding, target)
    if row is None:
        session.add(ChannelBinding(target=target, channel_id=channel_id, bound_by=user_id))
        return None
    before = row.channel_id
    row.channel_id, row.bound_by, row.bound_at = channel_id, user_id, utcnow()
    return before


def get_value(session: Session, key: str) -> str | None:
    row = session.get(KeyValue, key)
    return row.value if row else None


def keep_first_value(session: Session, key: str, value: str) -> str:
    """Store ``value`` under ``key`` unless some process already did; the value that stays."""
    found = get_value(session, key)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(KeyValue(key=key, value=value))
    except IntegrityError:
        pass  # another process stored it a moment ago: theirs stays
    return get_value(session, key) or value


def set_value(session: Session, key: str, value: str) -> None:
    row = session.get(KeyValue, key)
    if row is None:
        session.add(KeyValue(key=key, value=value))
    else:
        row.value = value
