"""Block Kit for search results (SPEC §4.5, §11): each hit by its ID, with its kind, title,
status and the words around what matched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.search import Found
from bot.text.i18n import Lang, t
from handlers.views.blocks import clip, context, quote, section
from handlers.views.decisions import status_text
from storage.models import Decision, Issue

Blocks = list[dict[str, Any]]


def _status(found: Found, lang: Lang) -> str:
    record = found.record
    if isinstance(record, Decision):
        return status_text(record, lang)
    if isinstance(record, Issue):
        return t(lang, f"issue.status_{record.status}")
    return t(lang, f"meeting.status_{record.status}")


def line(found: Found, lang: Lang) -> str:
    """``*D-12* Felles rutine for uttransport — Beslutning · Gjeldende``."""
    kind = t(lang, f"search.kind_{found.kind}")
    title = quote(clip(found.record.title, 200))
    return f"*{found.record.ref}* {title} — {kind} · {_status(found, lang)}"


def hits(found: Sequence[Found], lang: Lang) -> tuple[str, Blocks]:
    """The hits, best first, each with its snippet beneath it; a sentence when there are none."""
    if not found:
        text = t(lang, "search.empty")
        return text, [section(text)]
    blocks: Blocks = [context(t(lang, "search.title"))]
    lines: list[str] = []
    for one in found:
        text = line(one, lang)
        if one.snippet:
            text += "\n> " + quote(clip(one.snippet, 300))
        lines.append(text)
        blocks.append(section(text))
    return "\n".join(lines), blocks
