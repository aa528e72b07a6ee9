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
import random
import secrets
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.context import Clock
from bot.outbox.alerts import Alerts, Failed
from bot.outbox.queue import MEDIA, POST, UPDATE, UPLOAD, Renderer, SentHook, medium_of
from bot.outbox.transport import Attachment, Outcome, Outgoing, Transport, reason, redact
from storage import outbox as store
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger("returbot.outbox")

BACKOFF_CAP = 300.0
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


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    method: str
    target: str
    payload: dict[str, Any]
    to_user: bool = False
    queued_at: datetime | None = None
    unsure_since: datetime | None = None  # an earlier attempt may have posted it
    broken: str = ""  # why the message could not be composed: it is not sent at all
    unready: str = ""  # the database failed while composing it: tried again later


def _default_worker() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"


def _marker(row: _Claimed) -> dict[str, Any]:
    """What identifies a message as this outbox row's (the time tells databases apart)."""
    queued = row.queued_at.isoformat() if row.queued_at else ""
    return {"outbox_id": row.id, "queued_at": queued}


def outgoing(row: _Claimed) -> Outgoing:
    """The message a claimed row makes; raises if its payload cannot make one."""
    payload = row.payload
    text = payload.get("text") or ""
    blocks = payload.get("blocks")
    if not isinstance(text, str):
        raise TypeError(f"the text is a {type(text).__name__}")
    if blocks is not None and not isinstance(blocks, list):
        raise TypeError(f"the blocks are a {type(blocks).__name__}")
    if row.method == UPDATE and not payload.get("ts"):
        raise ValueError("chat.update without the ts of the message")
    extra = payload.get("extra") or {}
    file = None
    if row.method == UPLOAD:
        content, filename = extra.get("content"), extra.get("filename")
        if not isinstance(content, str) or not isinstance(filename, str) or not filename:
            raise ValueError("an upload without its file's name and content")
        title = str(extra.get("title") or filename)
        file = Attachment(content.encode("utf-8"), filename, title)
    return Outgoing(
        id=row.id, kind=row.kind, method=row.method, target=row.target, to_user=row.to_user,
        text=text, blocks=blocks, ts=str(payload["ts"]) if payload.get("ts") else None,
        file=file, marker=_marker(row), unsure_since=row.unsure_since,
        file_ids=tuple(str(f) for f in extra.get("file_ids") or []),
    )  # fmt: skip


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
    _ready: deque[tuple[_Claimed, float]] = field(
        default_factory=deque, init=False, repr=False, compare=False
    )
    _ready_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    _blocked: dict[str, datetime] = field(  # rate-limited targets, until when
        default_factory=dict, init=False, repr=False, compare=False
    )
    _alerts: Alerts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = sorted(set(MEDIA.values()) - set(self.transports))
        if missing:
            raise ValueError(f"no outbox transport for {', '.join(missing)}")
        self._alerts = Alerts(coordinators=tuple(self.coordinators), lang=self.lang, tz=self.tz)

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

    def _take(self) -> tuple[_Claimed, float] | None:
        with self._ready_lock:
            return self._ready.popleft() if self._ready else None

    def _hand_on(self, rows: list[_Claimed]) -> None:
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

    def _claim(self) -> list[_Claimed]:
        with self.db.session() as session:
            rows = store.claim_due(session, self.clock.now(), self.worker, self.lease, self.batch)
            claimed = []
            for r in rows:
                payload, broken, unready = self._compose(session, r)
                claimed.append(
                    _Claimed(
                        id=r.id,
                        kind=r.kind,
                        method=r.method,
                        target=str(r.channel or r.user),
                        payload=payload,
                        to_user=r.channel is None,
                        queued_at=r.created_at,
                        unsure_since=r.unsure_since,
                        broken=broken,
                        unready=unready,
                    )
                )
            return claimed

    def _compose(self, session: Session, row: OutboxMessage) -> tuple[dict[str, Any], str, str]:
        """The row's payload as its renderer composes it now; why it cannot be composed at
        all; why not now (the database failed, which another attempt may not meet)."""
        payload = dict(row.payload)
        compose = self.renderers.get(row.kind)
        if compose is None:
            return payload, "", ""
        try:
            with session.begin_nested():
                text, blocks = compose(session, row)
        except (OperationalError, InterfaceError) as error:
            # its words hold SQL and its parameters: they stay in the log
            log.warning("outbox #%d: the database failed composing %s: %s", row.id, row.kind, error)
            return payload, "", f"database: {type(error).__name__}"
        except Exception as error:
            # a message half composed would say the wrong thing: none is sent, and the
            # coordinators are told which message and which record
            log.error(
                "outbox #%d: could not compose %s: %s",
                row.id,
                row.kind,
                redact("".join(traceback.format_exception(error)).rstrip()),
            )
            return payload, reason(error), ""
        payload["text"], payload["blocks"] = text, blocks
        return payload, "", ""

    def _send(self, row: _Claimed) -> Outcome:
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

    def _postpone(self, row: _Claimed, until: datetime) -> None:
        with self.db.session() as session:
            found = store.locked(session, row.id)
            if found is not None and found.status == store.PENDING:
                found.next_attempt_at = max(found.next_attempt_at, until)
                found.claimed_by = found.claimed_until = None

    def _record(self, row: _Claimed, outcome: Outcome) -> str:
        for attempt in range(3):
            try:
                with self.db.session() as session:
                    return self._apply(session, row, outcome)
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

    def _apply(self, session: Session, claimed: _Claimed, outcome: Outcome) -> str:
        row = store.locked(session, claimed.id)
        if row is None:
            return "skipped"
        now = self.clock.now()
        if outcome.result == "sent":
            if row.status == store.SENT:
                log.warning("outbox #%d was already marked sent by %s", row.id, row.claimed_by)
                return "skipped"
            # a row cancelled while it was on its way still went out: record what happened
            row.status, row.sent_at = store.SENT, now
            row.result_ts, row.result_channel = outcome.ts, outcome.channel
            row.claimed_by = row.claimed_until = None
            self._run_hooks(session, row)
            return "sent"
        if row.status != store.PENDING:
            return "skipped"
        row.attempts += 1
        row.last_error = outcome.error[:500]
        if outcome.result == "unbuildable":
            return self._unbuildable(session, row, claimed, outcome.error)
        if outcome.unsure and row.method in (POST, UPLOAD) and row.unsure_since is None:
            row.unsure_since = now
        row.claimed_by = row.claimed_until = None
        if outcome.result == "rate_limited":
            row.next_attempt_at = now + timedelta(seconds=outcome.retry_after)
            log.info("outbox #%d rate limited; retry in %.0f s", row.id, outcome.retry_after)
            return "retried"
        if outcome.result == "transient" and row.attempts < self.max_attempts:
            delay = min(BACKOFF_CAP, 2.0 ** (row.attempts - 1)) * random.uniform(0.75, 1.0)
            row.next_attempt_at = now + timedelta(seconds=delay)
            log.info(
                "outbox #%d: %s (attempt %d); retry in %.1f s",
                row.id,
                row.last_error,
                row.attempts,
                delay,
            )
            return "retried"
        row.status = store.FAILED
        log.info(
            "outbox #%d (%s) to %s failed for good: %s",
            row.id,
            row.kind,
            claimed.target,
            row.last_error,
        )
        failed = Failed(row=row, target=claimed.target, payload=claimed.payload)
        gave_up = outcome.result == "transient"
        self._alerts.failed(session, failed, fault=outcome.fault, gave_up=gave_up, now=now)
        return "failed"

    def _unbuildable(
        self, session: Session, row: OutboxMessage, claimed: _Claimed, why: str
    ) -> str:
        """Fail a message that cannot be put together, and say so: trying again would fail the
        same way."""
        row.status = store.FAILED
        row.claimed_by = row.claimed_until = None
        failed = Failed(row=row, target=claimed.target, payload=claimed.payload)
        self._alerts.unbuildable(session, failed, why, self.clock.now())
        return "failed"

    def _run_hooks(self, session: Session, row: OutboxMessage) -> None:
        for hook in self.hooks.get(row.kind, ()):
            try:
                with session.begin_nested():
                    hook(session, row)
            except Exception as error:
                # the message is out: a failing hook must not make it look unsent (and resend it)
                log.error(
                    "outbox #%d: on-sent hook %s failed: %s",
                    row.id,
                    getattr(hook, "__name__", "?"),
                    redact("".join(traceback.format_exception(error)).rstrip()),
                )
