"""The outbox: every message the bot sends on its own is first a row that is due.

A use case queues a message with :func:`enqueue` in the same transaction as the change that
caused it. A :class:`Dispatcher` claims due rows, sends them outside any transaction, and records
the outcome: sent, retried later with backoff (429, 5xx, time-outs), or failed for good, in which
case the message's fallback user or the coordinators are told by DM what to fix.

A time-out, a dropped connection or a 5xx leaves it open whether Slack posted the message. Every
message therefore carries its outbox ID in Slack message metadata, and the attempt after such a
failure first looks for it in the channel's recent history: found, it is recorded as sent rather
than posted twice.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import re
import secrets
import socket
import threading
import time
import traceback
import urllib.request
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.context import Clock
from bot.text.i18n import t
from storage import common
from storage import outbox as store
from storage.db import Database
from storage.models import Decision, Issue, Meeting, OutboxMessage

log = logging.getLogger("returbot.outbox")

POST = "chat.postMessage"
UPDATE = "chat.update"
UPLOAD = "files.upload_v2"  # a file (payload extra: filename, content, title); text is its comment
MAX_BLOCKS = 50
BACKOFF_CAP = 300.0
METADATA_TYPE = "returbot_outbox"
# how far before an unanswered attempt to look for its message (the client's time-out, clock skew)
LOOKBACK = timedelta(minutes=5)
HISTORY_PAGES = 5
MAX_PENDING_WAKES = 8
QUEUED = "returbot.outbox_queued"  # session.info: this transaction queued a message
# Slack says these are its own trouble: try again later, like a 5xx.
TRANSIENT_ERRORS = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
# A bad or revoked token refuses every message alike; retrying gives an operator time to fix it
# instead of failing the whole queue at once.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel"})
ARCHIVED_ERRORS = frozenset({"is_archived", "channel_is_archived"})
USER_ERRORS = frozenset({"user_not_found", "cannot_dm_bot", "account_inactive", "user_disabled"})

_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
_MARKUP = re.compile(r"[`<>]")  # a fault's words go inside `…` and must not ping or link
UNBUILDABLE = "cannot_build"
# the records a message can be about, as people name them, and the command that shows one
_RECORDS: dict[str, tuple[type[Meeting] | type[Issue] | type[Decision], str]] = {
    "meeting": (Meeting, "/meeting show"),
    "issue": (Issue, "/issue show"),
    "decision": (Decision, "/decision show"),
}
_CODE = re.compile(r"[a-z0-9_]{1,64}")

SentHook = Callable[[Session, OutboxMessage], None]
# kind -> fn(session, row) -> (text, blocks): a message composed when it is sent, so that it
# shows the record as it is then (a notice queued before an acknowledgement shows it)
Renderer = Callable[[Session, OutboxMessage], tuple[str, list[dict[str, Any]] | None]]


class Renderers(dict[str, Renderer]):
    """The renderers one adapter offers, by kind; the composition root hands them all to the
    dispatcher (nothing is registered by importing a module)."""

    def add(self, kind: str) -> Callable[[Renderer], Renderer]:
        """``@renderers.add(KIND)`` on ``fn(session, row) -> (text, blocks)``."""

        def keep(fn: Renderer) -> Renderer:
            self[kind] = fn
            return fn

        return keep


def redact(text: str) -> str:
    """``text`` with anything that looks like a Slack token blanked out."""
    return _TOKEN.sub("xox?-[redacted]", text)


def enqueue(
    session: Session,
    *,
    kind: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    channel: str | None = None,
    user: str | None = None,
    due_at: datetime,
    method: str = POST,
    ts: str | None = None,
    dedupe_key: str | None = None,
    ref_kind: str | None = None,
    ref_id: int | None = None,
    fallback_user: str | None = None,
    extra: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Queue a message in the caller's transaction; None if ``dedupe_key`` was queued before."""
    if (channel is None) == (user is None):
        raise ValueError("a message goes to exactly one of a channel and a user")
    if method == UPDATE and (channel is None or not ts):
        raise ValueError("chat.update needs the channel and the ts of the message")
    if method == UPLOAD and not {"filename", "content"} <= set(extra or {}):
        raise ValueError("an upload needs a filename and the content in extra")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    payload: dict[str, Any] = {
        "text": text,
        "blocks": blocks,
        "ts": ts,
        "fallback_user": fallback_user,
        "extra": extra or {},
    }
    row = OutboxMessage(
        kind=kind,
        method=method,
        channel=channel,
        user=user,
        payload=payload,
        due_at=due_at,
        next_attempt_at=due_at,
        status=store.PENDING,
        attempts=0,
        dedupe_key=dedupe_key,
        ref_kind=ref_kind,
        ref_id=ref_id,
    )
    if dedupe_key is None:
        store.add(session, row)
        session.info[QUEUED] = True
        return row
    if store.exists_key(session, dedupe_key):
        return None
    session.flush()  # the caller's own pending changes must not be mistaken for a duplicate
    try:
        # the unique index is the final guard when two transactions race past the check
        with session.begin_nested():
            store.add(session, row)
    except IntegrityError:
        return None
    session.info[QUEUED] = True
    return row


