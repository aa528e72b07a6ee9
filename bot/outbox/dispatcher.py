"""The dispatcher: claims due outbox rows, sends each outside any transaction, records how it went.

Rows are claimed under a lease, so a worker of another process takes over the rows of one that
died. A message is composed when it is claimed (its renderer, from the composition root) and sent
by the transport of its medium (from the composition root too). The outcome decides the row's
next state: sent (its on-sent hooks run), retried later with backoff (rate limits, 5xx,
time-outs), or failed for good, with its fallback user or the coordinators told what to fix.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from bot.context import Clock
from bot.outbox.alerts import Alerts
from bot.outbox.claims import Claimed, Redo, claim, outgoing
from bot.outbox.outcomes import Recorder
from bot.outbox.queue import MEDIA, Renderer, SentHook, medium_of
from bot.outbox.transport import Outcome, Transport, reason, redact
from storage import outbox as store
from storage.db import Database

log = logging.getLogger("returbot.outbox")

MAX_PENDING_WAKES = 8


@dataclass(frozen=True)
class DispatchReport:
    """What one run did: messages sent, put back for a later retry, and failed for good."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # claimed, not tried in this run (time budget or a rate-limited target)
    claimed: int = field(default=0, compare=False)  # rows this run took from the database

    @property
    def handled(self) -> int:
        """Every row this run dealt with (its own claim's, and those handed to it)."""
        return self.sent + self.retried + self.failed + self.deferred


