"""The command grammar shared by every command (SPEC §4).

``/<command> [<subcommand>] [free text] [key:value ...]``: options anywhere after the
subcommand, quoted values with spaces, comma-separated lists, Slack's mention and escaping.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.errors import UserError

# straight, typographic and guillemet quotes: Slack clients turn " into “ ” on some keyboards
_OPEN_QUOTES = {'"': '"', "“": "”", "”": "”", "«": "»", "„": "“"}
_OPTION = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_NOT_OPTIONS = {"http", "https", "mailto", "tel", "ftp", "kl"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_REF = re.compile(r"^\s*([A-Za-z])-?(\d{1,9})\s*$")
_SPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class ParsedCommand:
    subcommand: str
    text: str
    options: dict[str, str]


def unescape(text: str) -> str:
    """Undo Slack's escaping of what the user typed: &lt; &gt; and then &amp;."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _tokens(raw: str) -> list[tuple[str, bool]]:
    """Split on whitespace, keeping quoted runs and ``<...>`` markup whole.

    Each token is (text, quoted_value) where quoted_value says the token was ``key:"..."``.
    Newlines become their own tokens so free text keeps its lines.
    """
    out: list[tuple[str, bool]] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\n":
            out.append(("\n", False))
            i += 1
            continue
        if ch.isspace():
            i += 1
            continue
        start = i
        buf: list[str] = []
        quoted_value = False
        while i < n and not raw[i].isspace():
            ch = raw[i]
            if ch in _OPEN_QUOTES:
                close = _OPEN_QUOTES[ch]
                end = raw.find(close, i + 1)
                if ch == '"' or close == "”":
                    # a straight quote may also close a typographic one and vice versa
                    candidates = [p for p in (raw.find('"', i + 1), raw.find("”", i + 1)) if p >= 0]
                    end = min(candidates) if candidates else -1
                if end < 0:
                    raise UserError("parse.unbalanced_quote")
                inner = raw[i + 1 : end]
                prefix = "".join(buf)
                if _OPTION.match(prefix) and prefix.endswith(":") and i == start + len(prefix):
                    quoted_value = True
                    buf.append(inner)
                else:
                    buf.append(raw[i : end + 1])
                i = end + 1
            elif ch == "<":
                end = raw.find(">", i + 1)
                nl = raw.find("\n", i + 1)
                if end < 0 or (0 <= nl < end):
                    buf.append(ch)
                    i += 1
                else:
                    buf.append(raw[i : end + 1])
                    i = end + 1
            else:
                buf.append(ch)
                i += 1
        out.append(("".join(buf), quoted_value))
    return out


def _is_option_like(token: str) -> re.Match[str] | None:
    m = _OPTION.match(token)
    if not m or not m.group(2):
        return None
    if m.group(1).lower() in _NOT_OPTIONS or m.group(2).startswith("//"):
        return None
    return m


def parse_command(
    raw: str, *, subcommands: Collection[str], default: str, options: Collection[str]
) -> ParsedCommand:
    """Split a command's text into its subcommand, free text and ``key:value`` options."""
    raw = _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).replace("\t", " ")
    tokens = _tokens(raw)
    subcommand = default
    words = [tok for tok, _ in tokens if tok != "\n"]
    if words and words[0].lower() in {s.lower() for s in subcommands}:
        subcommand = words[0].lower()
        first = next(i for i, (tok, _) in enumerate(tokens) if tok != "\n")
        tokens = tokens[first + 1 :]
    known = {o.lower() for o in options}
    found: dict[str, str] = {}
    text: list[str] = []
    for token, quoted in tokens:
        match = _is_option_like(token) if not token.startswith("<") else None
        if match is None and quoted:
            match = _OPTION.match(token)
        if match is not None:
            key = match.group(1).lower()
            if key in known:
                if key in found:
                    raise UserError("parse.duplicate_option", option=key)
                found[key] = unescape(match.group(2)).strip()
                continue
            if quoted or not match.group(2)[:1].isdigit():
                valid = ", ".join(f"{o}:" for o in sorted(known)) or "—"
                raise UserError("parse.unknown_option", option=key, valid=valid)
        text.append(token)
    joined = " ".join(text).replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")
    joined = _SPACE.sub(" ", joined).strip()
    return ParsedCommand(subcommand=subcommand, text=unescape(joined), options=found)


def split_list(value: str) -> list[str]:
    """``"RMA, opa,,"`` -> ``["RMA", "opa"]``."""
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_user(value: str) -> str:
    """A Slack mention (``<@U123>`` or ``<@U123|name>``) -> its user ID."""
    m = _USER.match(value.strip())
    if not m:
        raise UserError("parse.bad_user", value=value.strip()[:100])
    return m.group(1)


def parse_ref(value: str, prefix: str) -> int:
    """``D-12``, ``d12`` -> 12 for prefix ``D``."""
    m = _REF.match(value)
    if not m or m.group(1).upper() != prefix.upper() or int(m.group(2)) == 0:
        raise UserError("parse.bad_ref", value=value.strip()[:100], example=f"{prefix.upper()}-1")
    return int(m.group(2))
