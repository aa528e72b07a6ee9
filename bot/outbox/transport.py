"""What the dispatcher asks of a transport, and what a transport answers.

A transport (Slack's in ``handlers/``, e-mail's in ``mail/``) sends one :class:`Outgoing` message
and says how it went as an :class:`Outcome`; it keeps no state of its own about the queue. The
dispatcher decides what an outcome means for the row: sent, tried again later, or failed for good
with the people told what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
_MARKUP = re.compile(r"[`<>]")  # a fault's words go inside `…` and must not ping or link

Result = Literal["sent", "rate_limited", "transient", "refused", "unbuildable"]
# what a refusal says about its target, for the words that tell a coordinator what to fix:
# the channel is gone or the bot is not in it, the channel is archived, the person cannot be
# reached; Slack will not deliver a DM to the person (a user of another organisation, Slack
# Connect: it goes to their department's channel instead); "" for anything else (the message)
Fault = Literal["", "channel", "archived", "user", "dm_refused"]


@dataclass(frozen=True)
class Attachment:
    """A file a message carries (an upload): its bytes, its name and its title."""

    content: bytes
    filename: str
    title: str


@dataclass(frozen=True)
class Outgoing:
    """One message to send, checked and composed: a transport sends it as it is."""

    id: int  # the outbox row's
    kind: str
    method: str
    target: str  # a channel, or a person (``to_user``)
    to_user: bool
    text: str
    blocks: list[dict[str, Any]] | None
    ts: str | None = None  # the message an update replaces
    file: Attachment | None = None
    # what identifies the message as this row's where it arrives (the outbox ID and the time it
    # was queued, which tells databases apart)
    marker: Mapping[str, Any] = field(default_factory=dict)
    # an earlier attempt got no answer at this time: the message may be there already
    unsure_since: datetime | None = None
    file_ids: tuple[str, ...] = ()  # files earlier attempts uploaded


@dataclass(frozen=True)
class Outcome:
    """How one attempt went."""

    # unbuildable: the message cannot be put together (a fault in returbot, or its record is
    # gone); no attempt would go better, so it fails for good at once
    result: Result
    error: str = ""  # a short code, safe to log and to show a coordinator
    retry_after: float = 0.0  # seconds, for rate_limited
    ts: str | None = None  # the sent message's ID where it arrived
    channel: str | None = None  # where it arrived (a person's DM channel, for one)
    unsure: bool = False  # no answer came back: the message may have arrived all the same
    fault: Fault = ""
    team: str | None = None  # a refused DM's person's Slack team, where Slack said it


class Transport(Protocol):
    """Sends messages of one medium (``bot.outbox.queue.MEDIA``)."""

    def send(self, message: Outgoing, note_file: Callable[[str], None]) -> Outcome:
        """Send ``message``; never raises for a failure of the far side (it is an outcome).
        ``note_file(file_id)`` records a file uploaded before it is shared, so that the attempt
        after an unanswered one can look for it instead of uploading it again."""
        ...


def redact(text: str) -> str:
    """``text`` with anything that looks like a Slack token blanked out."""
    return _TOKEN.sub("xox?-[redacted]", text)


def excerpt(text: str, limit: int = 300) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def reason(error: BaseException) -> str:
    """A fault in a few words that are safe to show a coordinator: no token, no markup."""
    said = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return excerpt(_MARKUP.sub("'", redact(said)), 200)
