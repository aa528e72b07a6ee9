"""One active scheduler per database; any other waits as a standby (SPEC §7, several processes).

On PostgreSQL the active scheduler holds a session-level advisory lock on a connection of its
own: when its process dies, PostgreSQL drops the connection and the lock with it, and a standby
polling every few seconds takes over. The active one checks that connection as often, and pauses
its jobs the moment it is gone (another process may hold the lock by then).

On SQLite there is no standby: the scheduler takes an exclusive lock on a file next to the
database, and a second scheduler on the same database is refused with one sentence.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("returbot.leader")

# the advisory lock's key: any fixed 64-bit number, the same in every returbot process
LOCK_KEY = 0x7265_7475_7262_6F74 & 0x7FFF_FFFF_FFFF_FFFF  # "returbot"
POLL_SECONDS = 5.0


class AlreadyRunning(RuntimeError):
    """A second scheduler on a database that cannot have a standby (SQLite)."""


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Become the active scheduler if nobody is; True while this process is it."""
        ...

    def held(self) -> bool:
        """Whether this process is still the active one (False once the lock is lost)."""
        ...

    def release(self) -> None: ...


class AdvisoryLock:
    """PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine, self.key = engine, key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.held()
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
        except Exception as error:
            log.warning("scheduler lock: database unreachable (%s)", type(error).__name__)
            return False
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            # a session-level lock lives as long as its session: the connection answering is enough
            self._connection.execute(text("SELECT 1"))
        except Exception as error:
            log.warning("scheduler lock lost with its connection (%s)", type(error).__name__)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except Exception as error:  # closing the connection releases it all the same
                log.debug("advisory unlock failed: %s", type(error).__name__)
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except Exception as error:
                log.debug("closing the lock connection failed: %s", type(error).__name__)


class FileLock:
    """SQLite: an exclusive ``flock`` on ``<database>.scheduler.lock``; refuses a second one."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".scheduler.lock")
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(
                f"Another returbot scheduler already runs on {self.database}"
                " (SQLite has room for one; for a standby scheduler use PostgreSQL)."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def for_engine(engine: Engine) -> Leadership:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise AlreadyRunning("An in-memory SQLite database has no room for a scheduler process.")
    return FileLock(Path(database).resolve())


class Standby:
    """Runs ``activate`` when this process becomes the active scheduler, ``deactivate`` when it
    stops being it; ``state`` is "active" or "standby" for the health check."""

    def __init__(
        self,
        leadership: Leadership,
        activate: Callable[[], None],
        deactivate: Callable[[], None],
        poll: float = POLL_SECONDS,
    ) -> None:
        self.leadership, self.activate, self.deactivate = leadership, activate, deactivate
        self.poll = poll
        self.active = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        return "active" if self.active else "standby"

    def step(self) -> None:
        """One look: take over if free, step down if lost."""
        with self._lock:
            if not self.active:
                if self.leadership.try_acquire():
                    self.active = True
                    log.info("this scheduler is now active")
                    self.activate()
            elif not self.leadership.held():
                self.active = False
                log.warning("this scheduler lost its lock and waits as a standby")
                self.deactivate()

    def run(self, stop: threading.Event) -> None:
        """Look every ``poll`` seconds until ``stop`` is set; then give the lock back."""
        try:
            while not stop.is_set():
                try:
                    self.step()
                except AlreadyRunning:
                    raise
                except Exception as error:
                    log.warning("scheduler lock check failed: %s", type(error).__name__)
                stop.wait(self.poll)
        finally:
            with self._lock:
                if self.active:
                    self.active = False
                    self.deactivate()
                self.leadership.release()
