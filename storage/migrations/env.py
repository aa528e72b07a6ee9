"""Alembic environment: runs on the connection handed in by ``storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storage.models  # noqa: F401  (registers the tables)
from storage.db import Base

config = context.config
# the full-text search tables are dialect-specific DDL in the migrations, not models
SEARCH_TABLES = ("decision_fts", "decision_search")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLES))

connection = config.attributes.get("connection")

if connection is None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///returbot.db")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
