"""Engine, sessions and the declarative base."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


PING_AFTER_IDLE = 2.0  # seconds
READ_ONLY = "returbot.read_only"  # session.info and connection option: a session that only reads


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    if not conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3, pre-ping)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock up front instead
        # so that concurrent writers queue on busy_timeout rather than fail to upgrade a lock.
        # A session that only reads begins nothing: each of its statements reads what is
        # committed when it starts (WAL), without waiting for a writer.
        event.listen(engine, "begin", _begin_immediate)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            dbapi_connection.isolation_level = None

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # a database out of reach is told to the user within Slack's 3 seconds, not after them
    kwargs.setdefault("connect_args", {"connect_timeout": 2})
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use if it has lain idle for ``PING_AFTER_IDLE`` s.

    A database restarted while the pool sat idle is noticed before a user's request uses a
    dead connection; under load, when connections come back to work within milliseconds, no
    round trip is spent on a ping (``pool_pre_ping`` pings on every checkout, which cost 5% of
    the throughput). A connection that dies mid-use makes SQLAlchemy renew the whole pool.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(
        dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as error:
            # the pool throws this connection away and checks out (or opens) another
            raise exc.DisconnectionError("the pooled connection no longer answers") from error


class Database:
    """An engine and its session factory; ``with db.session() as s:`` commits or rolls back."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        from storage import hot  # the hot path's module builds on this one

        hot.deferring(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on an exception."""
        session = self.factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads, with no transaction around it: each statement sees what
        is committed when it starts, as each does in a READ COMMITTED transaction, but no
        ``BEGIN`` and no ``COMMIT`` is sent (two round trips of a read's four or five on
        PostgreSQL), and on SQLite a reader does not queue for the write lock. A write in it
        raises ``ReadOnly`` before anything is written."""
        options: dict[str, Any] = {READ_ONLY: True}
        if self.dialect == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        with self.session() as session:  # its commit has nothing to commit: it ends it
            session.info[READ_ONLY] = True
            session.connection(execution_options=options)
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


class ReadOnly(RuntimeError):
    """Something tried to write in a session that only reads (:meth:`Database.reading`)."""


@event.listens_for(Session, "before_flush")
def _no_writes(session: Session, _context: object, _instances: object) -> None:
    if not session.info.get(READ_ONLY):
        return
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise ReadOnly("a session that only reads was asked to write")


@event.listens_for(Session, "do_orm_execute")
def _no_statements_that_write(state: ORMExecuteState) -> None:
    if state.session.info.get(READ_ONLY) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise ReadOnly("a session that only reads was asked to write")