def _default_worker() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass
class Dispatcher:
    """Sends due outbox rows: claim, send outside any transaction, record the outcome."""

    db: Database
    # the transport of each medium (``bot.outbox.queue.MEDIA``), from the composition root
    transports: Mapping[str, Transport]
    clock: Clock
    coordinators: Sequence[str]
    lang: str
    worker: str = field(default_factory=_default_worker)
    lease: timedelta = timedelta(seconds=60)
    batch: int = 10  # small claims spread a burst over every worker
    max_attempts: int = 12
    slow_call: float = 2.0  # seconds; a call this slow hands the rest of its batch to others
    tz: tzinfo = UTC  # the day an alert is deduplicated on
    # how each composed kind is composed, and what runs when a kind is sent (from the wiring)
    renderers: Mapping[str, Renderer] = field(default_factory=dict)
    hooks: Mapping[str, Sequence[SentHook]] = field(default_factory=dict)
    # wake-ups not yet taken by a worker: each wakes one worker, not all of them (eight
    # workers each asking the database after every command cost more than the command)
    _signal: threading.Condition = field(
        default_factory=threading.Condition, init=False, repr=False, compare=False
    )
    _wakes: int = field(default=0, init=False, repr=False, compare=False)
    # claimed rows not yet taken by a worker, with when they were claimed: every worker of
    # this process takes from here, so a slow call holds up only its own row
    _ready: deque[tuple[Claimed, float]] = field(
        default_factory=deque, init=False, repr=False, compare=False
    )
    _ready_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    _blocked: dict[str, datetime] = field(  # rate-limited targets, until when
        default_factory=dict, init=False, repr=False, compare=False
    )
    _recorder: Recorder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = sorted(set(MEDIA.values()) - set(self.transports))
        if missing:
            raise ValueError(f"no outbox transport for {', '.join(missing)}")
        alerts = Alerts(coordinators=tuple(self.coordinators), lang=self.lang, tz=self.tz)
        self._recorder = Recorder(max_attempts=self.max_attempts, alerts=alerts, hooks=self.hooks)

    def wake(self) -> None:
        """Ask one dispatch worker for a run now (call it after the transaction has committed)."""
        with self._signal:
            self._wakes = min(self._wakes + 1, MAX_PENDING_WAKES)
            self._signal.notify()

    def loop(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Run until ``stop`` is set: when woken, and every ``interval`` seconds."""
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception as error:
                log.error(
                    "outbox run failed: %s",
                    redact("".join(traceback.format_exception(error)).rstrip()),
                )
                report = DispatchReport()
            if report.claimed >= self.batch and not report.deferred:
                self.wake()  # more may be due right now: another worker joins in
                continue
            self._wait(interval)

    def _wait(self, interval: float) -> None:
        with self._signal:
            if not self._wakes:
                self._signal.wait(interval)
            if self._wakes:
                self._wakes -= 1

    def run_once(self) -> DispatchReport:
        """Send the rows due now: those other workers of this process handed on, else up to
        ``batch`` newly claimed ones, each at most once."""
        counts = {"sent": 0, "retried": 0, "failed": 0, "deferred": 0}
        claimed = 0
        # leave rows untried rather than send them after another process may have taken them over
        budget = self.lease.total_seconds() / 2
        while True:
            taken = self._take()
            if taken is None:
                if claimed:
                    break
                rows = self._claim()
                claimed = len(rows)
                if not rows:
                    break
                self._hand_on(rows)
                continue
            row, claimed_at = taken
            if time.monotonic() - claimed_at > budget:
                self._release([row.id])
                counts["deferred"] += 1
                continue
            until = self._blocked_until(row.target)
            if until is not None:
                self._postpone(row, until)
                counts["deferred"] += 1
                continue
            started = time.monotonic()
            outcome = self._send(row)
            result = self._record(row, outcome)
            if outcome.result == "rate_limited":
                with self._ready_lock:
                    self._blocked[row.target] = self.clock.now() + timedelta(
                        seconds=outcome.retry_after
                    )
            if result in counts:
                counts[result] += 1
            if time.monotonic() - started > self.slow_call:
                # the rows that waited behind a slow answer found no free worker here: they
                # go back to the database for any worker of any process
                counts["deferred"] += self._release_ready()
                break
        return DispatchReport(**counts, claimed=claimed)

    def _take(self) -> tuple[Claimed, float] | None:
        with self._ready_lock:
            return self._ready.popleft() if self._ready else None

    def _hand_on(self, rows: list[Claimed]) -> None:
        """Put claimed rows where every worker takes from, and wake idle workers for them."""
        now = time.monotonic()
        with self._ready_lock:
            self._ready.extend((row, now) for row in rows)
        for _ in range(min(len(rows) - 1, MAX_PENDING_WAKES)):
            self.wake()

    def _release_ready(self) -> int:
        with self._ready_lock:
            ids = [row.id for row, _ in self._ready]
            self._ready.clear()
        if ids:
            self._release(ids)
            self.wake()
        return len(ids)

    def _release(self, ids: list[int]) -> None:
        with self.db.session() as session:
            store.release(session, ids, self.worker)

    def _blocked_until(self, target: str) -> datetime | None:
        """When a rate-limited target may be sent to again; None if it may be now."""
        with self._ready_lock:
            until = self._blocked.get(target)
            if until is not None and until <= self.clock.now():
                del self._blocked[target]
                return None
            return until

    def _claim(self) -> list[Claimed]:
        for careful in (False, True):
            try:
                with self.db.session() as session:
                    return claim(
                        session, now=self.clock.now(), worker=self.worker, lease=self.lease,
                        batch=self.batch, renderers=self.renderers, careful=careful,
                    )  # fmt: skip
            except Redo as error:
                # rolled back, nothing claimed: once more, each message in a savepoint
                cause = error.__cause__
                log.warning("outbox: composing a message failed (%s), claiming again",
                            type(cause).__name__ if cause else "an error it hid")  # fmt: skip
        raise AssertionError("unreachable: a careful claim never asks for another")

    def _send(self, row: Claimed) -> Outcome:
        if row.broken:
            return Outcome("unbuildable", row.broken)
        if row.unready:
            return Outcome("transient", f"composing: {row.unready}")
        try:
            message = outgoing(row)
        except Exception as error:
            said = reason(error)
            log.error("outbox #%d (%s) cannot be sent as queued: %s", row.id, row.kind, said)
            return Outcome("unbuildable", said)
        transport = self.transports[medium_of(row.method)]
        return transport.send(message, lambda file_id: self._note_file(row.id, file_id))

    def _note_file(self, row_id: int, file_id: str) -> None:
        with self.db.session() as session:
            found = store.locked(session, row_id)
            if found is not None:
                extra = dict(found.payload.get("extra") or {})
                extra["file_ids"] = [*(extra.get("file_ids") or []), file_id]
                found.payload = {**found.payload, "extra": extra}

    def _postpone(self, row: Claimed, until: datetime) -> None:
        with self.db.session() as session:
            found = store.locked(session, row.id)
            if found is not None and found.status == store.PENDING:
                found.next_attempt_at = max(found.next_attempt_at, until)
                found.claimed_by = found.claimed_until = None

    def _record(self, row: Claimed, outcome: Outcome) -> str:
        for attempt in range(3):
            try:
                with self.db.session() as session:
                    return self._recorder.apply(
                        session, row, outcome, self.clock.now(), careful=attempt > 0
                    )
            except Exception as error:
                # the message went out (or not) already: losing the record would resend it
                if attempt == 2:
                    raise
                log.warning(
                    "outbox #%d: recording the outcome failed (%s), trying again",
                    row.id,
                    type(error).__name__,
                )
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")
