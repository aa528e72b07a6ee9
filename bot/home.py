"""The Home tab's content for one user (SPEC §4.6), from the database as it stands now."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.orgconfig import OrgConfig
from storage import digest as digest_store
from storage import home as store
from storage import hot
from storage import issues as issue_store
from storage.models import Decision, Issue, Meeting

log = logging.getLogger("returbot.home")
MINE = 10
WAITING = 8
MEETINGS = 5
DECISIONS = 5
IDLE_EXIT = 30.0  # seconds the publishing thread waits for work before it ends


@dataclass
class Home:
    user: str
    today: date
    departments: list[str] = field(default_factory=list)
    mine: list[Issue] = field(default_factory=list)
    mine_total: int = 0
    waiting: list[Issue] = field(default_factory=list)
    waiting_total: int = 0
    meetings: list[tuple[Meeting, int]] = field(default_factory=list)
    meetings_total: int = 0
    decisions: list[Decision] = field(default_factory=list)
    lookahead_days: int = 14


def compose(
    session: Session,
    *,
    org: OrgConfig,
    user: str,
    departments: Collection[str],
    now: datetime,
) -> Home:
    """What ``user`` sees: their open issues, their departments' acknowledgements, what is next."""
    today = now.astimezone(org.timezone).date()
    ordered = [code for code in org.department_codes if code in departments]
    out = Home(user=user, today=today, departments=ordered, lookahead_days=org.lookahead_days)
    out.mine, out.mine_total = issue_store.listing(session, today=today, user=user, limit=MINE)
    out.waiting, out.waiting_total = store.waiting_for(session, ordered, WAITING)
    ahead = now + timedelta(days=org.lookahead_days)
    out.meetings, out.meetings_total = digest_store.meetings_ahead(session, now, ahead, MEETINGS)
    out.decisions = store.latest_decisions(session, DECISIONS)
    return out


def record_opened(session: Session, *, user: str, now: datetime) -> None:
    """``user`` has opened their Home tab (from now on it is kept up to date)."""
    store.record_opened(session, user, now.isoformat())


def written_past_the_flush(session: Session) -> tuple[bool, Iterable[object]]:
    """Whether the session's transaction wrote without the ORM's flush (``storage.hot``), and
    the records it made so, for a commit hook: a flush hook never sees them."""
    return hot.wrote(session), hot.added(session)  # a record added was written


def has_opened(session: Session, user: str) -> bool:
    """Whether ``user`` has ever opened their Home tab."""
    return store.has_opened(session, user)


class Refresher:
    """Publishes Home tabs on one background thread: asked for a user twice, publishes once.

    ``publish`` does the work for one user (compose, render, ``views.publish``); a fault in it
    is logged and does not stop the thread.
    """

    def __init__(self, publish: Callable[[str], None]) -> None:
        self._publish = publish
        self._queue: queue.Queue[str] = queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        self._thread: threading.Thread | None = None

    def request(self, users: Iterable[str]) -> None:
        """Publish the Home tab of each of ``users`` soon (at most once for those still queued)."""
        with self._lock:
            for user in users:
                if user and user not in self._pending:
                    self._pending.add(user)
                    self._busy += 1
                    self._queue.put(user)
            if self._thread is None and self._busy:
                self._thread = threading.Thread(target=self._run, name="home-tab", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every requested Home tab is published (for tests and the console)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _run(self) -> None:
        while True:
            try:
                user = self._queue.get(timeout=IDLE_EXIT)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None  # the next request starts another
                        return
                continue
            with self._lock:
                self._pending.discard(user)
            try:
                self._publish(user)
            except Exception:
                log.exception("could not publish the Home tab of %s", user)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()
