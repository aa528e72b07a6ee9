"""The hot path's statements (issue 19): what a command runs before it can ack, at the least
cost that keeps SQLAlchemy's typing, transactions and errors.

- :class:`Statement` is a Core statement compiled once per dialect, to SQL with named
  parameters, and run on the DBAPI cursor of the session's connection after its parameters
  went through the columns' own bind processors (``UTCDateTime``, ``JSON``, ``Date`` as the ORM
  writes them). Building and looking up a Core statement costs about 75 µs a call on this
  machine, running one already compiled through SQLAlchemy about 14 µs, on the cursor about
  1.3 µs (SQLite); a command runs a dozen.
- :func:`add` writes a new record with its children as one ``INSERT … RETURNING`` and one
  ``executemany`` per child table, and then puts the objects in the session as if they had
  been loaded, so that later changes to them in the same transaction are the ORM's as always.
  The unit of work spent about 1 ms of CPU on a decision with two departments and a tag.
- :func:`added` is what a commit hook reads to learn which records a session made this way
  (a flush never sees them: ``handlers.home`` refreshes Home tabs from it).

Errors are SQLAlchemy's (``IntegrityError``, ``OperationalError``, a dropped connection
invalidated), raised as its own execution raises them, in the engine connection's transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar, cast
from weakref import WeakSet

from sqlalchemy import Column, Table, bindparam, event, insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound, SQLAlchemyError
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import ClauseElement, Executable

from storage.db import READ_ONLY, Base, ReadOnly

ADDED = "hot_added"  # session.info: the records :func:`add` made in this transaction
WROTE = "hot_wrote"  # session.info: a statement of this module wrote in this transaction

T = TypeVar("T", bound=Base)
WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "WITH"})  # a statement that begins so writes


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]  # the values bound in the statement itself (``value + 1``)
    processors: dict[str, Callable[[Any], Any]]
    writes: bool

    def bind(self, given: Mapping[str, Any]) -> dict[str, Any]:
        params = {**self.defaults, **given} if self.defaults else dict(given)
        for name, process in self.processors.items():
            if name in params:
                params[name] = process(params[name])
        return params


def _named(dialect: Dialect) -> Dialect:
    """The dialect to compile for: SQLite's with named parameters (``:name``, which sqlite3
    takes with a dict); PostgreSQL's own is already named (``%(name)s``)."""
    if dialect.name == "sqlite":
        return SQLiteDialect_pysqlite(paramstyle="named")
    return dialect


