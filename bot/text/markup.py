"""User text shown for what it is in Slack (SPEC §6): nothing pings, no link is disguised.

Broadcasts and typed user mentions become plain ``@name`` text, a link whose label is not its
own address shows its address, and anything else that looks like markup is shown as typed. The
markup is read once, in one pass; :func:`pieces` tells the identity-number check where each
shown character came from, so it reads the text as a person sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


class Markup(str):
    """mrkdwn the bot composed itself from stored or configured IDs: shown as it is."""

    __slots__ = ()


_BROADCAST = re.compile(r"!(channel|here|everyone)(?:\|.*)?", re.DOTALL)
_SUBTEAM = re.compile(r"!subteam\^[^|]*(?:\|(.*))?", re.DOTALL)
_SPECIAL = re.compile(r"![^|]*(?:\|(.*))?", re.DOTALL)
_USER = re.compile(r"@([UW][A-Z0-9]+)(?:\|(.*))?", re.DOTALL)
_CHANNEL = re.compile(r"#([CG][A-Z0-9]+)(?:\|.*)?", re.DOTALL)
_LINK = re.compile(r"((?:https?|mailto):[^\s|]*)(?:\|(.*))?", re.DOTALL)
_SCHEME = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)

# a piece of what is shown: its text, and where it starts in the user's text (None: the bot's)
Piece = tuple[str, int | None]


@dataclass(frozen=True)
class Span:
    """One ``<...>`` run: what Slack should be sent for it, and what a reader sees of it."""

    live: str | None  # markup to send as it is (a link, a channel), or None: send ``shown`` escaped
    shown: list[Piece]
    labelled: list[Piece] | None = None  # what its label says, where that is not what is shown


def _markup(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each ``<...>`` run as Slack reads it: from the last ``<`` before a ``>``."""
    pos = 0
    while (close := text.find(">", pos)) >= 0:
        start = text.rfind("<", pos, close)
        if start >= 0:
            yield start, close + 1
        pos = close + 1


def _label(match: re.Match[str], group: int, text_start: int) -> Piece | None:
    """The ``|label`` part of a match as a piece of the user's text, if it has one."""
    if match.group(group) is None:
        return None
    return match.group(group), text_start + match.start(group)


def _honest(target: str, label: str) -> bool:
    """Whether a link's label is its own address (as Slack's auto-links are), not another."""
    bare = _SCHEME.sub("", target)
    return label in (target, bare, bare.rstrip("/"))


def _span(text: str, start: int, end: int) -> Span | None:
    """How one ``<...>`` run is shown; None when it is no markup Slack knows (shown as typed)."""
    inner, at = text[start + 1 : end - 1], start + 1
    if m := _BROADCAST.fullmatch(inner):
        return Span(None, [("@" + m.group(1), None)])
    if m := _SUBTEAM.fullmatch(inner):
        label = (m.group(1) or "").lstrip("@")
        if not label:
            return Span(None, [("@group", None)])
        return Span(None, [("@", None), (label, at + m.end(1) - len(label))])
    if m := _SPECIAL.fullmatch(inner):
        piece = _label(m, 1, at)
        return Span(None, [piece] if piece else [])
    if m := _USER.fullmatch(inner):
        label = (m.group(2) or "").lstrip("@")
        name = (label, at + m.end(2) - len(label)) if label else (m.group(1), at + m.start(1))
        return Span(None, [("@", None), name])
    if m := _CHANNEL.fullmatch(inner):
        # Slack shows the channel's own name, whatever label was typed; nobody is notified
        return Span(f"<#{m.group(1)}>", [("#", None), (m.group(1), at + m.start(1))])
    if m := _LINK.fullmatch(inner):
        target, label = m.group(1), m.group(2)
        said = _label(m, 2, at)
        if said is not None and label != target and _honest(target, label):
            return Span(f"<{_amp(target)}|{_amp(label)}>", [said])
        return Span(f"<{_amp(target)}>", [(target, at + m.start(1))], [said] if said else None)
    return None


def spans(text: str) -> list[tuple[int, int, Span]]:
    """Every run of markup Slack knows, where it is and how it is shown."""
    found = []
    for start, end in _markup(text):
        span = _span(text, start, end)
        if span is not None:
            found.append((start, end, span))
    return found


def pieces(
    text: str, spans: list[tuple[int, int, Span]], *, labels: bool = False
) -> Iterator[tuple[list[Piece], str | None]]:
    """The text as shown, run by run: its pieces, and the live markup that stands for them.

    ``labels``: links as their labels say, as a renderer that trusts labels would show them.
    """
    pos = 0
    for start, end, span in spans:
        if start > pos:
            yield [(text[pos:start], pos)], None
        yield (span.labelled if labels and span.labelled else span.shown), span.live
        pos = end
    if pos < len(text):
        yield [(text[pos:], pos)], None


def _amp(text: str) -> str:
    return text.replace("&", "&amp;")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """User text made safe to show in mrkdwn: nothing pings, links show where they lead."""
    if "<" not in text:  # no markup Slack reads: only the characters to escape (most text)
        return _escape(text)
    return "".join(
        live or _escape("".join(p for p, _ in shown)) for shown, live in pieces(text, spans(text))
    )


def plain(text: str) -> str:
    """User text for plain_text objects: what mrkdwn would show, without markup."""
    if "<" not in text:
        return text
    return "".join(p for shown, _live in pieces(text, spans(text)) for p, _ in shown)
