"""The outbox: every message the bot sends on its own is first a row that is due.

A use case queues a message with :func:`enqueue` in the same transaction as the change that
caused it (``queue``). A :class:`Dispatcher` claims due rows, sends each through the transport
of its medium outside any transaction, and records the outcome (``dispatcher``): sent, retried
later with backoff (429, 5xx, time-outs), or failed for good, in which case the message's
fallback user or the coordinators are told what to fix (``alerts``). A transport (``transport``)
is an adapter's: Slack's lives in ``handlers/slack_transport.py``.
"""

from bot.outbox.dispatcher import Dispatcher, DispatchReport
from bot.outbox.queue import (
    EMAIL,
    MAIL,
    MAX_BLOCKS,
    MEDIA,
    POST,
    QUEUED,
    SLACK,
    UPDATE,
    UPLOAD,
    Renderer,
    Renderers,
    SentHook,
    enqueue,
    medium_of,
    wake_after_commit,
)
from bot.outbox.transport import Attachment, Outcome, Outgoing, Transport, redact

__all__ = [
    "EMAIL",
    "MAIL",
    "MAX_BLOCKS",
    "MEDIA",
    "POST",
    "QUEUED",
    "SLACK",
    "UPDATE",
    "UPLOAD",
    "Attachment",
    "DispatchReport",
    "Dispatcher",
    "Outcome",
    "Outgoing",
    "Renderer",
    "Renderers",
    "SentHook",
    "Transport",
    "enqueue",
    "medium_of",
    "redact",
    "wake_after_commit",
]
