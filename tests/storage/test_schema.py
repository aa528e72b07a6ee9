"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from storage import migrate
from storage.db import Base, Database
from storage.models import Counter
from storage.search import is_model_table


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": is_model_table})
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
