"""The outcome of an attempt, recorded: the state machine of an outbox row.

``pending`` → ``sent`` (its on-sent hooks run in the same transaction), or back to ``pending``
with a later attempt (rate limited: as long as asked; transient: exponential backoff with
jitter, up to ``max_attempts``), or ``failed`` for good with the people told (``alerts``).
"""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.outbox.alerts import Alerts, Failed
from bot.outbox.claims import Claimed
from bot.outbox.queue import POST, UPLOAD, SentHook
from bot.outbox.transport import Outcome, redact
from storage import outbox as store
from storage.models import OutboxMessage

log = logging.getLogger("returbot.outbox")

BACKOFF_CAP = 300.0


@dataclass(frozen=True)
class Recorder:
    """Records outcomes: how often to try, whom to tell, what runs when a kind is sent."""

    max_attempts: int
    alerts: Alerts
    hooks: Mapping[str, Sequence[SentHook]]

    def apply(
        self,
        session: Session,
        claimed: Claimed,
        outcome: Outcome,
        now: datetime,
        *,
        careful: bool = True,
    ) -> str:
        """Record ``outcome`` on the row (locked); says what it came to: sent, retried,
        failed, or skipped (the row was gone or another worker had settled it).

        A message sent is recorded by one statement, and its kind's hooks run in the same
        transaction; ``careful``, the row is read first and each hook runs in a savepoint, so
        that a failing hook is logged and the message still recorded. The dispatcher records
        carefully when the quick way failed (and was rolled back)."""
        if outcome.result == "sent" and not careful:
            sent = store.mark_sent(
                session, claimed.id, now=now, ts=outcome.ts, channel=outcome.channel
            )
            if sent is not None:
                for hook in self.hooks.get(sent.kind, ()):
                    hook(session, sent)
                return "sent"
            # gone, or marked sent by another worker: what follows says which
        row = store.locked(session, claimed.id)
        if row is None:
            return "skipped"
        if outcome.result == "sent":
            return self._sent(session, row, outcome, now)
        if row.status != store.PENDING:
            return "skipped"
        row.attempts += 1
        row.last_error = outcome.error[:500]
        if outcome.result == "unbuildable":
            return self._unbuildable(session, row, claimed, outcome.error, now)
        if outcome.unsure and row.method in (POST, UPLOAD) and row.unsure_since is None:
            row.unsure_since = now
        row.claimed_by = row.claimed_until = None
        delay = self._retry_in(row, outcome)
        if delay is not None:
            row.next_attempt_at = now + timedelta(seconds=delay)
            return "retried"
        row.status = store.FAILED
        log.info(
            "outbox #%d (%s) to %s failed for good: %s",
            row.id, row.kind, claimed.target, row.last_error,
        )  # fmt: skip
        failed = Failed(row=row, target=claimed.target, payload=claimed.payload)
        gave_up = outcome.result == "transient"
        self.alerts.failed(
            session, failed, fault=outcome.fault, gave_up=gave_up, now=now, team=outcome.team
        )
        return "failed"

    def _sent(self, session: Session, row: OutboxMessage, outcome: Outcome, now: datetime) -> str:
        if row.status == store.SENT:
            log.warning("outbox #%d was already marked sent by %s", row.id, row.claimed_by)
            return "skipped"
        # a row cancelled while it was on its way still went out: record what happened
        row.status, row.sent_at = store.SENT, now
        row.result_ts, row.result_channel = outcome.ts, outcome.channel
        row.claimed_by = row.claimed_until = None
        self._run_hooks(session, row)
        return "sent"

    def _retry_in(self, row: OutboxMessage, outcome: Outcome) -> float | None:
        """Seconds until the next attempt; None when there is to be none (failed for good)."""
        if outcome.result == "rate_limited":
            log.info("outbox #%d rate limited; retry in %.0f s", row.id, outcome.retry_after)
            return outcome.retry_after
        if outcome.result != "transient" or row.attempts >= self.max_attempts:
            return None
        delay = min(BACKOFF_CAP, 2.0 ** (row.attempts - 1)) * random.uniform(0.75, 1.0)
        log.info(
            "outbox #%d: %s (attempt %d); retry in %.1f s",
            row.id, row.last_error, row.attempts, delay,
        )  # fmt: skip
        return delay

    def _unbuildable(
        self, session: Session, row: OutboxMessage, claimed: Claimed, why: str, now: datetime
    ) -> str:
        """Fail a message that cannot be put together, and say so: trying again would fail the
        same way."""
        row.status = store.FAILED
        row.claimed_by = row.claimed_until = None
        failed = Failed(row=row, target=claimed.target, payload=claimed.payload)
        self.alerts.unbuildable(session, failed, why, now)
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
