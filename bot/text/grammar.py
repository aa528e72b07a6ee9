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


class _Next:
    """Where a character next occurs at or after a position, each search done at most once.

    The tokenizer asks for the next closing quote or ``>`` from many positions; a fresh
    ``str.find`` from each would rescan the rest of the text every time (quadratic).
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: dict[str, int] = {}

    def __call__(self, char: str, start: int) -> int:
        found = self._found.get(char)
        if found is None or (0 <= found < start):
            found = self._text.find(char, start)
            self._found[char] = found
        return found


# the closing quotes each opening quote accepts: a straight quote may also close a
# typographic one and vice versa
_CLOSERS = {'"': ('"', "”"), "“": ('"', "”"), "”": ('"', "”"), "«": ("»",), "„": ("“",)}
_KEY = re.compile(r"[A-Za-z_]+:")


def _tokens(raw: str) -> list[tuple[str, bool]]:
    """Split on whitespace, keeping quoted runs and ``<...>`` markup whole.

    Each token is (text, quoted_value) where quoted_value says the token was ``key:"..."``.
    Newlines become their own tokens so free text keeps its lines. One pass: every search
    ahead is remembered (``_Next``), so the time is linear in the length of ``raw``.
    """
    out: list[tuple[str, bool]] = []
    after = _Next(raw)
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
        key = _KEY.match(raw, start)
        key_end = key.end() if key else -1
        buf: list[str] = []
        quoted_value = False
        while i < n and not raw[i].isspace():
            ch = raw[i]
            if ch in _CLOSERS:
                ends = [p for p in (after(c, i + 1) for c in _CLOSERS[ch]) if p >= 0]
                if not ends:
                    raise UserError("parse.unbalanced_quote")
                end = min(ends)
                # ``key:"..."``: the quotes are the value's, and only the first pair after the key
                if not quoted_value and 0 < key_end <= i and raw[i - 1] == ":":
                    quoted_value = True
                    buf.append(raw[i + 1 : end])
                else:
                    buf.append(raw[i : end + 1])
                i = end + 1
            elif ch == "<":
                end = after(">", i + 1)
                nl = after("\n", i + 1)
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
