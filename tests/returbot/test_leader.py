"""One active scheduler per database: an advisory lock on PostgreSQL, a refusal on SQLite."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from returbot.leader import AdvisoryLock, AlreadyRunning, FileLock, Standby, for_engine
from storage.db import Database


class Jobs:
    def __init__(self) -> None:
        self.running = False
        self.changes: list[str] = []

    def resume(self) -> None:
        self.running = True
        self.changes.append("active")

    def pause(self) -> None:
        self.running = False
        self.changes.append("standby")


def pg(url: str) -> Database:
    from bot.settings import normalise_database_url

    return Database(normalise_database_url(url))


@pytest.mark.postgres
def test_one_of_two_is_active_and_the_standby_takes_over_when_it_dies(pg_url: str) -> None:
    first_db, second_db = pg(pg_url), pg(pg_url)
    first_jobs, second_jobs = Jobs(), Jobs()
    first = Standby(AdvisoryLock(first_db.engine), first_jobs.resume, first_jobs.pause)
    second = Standby(AdvisoryLock(second_db.engine), second_jobs.resume, second_jobs.pause)
    try:
        first.step()
        second.step()
        assert (first.state, second.state) == ("active", "standby")
        assert first_jobs.running and not second_jobs.running
        second.step()
        assert second.state == "standby"
        first_db.engine.dispose()  # the pool lets go, but the lock's own connection holds on
        second.step()
        assert second.state == "standby"
        # the active process dies: PostgreSQL ends its session, and the lock with it
        lock = first.leadership
        assert isinstance(lock, AdvisoryLock) and lock._connection is not None
        pid = lock._connection.scalar(text("SELECT pg_backend_pid()"))
        with second_db.engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            # the signal is sent at once; the backend (and its lock) goes a moment later
            gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = :p"
            deadline = time.monotonic() + 10
            while connection.scalar(text(gone), {"p": pid}) and time.monotonic() < deadline:
                connection.rollback()  # pg_stat_activity is read once per transaction
                time.sleep(0.01)
        second.step()
        assert second.state == "active" and second_jobs.changes == ["active"]
        first.step()  # the old one notices it lost the lock and stops its jobs
        assert first.state == "standby" and first_jobs.changes == ["active", "standby"]
        first.step()
        assert first.state == "standby"  # and waits: the lock is taken
    finally:
        second.leadership.release()
        first.leadership.release()
        first_db.dispose()
        second_db.dispose()


@pytest.mark.postgres
def test_a_released_lock_is_taken_at_the_next_look(pg_url: str) -> None:
    one, two = pg(pg_url), pg(pg_url)
    try:
        a, b = AdvisoryLock(one.engine), AdvisoryLock(two.engine)
        assert a.try_acquire() and not b.try_acquire()
        a.release()
        assert b.try_acquire() and b.held() and not a.held()
        b.release()
    finally:
        one.dispose()
        two.dispose()


def test_on_sqlite_a_second_scheduler_is_refused_with_a_sentence(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'rb.db'}")
    first = for_engine(db.engine)
    assert isinstance(first, FileLock) and first.try_acquire()
    second = FileLock(tmp_path / "rb.db")
    with pytest.raises(AlreadyRunning) as refused:
        second.try_acquire()
    where = tmp_path.resolve() / "rb.db"
    assert str(refused.value) == (
        f"Another returbot scheduler already runs on {where} "
        "(SQLite has room for one; for a standby scheduler use PostgreSQL)."
    )
    first.release()
    assert second.try_acquire()  # the first one gone, a new one may start
    second.release()
    db.dispose()
