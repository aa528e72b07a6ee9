"""E-mail addresses as people type them (SPEC §4.5 `/returbot email`, §2 `email = [...]`).

Typed plainly or as Slack sends a typed address (``<mailto:a@pu.no|a@pu.no>``), comma- or
space-separated. An address is checked for the shape mail servers accept — a local part of the
characters RFC 5322 allows unquoted (dot-atom) and a domain of dot-separated labels — and
kept as typed except that the domain is lower-cased. Quoted local parts, IP-literal domains and
display names are refused: a department's mailbox needs none of them.
"""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.text import guard

MAX_ADDRESSES = 10
MAX_LENGTH = 254  # RFC 5321: the longest forward path
_MAILTO = re.compile(r"<mailto:([^|<>]*)(?:\|[^<>]*)?>")
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
NONE_WORDS = frozenset({"none", "ingen"})


def parse(text: str) -> list[str]:
    """The addresses of ``text`` (``none``/``ingen``: no addresses); a sentence for the first
    malformed one."""
    plain = _MAILTO.sub(lambda m: f" {m.group(1)} ", text)
    guard.check_text(plain, "email")  # an identity number is refused, as in any field
    found = [p for p in re.split(r"[\s,;]+", plain.strip()) if p]
    if len(found) == 1 and found[0].casefold() in NONE_WORDS:
        return []
    if not found:
        raise UserError("email.none_given")
    out: list[str] = []
    for given in found:
        address = checked(given)
        if address not in out:
            out.append(address)
    if len(out) > MAX_ADDRESSES:
        raise UserError("email.too_many", limit=MAX_ADDRESSES)
    return out


def checked(given: str) -> str:
    """``given`` as a well-formed address (the domain lower-cased), or a sentence."""
    shown = given[:80]
    local, at, domain = given.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(given) > MAX_LENGTH
        or len(local) > 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise UserError("email.bad_address", value=shown)
    return f"{local}@{domain.lower()}"
