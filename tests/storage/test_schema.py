"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from storage import migrate
from storage.db import Base, Database
from storage.models import URGENCY, Counter, compared
from storage.search import is_model_table


# SQLAlchemy cannot reflect SQLite's index on an expression, and says so (the test below reads it)
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        opts = {"include_name": is_model_table, "include_object": compared}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.current(db.engine) == migrate.head()


def test_counters_are_seeded(db: Database) -> None:
    with db.session() as session:
        assert dict(session.execute(select(Counter.kind, Counter.value)).all()) == {
            "D": 0,
            "I": 0,
            "M": 0,
            "S": 0,
        }


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_downgrade_and_upgrade_again(sqlite_db: Database) -> None:
    migrate.downgrade(sqlite_db.engine, "base")
    assert migrate.current(sqlite_db.engine) is None
    migrate.upgrade(sqlite_db.engine)
    assert migrate.current(sqlite_db.engine) == migrate.head()


def test_the_head_a_start_checks_is_alembics(db: Database) -> None:
    """A process's start reads the version table against ``migrate.HEAD`` without Alembic."""
    assert migrate.head() == migrate.HEAD
    assert migrate.at_head(db.engine)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    try:
        assert not migrate.at_head(db.engine)
    finally:
        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": migrate.HEAD}
            )


def test_numbering_goes_on_where_the_counters_were_after_0011(db: Database) -> None:
    """On PostgreSQL decisions and issues take their numbers from sequences from 0011 on,
    starting after the counters' values; downgraded, the counters take up where they were."""
    from storage import common

    migrate.downgrade(db.engine, "0010")
    try:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE counters SET value = 41 WHERE kind = 'D'"))
            connection.execute(text("UPDATE counters SET value = 6 WHERE kind = 'I'"))
        migrate.upgrade(db.engine)
        with db.session() as session:
            assert common.next_number(session, "D") == 42
            assert common.next_number(session, "I") == 7
            assert common.next_number(session, "D") == 43
        migrate.downgrade(db.engine, "0010")
        with db.engine.connect() as connection:
            counted = "SELECT value FROM counters WHERE kind = 'D'"
            assert connection.execute(text(counted)).scalar() == 43
    finally:
        migrate.upgrade(db.engine)
        with db.session() as session:
            common.set_numbering(session, "D", 0)
            common.set_numbering(session, "I", 0)


def test_the_open_issues_urgency_index_is_the_lists_order(db: Database) -> None:
    """The one index a schema comparison leaves out, read from the database itself: on the
    urgency as the list's statement writes it, its due date and number, the open issues only."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            found = connection.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_issues_open_urgency'")
            ).scalar_one()
            found = " ".join(found.split())  # PostgreSQL writes the CASE over lines
            assert "(( CASE priority WHEN 'high'::text THEN 0 WHEN 'normal'::text THEN 1" in found
            assert "WHEN 'low'::text THEN 2 ELSE 1 END)" in found
            assert found.endswith("due, number DESC) WHERE ((status)::text = 'open'::text)")
        else:
            found = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_issues_open_urgency'")
            ).scalar_one()
            assert f"(({URGENCY}), due, number DESC) WHERE status = 'open'" in found
