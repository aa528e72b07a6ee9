"""Privacy and safety of SPEC §6, in one place every command uses."""

from __future__ import annotations

import hashlib
import re
from typing import Final

from bot.errors import UserError

TITLE_LIMIT: Final = 200
TEXT_LIMIT: Final = 3000

# 11 digits, optionally written 6 + 5 with a space, dot or dash, not part of a longer number
_CANDIDATE = re.compile(r"(?<![\d])(\d{6})[ .\-]?(\d{5})(?![\d])")
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    k = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return 0 if k == 11 else None if k == 10 else k


def is_identity_number(digits: str) -> bool:
    """True for 11 digits whose two mod-11 check digits are valid (fødselsnummer, D-nummer)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    k1 = _check_digit(digits[:9], _W1)
    if k1 is None or k1 != int(digits[9]):
        return False
    k2 = _check_digit(digits[:10], _W2)
    return k2 is not None and k2 == int(digits[10])


def contains_identity_number(text: str) -> bool:
    """Whether ``text`` holds a Norwegian national identity number anywhere."""
    return any(is_identity_number(m.group(1) + m.group(2)) for m in _CANDIDATE.finditer(text))


def check_text(value: str, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    """Validate one free-text field: required, length-bounded, no identity numbers."""
    value = value.strip()
    if required and not value:
        raise UserError("safety.required", field=field)
    if len(value) > limit:
        raise UserError("safety.too_long", field=field, limit=limit, length=len(value))
    if contains_identity_number(value):
        raise UserError("safety.identity_number", field=field)
    return value


_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_OTHER_SPECIAL = re.compile(r"<!(?:date\^[^|>]*\|([^>]*)|[^>]*)>")
# Slack markup that may be echoed as it is: user and channel mentions, links
_SAFE_MARKUP = re.compile(
    r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|(?:https?|mailto):[^<>\s]*)(?:\|[^<>]*)?>"
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """User text made safe to echo in mrkdwn: broadcasts never ping, only known markup survives."""
    text = _BROADCAST.sub(lambda m: "@" + m.group(1), text)
    text = _SUBTEAM.sub(lambda m: (m.group(1) or "@group").lstrip("@").join(("@", "")), text)
    text = _OTHER_SPECIAL.sub(lambda m: m.group(1) or "", text)
    out: list[str] = []
    pos = 0
    for m in _SAFE_MARKUP.finditer(text):
        out.append(_escape(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def plain(text: str) -> str:
    """User text for plain_text objects and notification fallbacks: no markup at all."""
    text = _BROADCAST.sub(lambda m: "@" + m.group(1), text)
    text = _SUBTEAM.sub(lambda m: (m.group(1) or "@group").lstrip("@").join(("@", "")), text)
    return _OTHER_SPECIAL.sub(lambda m: m.group(1) or "", text)


def fingerprint(command: str, text: str) -> str:
    """The identity of a create command for the 60-second resend guard."""
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(f"{command}\n{normal}".encode()).hexdigest()
