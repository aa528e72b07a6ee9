"""Small Block Kit builders within Slack's limits (3,000 characters a section, 150 a header)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.orgconfig import OrgConfig
from bot.text import guard
from bot.text.formats import format_number
from bot.text.i18n import t
from handlers.ids import Action

Block = dict[str, Any]
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def clip(text: str, limit: int) -> str:
    """Text cut to ``limit`` characters with an ellipsis, for display only."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    """A heading; user text in it shows as mrkdwn would show it (links by their address)."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(guard.plain(text), HEADER_LIMIT)},
    }


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)},
    }
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def sections(text: str) -> list[Block]:
    """Long mrkdwn split over as many sections as it needs, on line breaks where possible."""
    out: list[Block] = []
    rest = text
    while rest:
        if len(rest) <= SECTION_LIMIT:
            out.append(section(rest))
            break
        cut = rest.rfind("\n", 0, SECTION_LIMIT)
        if cut <= 0:
            cut = rest.rfind(" ", 0, SECTION_LIMIT)
        if cut <= 0:
            cut = SECTION_LIMIT
        out.append(section(rest[:cut]))
        rest = rest[cut:].lstrip("\n")
    return out


def fields(pairs: Iterable[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten to a section (Slack's limit)."""
    items = [
        {"type": "mrkdwn", "text": clip(f"*{label}*\n{value}", 2000)}
        for label, value in pairs
        if value
    ]
    return [{"type": "section", "fields": items[i : i + 10]} for i in range(0, len(items), 10)]


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, 75)},
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    return element


OPEN_IN_BROWSER = "open_in_browser"  # a link button's action: Slack opens the URL itself
_PAGES = {"D": "decisions", "I": "issues", "M": "meetings"}


def page_url(web: str | None, ref: str | None = None, page: str | None = None) -> str | None:
    """The register's page of ``ref`` (``I-3`` → ``…/issues/I-3``), or of a list (``page``);
    None when the web is not configured."""
    if not web:
        return None
    if ref:
        return f"{web}/{_PAGES[ref[0]]}/{ref}"
    return f"{web}/{page or 'decisions'}"


def link_button(lang: str, url: str) -> Block:
    """*Open in browser*: a button that opens ``url`` (SPEC §9)."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": t(lang, "common.open_in_browser")},
        "action_id": OPEN_IN_BROWSER,
        "url": url[:3000],
    }


def form_input(
    block: str, label: str, element: Block, *, optional: bool = True, hint: str = ""
) -> Block:
    """A modal's input block: its one element answers to ``Action.VALUE``."""
    out: Block = {
        "type": "input",
        "block_id": block,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": Action.VALUE},
        "optional": optional,
    }
    if hint:
        out["hint"] = {"type": "plain_text", "text": hint}
    return out


def text_input(
    max_length: int, *, initial: str = "", multiline: bool = False, placeholder: str = ""
) -> Block:
    """A plain-text element for ``form_input``, pre-filled with ``initial`` cut to fit."""
    element: Block = {"type": "plain_text_input", "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return element


def option(text: str, value: str) -> Block:
    """One choice of a select menu (Slack shows 75 characters of its text)."""
    return {"text": {"type": "plain_text", "text": clip(text, 75)}, "value": value}


def department_options(org: OrgConfig) -> list[Block]:
    """The organisation's departments as a select menu's choices (Slack takes 100)."""
    return [option(f"{d.code} – {d.name}", d.code) for d in org.departments][:100]


def modal_view(
    callback_id: str,
    lang: str,
    *,
    title: str,
    submit: str,
    metadata: dict[str, Any],
    blocks: list[Block],
) -> Block:
    """A modal with a submit and a cancel button; ``metadata`` rides along as JSON."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": clip(title, 24)},
        "submit": {"type": "plain_text", "text": clip(submit, 24)},
        "close": {"type": "plain_text", "text": clip(t(lang, "common.cancel"), 24)},
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def actions(elements: Sequence[Block], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def quote(text: str) -> str:
    """User text for mrkdwn: safe (no broadcast pings, escaped markup)."""
    return guard.mrkdwn(text)


def more(lang: str, shown: int, total: int, command: str) -> list[str]:
    """``… og 12 til: `/issue list``` when a list shows fewer than it has, else nothing."""
    if total <= shown:
        return []
    return [t(lang, "common.more", count=format_number(total - shown, lang), command=command)]
