"""A migrated database emptied in place: every row gone (the search index's too, a table of the
migrations outside the models), the numbering back at 1 and the record counters at 0."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, event, text

from storage.db import Base, Database
from storage.search import SEARCH_TABLES

COUNTERS = "INSERT INTO counters (kind, value) VALUES ('D', 0), ('I', 0), ('M', 0), ('S', 0)"
# the tables written since they were last emptied: a table truncated (or never written) has an
# empty file, so truncating only the others leaves every table as a fresh one is
WRITTEN = text(
    "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' "
    "AND c.relnamespace = current_schema()::regnamespace "
    "AND c.relname IN :tables AND pg_relation_size(c.oid) > 0"
).bindparams(bindparam("tables", expanding=True))
# every sequence back at 1, also one a failed insert moved without writing a row
SEQUENCES = (
    "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
    "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
)


def empty_tables(db: Database) -> None:
    """Every table of ``db`` emptied, as a fresh migration leaves it (the schema stays).

    On PostgreSQL only the tables written since they were last emptied are truncated: a
    TRUNCATE of every table takes some 30 ms, of the few a test writes a third of that. (A
    DELETE would be quicker still, but it leaves dead rows behind, and a table read without an
    ORDER BY would no longer give its rows in the order they were written.)
    """
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            tables = [*Base.metadata.tables, "search_docs", "search_vocab"]
            written = list(connection.scalars(WRITTEN, {"tables": tables}))
            if written:
                connection.execute(text(f"TRUNCATE {', '.join(written)} CASCADE"))
            connection.execute(text(SEQUENCES))
        else:  # SQLite numbers the rows of an emptied table from 1 again by itself
            # references are checked when the transaction ends, so a cycle of them (an issue's
            # decision that names the issue) is no matter
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
            # the search index's own tables; their triggers keep the FTS5 tables in step
            for table in SEARCH_TABLES:
                if not table.endswith("_terms"):
                    connection.execute(text(f"DELETE FROM {table}"))
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
        connection.execute(text(COUNTERS))


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL SQLAlchemy sends while the block runs (not the compiled statements of
    ``storage.hot``, which go to the cursor directly)."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