def wake_after_commit(factory: sessionmaker[Session], wake: Callable[[], None]) -> None:
    """Call ``wake`` after every commit of a session that queued a message, and only then."""

    def after_commit(session: Session) -> None:
        if session.info.pop(QUEUED, False):
            wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(QUEUED, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)


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


@dataclass(frozen=True)
class _Built:
    """What a Slack call sends, checked before any call is made."""

    text: str
    blocks: list[dict[str, Any]] | None
    ts: str | None = None
    content: bytes = b""
    filename: str = ""
    title: str = ""


@dataclass(frozen=True)
class _Outcome:
    # unbuildable: the message cannot be put together (a fault in returbot, or its record is
    # gone); no attempt would go better, so it fails for good at once
    result: Literal["sent", "rate_limited", "transient", "refused", "unbuildable"]
    error: str = ""
    retry_after: float = 0.0
    ts: str | None = None
    channel: str | None = None
    unsure: bool = False  # no answer came back: Slack may have posted the message all the same


def _default_worker() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"


def retry_after(headers: Mapping[str, Any]) -> float:
    """Seconds a 429 asks to wait (``Retry-After``, any case; at least 1, 1 when unreadable)."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(1.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def _classify(response: SlackResponse) -> _Outcome:
    """How to treat a Slack answer that is not ``ok``: rate limited, transient or refused."""
    status = int(response.status_code)
    data = response.data if isinstance(response.data, dict) else {}
    raw = str(data.get("error") or "")
    code = raw if _CODE.fullmatch(raw) else ""
    if status == 429 or code in RATE_LIMITED:
        return _Outcome("rate_limited", code or "ratelimited", retry_after(response.headers))
    if status >= 500 or status == 408:
        error = f"http_{status}" + (f": {code}" if code else "")
        return _Outcome("transient", error, unsure=True)
    if code in TRANSIENT_ERRORS or code in AUTH_ERRORS:
        return _Outcome("transient", code)
    return _Outcome("refused", code or (f"http_{status}" if status != 200 else "unknown_error"))


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError):
        return "timeout"
    return f"connection_error: {type(reason or error).__name__}"


def _where(lang: str, target: str, is_user: bool) -> str:
    if is_user:
        return t(lang, "outbox.where_user", user=target)
    return t(lang, "outbox.where_channel", channel=target)


def _fix(lang: str, error: str, is_user: bool, attempts: int, gave_up: bool) -> str:
    if gave_up:
        return t(lang, "outbox.fix_gave_up", attempts=attempts)
    if is_user and (error in USER_ERRORS or error in CHANNEL_ERRORS):
        return t(lang, "outbox.fix_user")
    if error in CHANNEL_ERRORS:
        return t(lang, "outbox.fix_channel")
    if error in ARCHIVED_ERRORS:
        return t(lang, "outbox.fix_archived")
    if error in USER_ERRORS:
        return t(lang, "outbox.fix_user")
    return t(lang, "outbox.fix_message")


def _marker(row: _Claimed) -> dict[str, Any]:
    """What identifies a message as this outbox row's in Slack (the time tells databases apart)."""
    queued = row.queued_at.isoformat() if row.queued_at else ""
    return {"outbox_id": row.id, "queued_at": queued}


def _has_marker(message: Mapping[str, Any], marker: Mapping[str, Any]) -> bool:
    metadata = message.get("metadata") or {}
    return bool(
        metadata.get("event_type") == METADATA_TYPE and metadata.get("event_payload") == marker
    )


def _has_file(message: Mapping[str, Any], file_ids: Collection[str]) -> bool:
    return any(f.get("id") in file_ids for f in message.get("files") or [] if isinstance(f, dict))


