"""Shared fixtures: real databases (SQLite file, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import settings as settings_module
from bot.context import ManualClock
from bot.runtime import Runtime
from bot.settings import Settings
from storage import migrate
from storage.db import Database
from tests.support.database import empty_tables
from tests.support.postgres import empty_postgres, worker_database

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
SIGNING_SECRET = "test-signing-secret"
COORDINATOR = "UCOORD"
# a Wednesday, in the middle of an ordinary week
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    db.dispose()  # the last connection closing folds the WAL into the file that is copied
    return path


@pytest.fixture(scope="session")
def pg_url() -> str:
    """TEST_DATABASE_URL, or under pytest-xdist a database of this worker's own beside it."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    return worker_database(PG_URL, os.environ.get("PYTEST_XDIST_WORKER"))


@pytest.fixture(scope="session")
def pg_database(pg_url: str) -> Iterator[Database]:
    db = empty_postgres(pg_url)
    yield db
    db.dispose()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (make test): a worker per core and one more.

    Much of the suite's time is waiting rather than computing: the scale-out proof's minute of
    real time, processes starting and stopping, Socket Mode reconnects. With one worker per core
    the cores were half idle (2 cores, 940 tests: 142-156 s with two workers, 112 s with three).
    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides when it is set, and ``-n 2`` as ever.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow multi-process proofs first: run in parallel, they then overlap the quick ones
    instead of trailing behind them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty database: a fresh SQLite file, or the shared PostgreSQL emptied."""
    if request.param == "sqlite":
        path = tmp_path / "returbot.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("pg_database")
        empty_tables(database)
        yield database


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "returbot.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def make_settings(api_url: str = "http://127.0.0.1:9/api/", **env: str) -> Settings:
    base = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "RETURBOT_COORDINATORS": COORDINATOR,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": "sqlite:///unused.db",
    }
    base.update(env)
    return settings_module.load(base)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def runtime(db: Database, clock: ManualClock) -> Runtime:
    return Runtime(settings=make_settings(), db=db, clock=clock)
