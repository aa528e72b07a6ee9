"""An empty, migrated PostgreSQL schema for tests and benchmarks (everything in it is dropped)."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, make_url, text

from bot.settings import normalise_database_url
from storage import migrate
from storage.db import Database


def empty_postgres(url: str) -> Database:
    """``url``'s ``public`` schema dropped, recreated and migrated to head."""
    db = Database(normalise_database_url(url))
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(db.engine)
    return db


def worker_database(url: str, worker: str | None) -> str:
    """``url`` itself, or for a pytest-xdist worker a database of its own (``<db>_gw0``).

    The worker's database is created when missing, by connecting to ``url``'s database: parallel
    workers each drop and refill their schema, so no two may share one.
    """
    if not worker:
        return url
    if not re.fullmatch(r"\w+", worker):
        raise ValueError(f"unexpected pytest-xdist worker name {worker!r}")
    given = make_url(normalise_database_url(url))
    name = f"{given.database}_{worker}"
    # CREATE DATABASE cannot run inside a transaction: autocommit on the given database
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)
