"""Privacy and safety of SPEC §6, in one place every command, form and view uses.

Free text is checked here (required, length, no identity number) and echoed safely; the two
readings behind it live beside this module: ``bot.text.identity`` finds identity numbers as a
person reads them, ``bot.text.markup`` shows user text for what it is (nothing pings, no link
is disguised).
"""

from __future__ import annotations

import hashlib
from typing import Final

from bot.errors import UserError
from bot.text.identity import (
    contains_identity_number,
    is_identity_number,
    redact_identity_numbers,
    refuse_identity_numbers,
)
from bot.text.markup import Markup, mrkdwn, plain

__all__ = [
    "ECHO_LIMIT",
    "TEXT_LIMIT",
    "TITLE_LIMIT",
    "Markup",
    "check_text",
    "contains_identity_number",
    "echo",
    "fingerprint",
    "is_identity_number",
    "mrkdwn",
    "plain",
    "redact_identity_numbers",
    "refuse_identity_numbers",
]

TITLE_LIMIT: Final = 200
TEXT_LIMIT: Final = 3000
ECHO_LIMIT: Final = 100  # characters of a user's own value that an error sentence repeats


def echo(value: str, limit: int = ECHO_LIMIT) -> str:
    """A user's value as an error sentence repeats it: no identity number, at most ``limit``."""
    # what is redacted reaches well past what is shown, so a number cut by the limit is found
    value = redact_identity_numbers(value[: limit * 4])
    return value if len(value) <= limit else value[: limit - 1] + "…"


def check_text(value: str, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    """Validate one free-text field: required, length-bounded, no identity numbers."""
    value = value.strip()
    if required and not value:
        raise UserError("safety.required", field=field)
    if len(value) > limit:
        raise UserError("safety.too_long", field=field, limit=limit, length=len(value))
    refuse_identity_numbers(value, field)
    return value


def fingerprint(command: str, text: str) -> str:
    """The identity of a create command for the 60-second resend guard."""
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(f"{command}\n{normal}".encode()).hexdigest()
