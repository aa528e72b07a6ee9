"""Sessions that only read (``Database.reading``) on a real SQLite file and a real PostgreSQL:
no transaction around them, no write let through, and the pooled connection as it was after."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from storage import common
from storage.db import Database, ReadOnly
from storage.models import AuditEntry, UserPreference
from tests.support.database import statements

MOMENT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def preference(db: Database, user: str, language: str) -> None:
    with db.session() as session:
        session.add(UserPreference(user_id=user, language=language))


def audit_entries(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_reading_session_reads_what_is_committed_with_no_transaction(db: Database) -> None:
    preference(db, "UKARI", "en")
    with statements(db) as seen, db.reading() as session:
        assert common.user_language(session, "UKARI") == "en"
        raw = session.connection().connection.driver_connection
        if db.dialect == "postgresql":
            assert raw.autocommit  # type: ignore[union-attr]  # no BEGIN, no COMMIT sent
        else:
            assert not raw.in_transaction  # type: ignore[union-attr]
    assert not [s for s in seen if s.startswith("BEGIN")]


def test_a_reading_session_lets_no_write_through(db: Database) -> None:
    entry = AuditEntry(
        entity="decision", entity_id=1, action="logged", actor="UKARI", at=MOMENT, changes={}
    )
    with db.reading() as session:
        session.add(entry)
        with pytest.raises(ReadOnly):
            session.flush()
        session.expunge(entry)
    with db.reading() as session, pytest.raises(ReadOnly):
        common.audit(
            session, actor="UKARI", entity="decision", entity_id=1, action="logged", at=MOMENT
        )
    with db.reading() as session, pytest.raises(ReadOnly):
        session.execute(update(UserPreference).values(language="en"))
    assert audit_entries(db) == 0


def _write_then_fail(db: Database) -> None:
    with db.session() as session:
        session.add(UserPreference(user_id="UOLA", language="nb"))
        session.flush()
        raise RuntimeError("the command failed after its write")


def test_the_connection_is_transactional_again_after_a_reading_session(db: Database) -> None:
    for _ in range(3):  # the pool hands the same connection back
        with db.reading() as session:
            common.user_language(session, "UKARI")
    with pytest.raises(RuntimeError):
        _write_then_fail(db)
    with db.reading() as session:
        assert common.user_language(session, "UOLA") is None  # rolled back, as it should be


def test_a_reader_does_not_wait_for_a_writer_on_sqlite(sqlite_db: Database) -> None:
    """SQLite's writers take the write lock at their first statement (``BEGIN IMMEDIATE``);
    a reader takes none, so a command that reads answers while a long write is under way."""
    preference(sqlite_db, "UKARI", "en")
    holding, done = threading.Event(), threading.Event()

    def write() -> None:
        with sqlite_db.session() as session:
            session.add(UserPreference(user_id="UOLA", language="nb"))
            session.flush()
            holding.set()
            done.wait(10)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with sqlite_db.reading() as session:
            assert common.user_language(session, "UKARI") == "en"
            assert common.user_language(session, "UOLA") is None  # not committed yet
        assert time.monotonic() - started < 2  # the lock's wait would be 10 s
    finally:
        done.set()
        writer.join()
    with sqlite_db.reading() as session:
        assert common.user_language(session, "UOLA") == "nb"
