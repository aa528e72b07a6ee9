"""An empty, migrated PostgreSQL schema for tests and benchmarks (everything in it is dropped)."""

from __future__ import annotations

from sqlalchemy import text

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