class Statement:
    """A Core statement, built on first use and compiled once per dialect."""

    def __init__(self, build: Callable[[], Executable], *, writes: bool | None = None) -> None:
        """``writes``: whether it changes rows (an INSERT, UPDATE or DELETE does; a text
        statement is read for its first word)."""
        self._build = build
        self._statement: Executable | None = None
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()
        self._writes = writes

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is not None:
            return found
        with self._lock:
            if self._statement is None:
                self._statement = self._build()
            named = _named(dialect)
            compiled = cast(ClauseElement, self._statement).compile(dialect=named)
            if "POSTCOMPILE" in str(compiled):
                raise TypeError("a hot statement cannot expand a list (IN): name each value")
            processors: dict[str, Callable[[Any], Any]] = {}
            defaults: dict[str, Any] = {}
            for parameter, name in compiled.bind_names.items():  # type: ignore[attr-defined]
                process = parameter.type.dialect_impl(named).bind_processor(named)
                if process is not None:
                    processors[name] = process
                if not parameter.required and parameter.callable is None:
                    defaults[name] = parameter.value
            sql = str(compiled)
            if self._writes is None:
                self._writes = sql.lstrip().split(None, 1)[0].upper() in WRITES
            found = _Compiled(sql, defaults, processors, self._writes)
            self._compiled[dialect.name] = found
            return found

    def run(self, session: Session, params: Mapping[str, Any] | None = None) -> Result:
        """Run once with ``params`` on the session's connection (in its transaction)."""
        return self.run_on(self._connection(session), params)

    def run_on(self, connection: Connection, params: Mapping[str, Any] | None = None) -> Result:
        compiled = self.compiled(connection.dialect)
        return _execute(connection, compiled.sql, compiled.bind(params or {}))

    def later(self, session: Session, params: Mapping[str, Any] | None = None) -> None:
        """Run with ``params`` before the next statement or the commit, whichever comes first:
        on PostgreSQL the writes so put off go in one round trip (:func:`deferring`); a
        write whose result nobody waits for (an audit entry, a receipt, a child row)."""
        self._later(session, params or {}, many=False)

    def later_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """:meth:`later`, once per row of ``rows``."""
        if rows:
            self._later(session, rows, many=True)

    def _later(self, session: Session, params: Any, *, many: bool) -> None:
        connection = self._connection(session)
        compiled = self.compiled(connection.dialect)
        bound = [compiled.bind(row) for row in params] if many else compiled.bind(params)
        if connection.engine in _deferring:
            connection.info.setdefault(DEFERRED, []).append((compiled.sql, bound, many))
        else:
            _execute(connection, compiled.sql, bound, many=many)

    def run_many_on(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row of ``rows``, as one ``executemany``."""
        if not rows:
            return
        compiled = self.compiled(connection.dialect)
        _execute(connection, compiled.sql, [compiled.bind(row) for row in rows], many=True)

    def _connection(self, session: Session) -> Connection:
        """The session's connection; the session noted as written in if this statement writes
        (for a commit hook: :func:`wrote`)."""
        connection = session.connection()
        if self.compiled(connection.dialect).writes:
            if session.info.get(READ_ONLY):
                raise ReadOnly("a session that only reads was asked to write")
            session.info[WROTE] = True
        return connection


class Result:
    """What a statement gave back: its rows, and how many rows it changed."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def scalar(self) -> Any:
        """The first column of the first row, None if there is none."""
        return self.rows[0][0] if self.rows else None

    def one(self) -> tuple[Any, ...]:
        """The one row (an error if there is none or more)."""
        if not self.rows:
            raise NoResultFound("no row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("more than one row was found when one was required")
        return tuple(self.rows[0])

    def scalar_one(self) -> Any:
        return self.one()[0]


def _execute(connection: Connection, sql: str, params: Any, *, many: bool = False) -> Result:
    """Run ``sql`` on the DBAPI cursor of ``connection``, in its transaction: the writes put
    off go first; a driver's error is raised as SQLAlchemy's (a dropped connection invalidated,
    as SQLAlchemy's own execution would). SQLAlchemy's per-statement work (its execution
    context, result metadata, cursor events) is what this spares: about 12 µs of the 14 a
    compiled statement took on SQLite, and 0.1 ms of CPU on PostgreSQL."""
    if connection.info.get(DEFERRED):
        _send(connection)
    raw = connection.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        rows = cursor.fetchall() if _gave_rows(cursor) else []
        return Result(rows, cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        _raise(connection, sql, error)
    finally:
        cursor.close()


def _gave_rows(cursor: Any) -> bool:
    """Whether the statement just run gave rows (a SELECT, a RETURNING). psycopg's own answer,
    ``description``, makes an object for each column first: a third of the CPU of running a
    statement of 25 columns."""
    result = getattr(cursor, "pgresult", None)  # psycopg's; sqlite3 has none
    if result is None:
        return cursor.description is not None
    return bool(result.nfields)  # every statement here that gives rows names its columns


def _raise(connection: Connection, sql: str, error: Exception) -> NoReturn:
    raw = connection.connection.driver_connection
    gone = connection.dialect.is_disconnect(error, raw, None)  # type: ignore[arg-type]
    if gone:
        connection.invalidate(error)
    raise DBAPIError.instance(
        sql,
        None,
        error,
        connection.dialect.loaded_dbapi.Error,
        connection_invalidated=gone,
        dialect=connection.dialect,
    ) from error


# ---------------------------------------------------------------------------------------------
# new records


@dataclass(frozen=True)
class _Shape:
    """How the objects of one mapped class are inserted."""

    table: Table
    columns: tuple[tuple[str, Column[Any]], ...]  # (attribute key, column), generated key left out
    generated: tuple[str, Column[Any]] | None  # the key the database makes, returned
    statement: Statement
    plain: Statement  # the same insert without RETURNING


_shapes: dict[type[Any], _Shape] = {}
_shapes_lock = threading.Lock()


def _shape(cls: type[Any]) -> _Shape:
    found = _shapes.get(cls)
    if found is not None:
        return found
    mapper = cast(Mapper[Any], cls.__mapper__)
    table = cast(Table, mapper.local_table)
    keys = {column: key for key, column in mapper.columns.items()}
    generated = None
    columns = []
    for column in table.columns:
        key = keys[column]
        if (
            column.primary_key
            and column.autoincrement in (True, "auto")
            and (len(table.primary_key.columns) == 1)
        ):
            generated = (key, column)
            continue
        columns.append((key, column))

    def plain() -> Executable:
        return insert(table).values({column.name: bindparam(key) for key, column in columns})

    def build() -> Executable:
        stmt = plain()
        return stmt.returning(generated[1]) if generated is not None else stmt  # type: ignore[attr-defined]

    shape = _Shape(table, tuple(columns), generated, Statement(build), Statement(plain))
    with _shapes_lock:
        found = _shapes.setdefault(cls, shape)
    return found


def _values(obj: Any, shape: _Shape) -> dict[str, Any]:
    """The row of ``obj``: its attributes, else each column's own Python-side default (which
    the object is then given too, so that nothing about it is left to load)."""
    state = obj.__dict__
    row: dict[str, Any] = {}
    for key, column in shape.columns:
        if key in state:
            row[key] = state[key]
            continue
        default = column.default
        value = None
        if default is not None and getattr(default, "is_scalar", False):
            value = default.arg  # type: ignore[attr-defined]
        elif default is not None and getattr(default, "is_callable", False):
            value = default.arg(None)  # type: ignore[attr-defined]
        elif default is not None or column.server_default is not None:
            raise TypeError(f"{shape.table.name}.{column.name}: a default hot.add cannot make")
        row[key] = value
        setattr(obj, key, value)
    return row


def add(session: Session, obj: T, *children: str) -> T:
    """Insert ``obj``, a new object whose primary key the database makes, and the objects of
    its one-to-many relationships named in ``children`` (their own keys complete once they
    have the parent's); then keep them in ``session`` as loaded, with every relationship of
    theirs that a new record cannot have yet known to be empty."""
    shape = _shape(type(obj))
    if shape.generated is None:
        raise TypeError(f"{type(obj).__name__}: hot.add makes records with a generated key")
    key, _column = shape.generated
    made = shape.statement.run(session, _values(obj, shape)).scalar_one()
    setattr(obj, key, made)
    mapper: Mapper[Any] = type(obj).__mapper__
    adopted: list[Any] = [obj]
    for name in children:
        prop = mapper.relationships[name]
        if prop.direction is MANYTOONE or not prop.uselist:
            raise TypeError(f"{type(obj).__name__}.{name} is not a collection of children")
        items = list(getattr(obj, name))
        if not items:
            continue
        child_shape = _shape(prop.mapper.class_)
        for local, remote in prop.local_remote_pairs:  # type: ignore[union-attr]
            parent_key = mapper.get_property_by_column(local).key
            child_key = prop.mapper.get_property_by_column(remote).key
            for item in items:
                setattr(item, child_key, getattr(obj, parent_key))
        child_shape.statement.later_many(session, [_values(item, child_shape) for item in items])
        adopted += items
    unset = {
        id(item): [
            rel
            for rel in cast(Mapper[Any], type(item).__mapper__).relationships
            if rel.key not in item.__dict__ and rel.direction is not MANYTOONE
        ]
        for item in adopted
    }
    for item in adopted:  # every one detached before any joins (joining cascades to children)
        make_transient_to_detached(item)
    for item in adopted:
        session.add(item)
        for rel in unset[id(item)]:  # a record just made has no children but those given
            set_committed_value(item, rel.key, [] if rel.uselist else None)
    session.info.setdefault(ADDED, []).append(obj)
    return obj


# per class and dialect: its attributes' keys, their result processors, where its key is
_Loader = tuple[tuple[str, ...], tuple[Any, ...], tuple[int, ...]]
_loaders: dict[tuple[type[Any], str], _Loader] = {}


def columns_of(cls: type[Base]) -> tuple[Column[Any], ...]:
    """Every column of ``cls``'s table, in the order :func:`load` reads a row of them (for a
    statement's ``RETURNING``)."""
    return tuple(cast(Table, cls.__table__).columns)


def load(session: Session, cls: type[T], rows: Iterable[Sequence[Any]]) -> list[T]:
    """Objects of ``cls`` from rows of all its columns (:func:`columns_of`) as the driver gave
    them, through the columns' own result processors (``UTCDateTime`` makes them aware, as the
    ORM's loading would), kept in ``session`` as loaded. An object of the same key already in
    the session is given the row's values instead, so that nothing in it is stale."""
    dialect = session.get_bind().dialect
    found = _loaders.get((cls, dialect.name))
    if found is None:
        mapper: Mapper[Any] = cls.__mapper__
        columns = columns_of(cls)
        keys = tuple(mapper.get_property_by_column(column).key for column in columns)
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        at = {id(column): i for i, column in enumerate(columns)}  # a Column's == is SQL
        primary = tuple(at[id(column)] for column in mapper.primary_key)
        found = _loaders.setdefault((cls, dialect.name), (keys, processors, primary))
    keys, processors, primary = found
    manager = cls.__mapper__.class_manager
    made: list[T] = []
    for row in rows:
        values = [
            process(value) if process is not None else value
            for process, value in zip(processors, row, strict=True)
        ]
        identity = session.identity_key(cls, tuple(values[i] for i in primary))
        present = session.identity_map.get(identity)
        if present is not None:
            for key, value in zip(keys, values, strict=True):
                set_committed_value(present, key, value)
            made.append(cast(T, present))
            continue
        # as the ORM's own loading does: the values put in place, not set one by one through
        # the constructor and the attributes' events (four times the work)
        obj = cast(T, manager.new_instance())
        instance_dict(obj).update(zip(keys, values, strict=True))
        make_transient_to_detached(obj)
        session.add(obj)
        made.append(obj)
    return made


def insert_of(cls: type[Base]) -> Statement:
    """The plain insert of ``cls``'s rows: every column but the generated key, each bound by
    its attribute's name (``audit``'s entries, the resend receipts)."""
    return Statement(lambda: _shape(cls).plain._build())


def add_later(session: Session, obj: Base) -> None:
    """Insert ``obj`` (no children) as :meth:`Statement.later` does: for a row that nobody in
    the transaction reads or refers to, whose key nobody needs (a message queued for the
    outbox); it stays out of the session, its key unknown."""
    shape = _shape(type(obj))
    if shape.generated is None:
        raise TypeError(f"{type(obj).__name__}: hot.add_later makes records with a generated key")
    shape.plain.later(session, _values(obj, shape))


def spoilt(session: Session) -> bool:
    """Whether the session's transaction met a database error that something caught: on
    PostgreSQL it then can only roll back (its COMMIT would roll back without a word)."""
    try:
        raw = session.connection().connection.driver_connection
    except SQLAlchemyError:
        return True  # no connection to go on with (or one to roll back): spoilt as much
    info = getattr(raw, "info", None)  # psycopg's; sqlite3 has none, and never spoils one
    status = getattr(info, "transaction_status", None)
    return status is not None and status.name == "INERROR"


def wrote(session: Session) -> bool:
    """Whether a statement of this module wrote in the session's transaction (a flush hook
    never sees such a write; a commit hook asks here)."""
    return bool(session.info.get(WROTE))


def added(session: Session) -> Iterable[Any]:
    """The records :func:`add` made in the session's transaction, for its ``after_commit``
    hooks (forgotten once the transaction ends, committed or not)."""
    return tuple(session.info.get(ADDED, ()))


_PER_TRANSACTION = {ADDED, WROTE}


def per_transaction(*keys: str) -> None:
    """Have ``session.info[key]`` forgotten when a session's transaction ends, for each key."""
    _PER_TRANSACTION.update(keys)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in _PER_TRANSACTION:
            session.info.pop(key, None)


# ---------------------------------------------------------------------------------------------
# writes put off to one round trip (PostgreSQL)

DEFERRED = "returbot.hot_deferred"  # connection.info: the writes put off, in order


_deferring: WeakSet[Engine] = WeakSet()


def deferring(engine: Engine) -> None:
    """Put off :meth:`Statement.later`'s writes on ``engine`` (PostgreSQL) until its next
    statement or commit, and send them then in one round trip through psycopg's pipeline
    mode: a command's child rows, audit entry, index terms, receipt and queued messages cost
    one wait for the database instead of one each. A rollback or a connection returned to
    the pool drops what was put off with the rest of the transaction. Errors are raised as
    SQLAlchemy's, a dropped connection invalidated."""
    if engine.dialect.name != "postgresql" or engine in _deferring:
        return
    _deferring.add(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Connection, *_args: Any) -> None:
        if conn.info.get(DEFERRED):
            _send(conn)

    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        if conn.info.get(DEFERRED):
            _send(conn)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        if not conn.invalidated:  # an invalidated one's record is emptied at its checkin
            conn.info.pop(DEFERRED, None)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info.pop(DEFERRED, None)


def _send(conn: Connection) -> None:
    queue: list[tuple[str, Any, bool]] = conn.info.pop(DEFERRED)
    conn.info[DEFERRED] = []
    raw = conn.connection.driver_connection
    dbapi = conn.dialect.loaded_dbapi
    try:
        with raw.pipeline():  # type: ignore[union-attr]  # left, it waits for every answer
            cursor = raw.cursor()  # type: ignore[union-attr]
            for sql, params, many in queue:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
    except dbapi.Error as error:
        # which of the batch failed, the database's message says; the values stay out of it
        _raise(conn, ";\n".join(sql for sql, _params, _many in queue), error)
