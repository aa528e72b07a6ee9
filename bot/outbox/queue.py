"""Queueing a message: a row that is due, written in the caller's transaction.

A use case calls :func:`enqueue` beside the change that caused the message, so the two commit
together or not at all; :func:`wake_after_commit` tells a dispatcher after the commit, never
before, that there is something to send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage import outbox as store
from storage.models import OutboxMessage

# What a row asks its transport to do: Slack's Web API methods (another method is passed to
# Slack as it is), and an e-mail.
POST = "chat.postMessage"
UPDATE = "chat.update"
UPLOAD = "files.upload_v2"  # a file (payload extra: filename, content, title); text is its comment
MAIL = "email.send"  # to ``address``: the text's first line is the subject; extra may hold a file
SLACK = "slack"
EMAIL = "email"
# the medium (and so the transport) of each method; a method not listed goes to Slack
MEDIA: dict[str, str] = {POST: SLACK, UPDATE: SLACK, UPLOAD: SLACK, MAIL: EMAIL}
MAX_BLOCKS = 50
QUEUED = "returbot.outbox_queued"  # session.info: this transaction queued a message

SentHook = Callable[[Session, OutboxMessage], None]
# kind -> fn(session, row) -> (text, blocks): a message composed when it is sent, so that it
# shows the record as it is then (a notice queued before an acknowledgement shows it)
Renderer = Callable[[Session, OutboxMessage], tuple[str, list[dict[str, Any]] | None]]


def medium_of(method: str) -> str:
    """The medium a row of ``method`` is sent through (the key of its transport)."""
    return MEDIA.get(method, SLACK)


class Renderers(dict[str, Renderer]):
    """The renderers one adapter offers, by kind; the composition root hands them all to the
    dispatcher (nothing is registered by importing a module)."""

    def add(self, kind: str) -> Callable[[Renderer], Renderer]:
        """``@renderers.add(KIND)`` on ``fn(session, row) -> (text, blocks)``."""

        def keep(fn: Renderer) -> Renderer:
            self[kind] = fn
            return fn

        return keep


def _checked(
    *, channel: str | None, user: str | None, address: str | None, method: str,
    ts: str | None, extra: dict[str, Any] | None, due_at: datetime,
) -> None:  # fmt: skip
    if [channel, user, address].count(None) != 2:
        raise ValueError("a message goes to exactly one of a channel, a user and an address")
    if (method == MAIL) != (address is not None):
        raise ValueError("an e-mail goes to an address, and only an e-mail does")
    if method == UPDATE and (channel is None or not ts):
        raise ValueError("chat.update needs the channel and the ts of the message")
    if method == UPLOAD and not {"filename", "content"} <= set(extra or {}):
        raise ValueError("an upload needs a filename and the content in extra")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")


def enqueue(
    session: Session,
    *,
    kind: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    channel: str | None = None,
    user: str | None = None,
    address: str | None = None,
    due_at: datetime,
    method: str = POST,
    ts: str | None = None,
    dedupe_key: str | None = None,
    ref_kind: str | None = None,
    ref_id: int | None = None,
    fallback_user: str | None = None,
    extra: dict[str, Any] | None = None,
    at_commit: bool = False,
) -> OutboxMessage | None:
    """Queue a message in the caller's transaction; None if ``dedupe_key`` was queued before.

    ``at_commit`` (a message without a dedupe key): its row is written with the transaction's
    other put-off writes, in one round trip on PostgreSQL, and its id stays unknown."""
    _checked(
        channel=channel, user=user, address=address, method=method, ts=ts, extra=extra,
        due_at=due_at,
    )  # fmt: skip
    payload: dict[str, Any] = {
        "text": text,
        "blocks": blocks,
        "ts": ts,
        "fallback_user": fallback_user,
        "extra": extra or {},
    }
    row = OutboxMessage(
        kind=kind, method=method, channel=channel, user=user, address=address, payload=payload,
        due_at=due_at,
        next_attempt_at=due_at, status=store.PENDING, attempts=0, dedupe_key=dedupe_key,
        ref_kind=ref_kind, ref_id=ref_id,
    )  # fmt: skip
    if dedupe_key is None:
        store.add(session, row, at_commit=at_commit)
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