def _excerpt(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _reason(error: BaseException) -> str:
    """A fault in a few words that are safe to show a coordinator: no token, no markup."""
    said = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return _excerpt(_MARKUP.sub("'", redact(said)), 200)


def _build(row: _Claimed) -> _Built:
    """The Slack call's content; raises if the row cannot make a message."""
    payload = row.payload
    text = payload.get("text") or ""
    blocks = payload.get("blocks")
    if not isinstance(text, str):
        raise TypeError(f"the text is a {type(text).__name__}")
    if blocks is not None and not isinstance(blocks, list):
        raise TypeError(f"the blocks are a {type(blocks).__name__}")
    if row.method == UPDATE:
        if not payload.get("ts"):
            raise ValueError("chat.update without the ts of the message")
        return _Built(text, blocks, ts=str(payload["ts"]))
    if row.method != UPLOAD:
        return _Built(text, blocks, ts=str(payload["ts"]) if payload.get("ts") else None)
    extra = payload.get("extra") or {}
    content, filename = extra.get("content"), extra.get("filename")
    if not isinstance(content, str) or not isinstance(filename, str) or not filename:
        raise ValueError("an upload without its file's name and content")
    title = str(extra.get("title") or filename)
    return _Built(text, blocks, content=content.encode("utf-8"), filename=filename, title=title)


@dataclass(frozen=True)
class _About:
    """The record a message is about: ``M-5`` while it exists, ``meeting #5`` once it is gone."""

    kind: str | None
    ref: str
    exists: bool
    command: str = ""


def _about(session: Session, row: OutboxMessage) -> _About:
    if row.ref_kind is None or row.ref_id is None:
        return _About(row.ref_kind, "", exists=False)
    known = _RECORDS.get(row.ref_kind)
    if known is None:
        return _About(row.ref_kind, f"{row.ref_kind} #{row.ref_id}", exists=True)
    model, command = known
    number = session.scalar(select(model.number).where(model.id == row.ref_id))
    if number is None:
        return _About(row.ref_kind, f"{row.ref_kind} #{row.ref_id}", exists=False)
    ref = model.ref_of(number)
    return _About(row.ref_kind, ref, exists=True, command=f"{command} {ref}")


def _about_words(lang: str, about: _About) -> str:
    """`` about *M-5*``, `` about a record that is no longer…``, or nothing."""
    if about.kind == "digest":
        record = t(lang, "outbox.record_digest")
    elif about.command:
        record = f"*{about.ref}*"
    elif about.ref and not about.exists:
        record = t(lang, "outbox.record_gone", ref=about.ref)
    elif about.ref:
        record = about.ref
    else:
        return ""
    return t(lang, "outbox.about_record", record=record)


def _fix_unbuildable(lang: str, about: _About) -> str:
    if about.command:
        return t(lang, "outbox.fix_unbuildable", command=about.command, record=about.ref)
    if about.ref and not about.exists:
        return t(lang, "outbox.fix_unbuildable_gone")
    return t(lang, "outbox.fix_unbuildable_other")


@dataclass
class Dispatcher:
    """Sends due outbox rows: claim, send outside any transaction, record the outcome."""

    db: Database
    client: WebClient
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
    _slack: WebClient = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # ``client`` without the SDK's quick retry of a dropped connection: that retry would
        # post again a message Slack may have posted; the dispatcher looks before it retries
        self._slack = WebClient(
            token=self.client.token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            ssl=self.client.ssl,
            proxy=self.client.proxy,
            headers=self.client.headers,
            logger=self.client.logger,
            retry_handlers=[],
        )

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
            return payload, _reason(error), ""
        payload["text"], payload["blocks"] = text, blocks
        return payload, "", ""

    def _send(self, row: _Claimed) -> _Outcome:
        if row.broken:
            return _Outcome("unbuildable", row.broken)
        if row.unready:
            return _Outcome("transient", f"composing: {row.unready}")
        try:
            built = _build(row)
        except Exception as error:
            reason = _reason(error)
            log.error("outbox #%d (%s) cannot be sent as queued: %s", row.id, row.kind, reason)
            return _Outcome("unbuildable", reason)
        text, blocks = built.text, built.blocks
        try:
            if row.method == POST:
                if row.unsure_since is not None:
                    marker = _marker(row)
                    found = self._find_posted(row, lambda m: _has_marker(m, marker))
                    if found is not None:
                        return found
                response = self._slack.chat_postMessage(
                    channel=row.target,
                    text=text,
                    blocks=blocks,
                    unfurl_links=False,
                    metadata={"event_type": METADATA_TYPE, "event_payload": _marker(row)},
                )
            elif row.method == UPDATE:
                response = self._slack.chat_update(
                    channel=row.target, ts=str(built.ts), text=text, blocks=blocks
                )
            elif row.method == UPLOAD:
                return self._upload(row, built)
            else:
                args: dict[str, Any] = {"channel": row.target, "text": text}
                args.update({k: v for k, v in (("blocks", blocks), ("ts", built.ts)) if v})
                response = self._slack.api_call(row.method, json=args)
                if response.status_code != 200 or not response.get("ok"):
                    return _classify(response)
        except SlackApiError as error:
            return _classify(error.response)
        except (OSError, http.client.HTTPException) as error:
            return _Outcome("transient", _describe(error), unsure=True)
        except Exception as error:
            # an unexpected fault is retried and, if it persists, reported: never a silent loss
            log.warning("outbox #%d: unexpected %s while sending", row.id, type(error).__name__)
            return _Outcome("transient", f"unexpected: {type(error).__name__}", unsure=True)
        log.debug("outbox #%d (%s) sent to %s", row.id, row.kind, row.target)
        return _Outcome(
            "sent", ts=response.get("ts"), channel=response.get("channel") or row.target
        )

    def _find_posted(
        self,
        row: _Claimed,
        matches: Callable[[dict[str, Any]], bool],
        channel: str | None = None,
    ) -> _Outcome | None:
        """The message of an unanswered attempt if Slack posted it after all; None if it did
        not (post it now); a retry outcome if Slack cannot be asked right now. ``channel``:
        where the row goes, if the caller has opened it already."""
        assert row.unsure_since is not None
        try:
            channel = channel or self._channel(row)
            oldest = f"{(row.unsure_since - LOOKBACK).timestamp():.6f}"
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                page = self._slack.conversations_history(
                    channel=channel, oldest=oldest, limit=200, include_all_metadata=True,
                    cursor=cursor,
                )  # fmt: skip
                for message in page.get("messages") or []:
                    if matches(message):
                        log.info("outbox #%d had reached Slack after all: not sent again", row.id)
                        return _Outcome("sent", ts=message.get("ts"), channel=channel)
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
            return None
        except SlackApiError as error:
            outcome = _classify(error.response)
            if outcome.result == "refused":
                # e.g. missing_scope (channels:history, groups:history, im:history): a duplicate
                # cannot be ruled out, but a message is never held back for it
                log.warning(
                    "outbox #%d: could not look for an unanswered attempt (%s); sending again",
                    row.id,
                    outcome.error,
                )
                return None
            return replace(outcome, unsure=True)
        except (OSError, http.client.HTTPException) as error:
            return _Outcome("transient", _describe(error), unsure=True)

    def _channel(self, row: _Claimed) -> str:
        """Where the message goes: the channel, or the bot's DM with the person."""
        if not row.to_user:
            return row.target
        return str(self._slack.conversations_open(users=row.target)["channel"]["id"])

    def _upload(self, row: _Claimed, built: _Built) -> _Outcome:
        """Slack's three steps of a file upload. The file's ID is recorded before the file is
        shared, so after an unanswered attempt the next one looks for that file in the channel
        before it uploads again."""
        extra = row.payload.get("extra") or {}
        earlier = {str(f) for f in extra.get("file_ids") or []}
        channel = self._channel(row)
        if row.unsure_since is not None and earlier:
            found = self._find_posted(row, lambda m: _has_file(m, earlier), channel)
            if found is not None:
                return found
        content, filename = built.content, built.filename
        url = self._slack.files_getUploadURLExternal(filename=filename, length=len(content))
        file_id = str(url["file_id"])
        upload_url = str(url["upload_url"])
        if not upload_url.startswith(("https://", "http://")):
            return _Outcome("refused", "invalid_upload_url")
        self._note_file(row.id, file_id)
        request = urllib.request.Request(  # noqa: S310 - an http(s) URL Slack gave for this file
            upload_url,
            data=content,
            method="POST",
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=self._slack.timeout, context=self._slack.ssl
        ) as answer:
            answer.read()
        self._slack.files_completeUploadExternal(
            files=[{"id": file_id, "title": built.title}],
            channel_id=channel,
            initial_comment=built.text or None,
        )
        return _Outcome("sent", channel=channel)

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

    def _record(self, row: _Claimed, outcome: _Outcome) -> str:
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

    def _apply(self, session: Session, claimed: _Claimed, outcome: _Outcome) -> str:
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
        self._after_failure(session, row, claimed, gave_up=outcome.result == "transient")
        return "failed"

    def _unbuildable(
        self, session: Session, row: OutboxMessage, claimed: _Claimed, reason: str
    ) -> str:
        """Fail a message that cannot be put together, and tell the coordinators once which
        message, for which record, and what to do: trying again would fail the same way."""
        about = _about(session, row)
        row.status = store.FAILED
        row.claimed_by = row.claimed_until = None
        row.last_error = f"{UNBUILDABLE}: {about.ref or row.kind}: {reason}"[:500]
        log.error("outbox #%d (%s) failed for good: %s", row.id, row.kind, row.last_error)
        if row.kind == "alert":
            return "failed"  # an alert about an alert would loop; failed() still lists it
        now = self.clock.now()
        is_user = row.channel is None
        fallback = claimed.payload.get("fallback_user")
        if fallback and fallback not in self.coordinators:
            # the person who asked for it was told it was coming
            lang = common.user_language(session, fallback) or self.lang
            enqueue(
                session, kind="fallback", user=fallback, due_at=now,
                text=t(lang, "outbox.unbuildable_note", about=_about_words(lang, about),
                       where=_where(lang, claimed.target, is_user)),
                dedupe_key=f"fallback:{row.id}", extra={"failed": row.id, "kind": row.kind},
            )  # fmt: skip
        if not self.coordinators:
            log.warning("outbox #%d cannot be built and no coordinator is configured", row.id)
            return "failed"
        day = now.astimezone(self.tz).date().isoformat()
        for coordinator in self.coordinators:
            lang = common.user_language(session, coordinator) or self.lang
            text = t(
                lang, "outbox.alert_unbuildable", about=_about_words(lang, about),
                where=_where(lang, claimed.target, is_user), kind=row.kind, error=reason,
                fix=_fix_unbuildable(lang, about),
            )  # fmt: skip
            # once a day per message kind and record, however many of its messages fail
            key = f"alert:{UNBUILDABLE}:{row.kind}:{about.ref}:{day}:{coordinator}"
            queued = enqueue(
                session, kind="alert", text=text, user=coordinator, due_at=now,
                dedupe_key=key[:200],
                extra={"failed": row.id, "error": row.last_error, "target": claimed.target},
            )  # fmt: skip
            if queued is not None:
                log.info("outbox #%d: alert queued for coordinator %s", row.id, coordinator)
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

    def _after_failure(
        self, session: Session, row: OutboxMessage, claimed: _Claimed, *, gave_up: bool
    ) -> None:
        error = row.last_error or "unknown_error"
        is_user = row.channel is None
        payload = claimed.payload
        now = self.clock.now()
        fallback = payload.get("fallback_user")
        if fallback:
            lang = common.user_language(session, fallback) or self.lang
            note = t(
                lang,
                "outbox.fallback_note",
                where=_where(lang, claimed.target, is_user),
                error=error,
            )
            if row.method == UPLOAD:
                # the file itself goes to the person instead, with a word on why
                enqueue(
                    session, kind=row.kind, method=UPLOAD, text=note, user=fallback, due_at=now,
                    dedupe_key=f"fallback:{row.id}", ref_kind=row.ref_kind, ref_id=row.ref_id,
                    extra=payload.get("extra"),
                )  # fmt: skip
                log.info("outbox #%d: the file goes to %s by DM instead", row.id, fallback)
                return
            blocks = payload.get("blocks")
            if blocks and len(blocks) < MAX_BLOCKS:
                blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
                blocks += payload["blocks"]
            enqueue(
                session,
                kind="fallback",
                text=f"{note}\n\n{payload.get('text') or ''}",
                blocks=blocks,
                user=fallback,
                due_at=now,
                dedupe_key=f"fallback:{row.id}",
                ref_kind=row.ref_kind,
                ref_id=row.ref_id,
                extra={"failed": row.id, "kind": row.kind},
            )
            log.info("outbox #%d: fallback DM queued for %s", row.id, fallback)
            return
        if row.kind == "alert":
            return  # an alert about an alert would loop; failed() still lists it
        if not self.coordinators:
            log.warning(
                "outbox #%d to %s failed (%s) and no coordinator is configured to tell",
                row.id,
                claimed.target,
                error,
            )
            return
        code = error.split(":", 1)[0]
        day = now.astimezone(self.tz).date().isoformat()
        for coordinator in self.coordinators:
            lang = common.user_language(session, coordinator) or self.lang
            text = t(
                lang,
                "outbox.alert",
                where=_where(lang, claimed.target, is_user),
                error=error,
                fix=_fix(lang, code, is_user, row.attempts, gave_up),
                excerpt=_excerpt(str(payload.get("text") or "")),
            )
            queued = enqueue(
                session,
                kind="alert",
                text=text,
                user=coordinator,
                due_at=now,
                dedupe_key=f"alert:{claimed.target}:{code}:{day}:{coordinator}"[:200],
                extra={"failed": row.id, "error": error, "target": claimed.target},
            )
            if queued is not None:
                log.info("outbox #%d: alert queued for coordinator %s", row.id, coordinator)
