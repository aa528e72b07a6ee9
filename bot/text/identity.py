"""Norwegian national identity numbers (fødselsnummer, D-nummer) found as a person reads them.

Identity numbers are looked for in the text as a person reads it, in each way the bot shows it:
as typed (plain-text fields, the form's own inputs) and as mrkdwn shows it (markup replaced by
what Slack displays). Digits split by spaces, dots, dashes, tabs, line breaks or mrkdwn emphasis
count as one number when the groups add up to exactly 11 digits; invisible characters (zero-width
spaces, soft hyphens, direction marks, controls) and quotation marks are not seen at all, so digits
on either side of them are one group. Every step is a single pass: linear in the length of the text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from bot.errors import UserError
from bot.text.markup import Piece, pieces, spans

_LENGTH = 11

_DIGITS = re.compile(r"\d+")


def _chars(*ranges: tuple[int, int]) -> str:
    return "".join(chr(c) for low, high in ranges for c in range(low, high + 1))


# not seen by a reader: format characters (zero-width spaces and joiners, soft hyphen, word
# joiner, direction marks, BOM, variation selectors), controls other than white space, and the
# quotation marks the command grammar removes around option values
_INVISIBLE: Final = _chars(
    (0x00, 0x08), (0x0E, 0x1B), (0x7F, 0x84), (0x86, 0x9F), (0xAD, 0xAD), (0x34F, 0x34F),
    (0x61C, 0x61C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB),
) + "\"“”„«»"  # fmt: skip
# what a reader takes for a gap inside one number: white space (no-break, thin and figure
# spaces, tabs and line breaks included), dots, dashes, and mrkdwn's emphasis marks
_SEPARATOR: Final = (
    "".join(c for c in _chars((0, 0x3000)) if c.isspace())
    + ".\u00b7\u2022\u2027\u2219\u22c5\uff0e-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
    "\ufe58\ufe63\uff0d*_~`"
)
_GAP: Final = _INVISIBLE + _SEPARATOR
# what ties digits to other digits as something else than one number: 12:00, 26/01234, 3,5
_CONNECTORS: Final = ":/,+"
_INVISIBLE_SET: Final = frozenset(_INVISIBLE)
_GAP_SET: Final = frozenset(_GAP)
_GLUE: Final = frozenset(_CONNECTORS + "-")  # next to a group, it may be glued to something


def _check_digit(total: int) -> int | None:
    k = 11 - total % 11
    return 0 if k == 11 else None if k == 10 else k


def is_identity_number(digits: str) -> bool:
    """True for 11 digits whose two mod-11 check digits are valid (fødselsnummer, D-nummer)."""
    if len(digits) != _LENGTH or not digits.isdecimal():
        return False
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(d)) for d in digits)
    # the weights written out, on the bytes ('0' is 48; each sum takes 48 x its weights back
    # off): this runs for every 11-digit window of a text, so it is kept cheap
    b = digits.encode()
    k1 = _check_digit(
        3 * b[0] + 7 * b[1] + 6 * b[2] + b[3] + 8 * b[4] + 9 * b[5] + 4 * b[6] + 5 * b[7]
        + 2 * b[8] - 48 * 45
    )  # fmt: skip
    if k1 is None or k1 != b[9] - 48:
        return False
    k2 = _check_digit(
        5 * b[0] + 4 * b[1] + 3 * b[2] + 2 * b[3] + 7 * b[4] + 6 * b[5] + 5 * b[6] + 4 * b[7]
        + 3 * b[8] + 2 * b[9] - 48 * 41
    )  # fmt: skip
    return k2 is not None and k2 == b[10] - 48


class _Reading:
    """One way the text is shown, with where each of its characters came from."""

    def __init__(self, pieces: list[Piece]) -> None:
        self.text = "".join(p for p, _ in pieces)
        self._starts: list[int] = []
        self._origins: list[int | None] = []
        at = 0
        for piece, origin in pieces:
            if piece:
                self._starts.append(at)
                self._origins.append(origin)
                at += len(piece)

    def origin(self, pos: int) -> int:
        """Where the character at ``pos`` is in the user's text (digits always come from it)."""
        i = bisect.bisect_right(self._starts, pos) - 1
        origin = self._origins[i]
        assert origin is not None, "digits are never the bot's own"
        return origin + pos - self._starts[i]


def _readings(text: str) -> Iterator[_Reading]:
    """The text as typed, as mrkdwn shows it, and with every link shown by its label."""
    yield _Reading([(text, 0)])
    found = spans(text) if "<" in text and ">" in text else []
    if found:
        yield _Reading([p for shown, _live in pieces(text, found) for p in shown])
    if any(span.labelled for _, _, span in found):
        yield _Reading([p for shown, _ in pieces(text, found, labels=True) for p in shown])


@dataclass(slots=True)
class _Group:
    """Digits a reader sees as one run (invisible characters between them are not seen)."""

    start: int
    end: int
    digits: str
    chained: bool  # a separator, and nothing else, stands between it and the group before
    bound: bool = False  # part of something that is not a number's digits: a time, a date, an ID


def _groups(reading: str) -> list[_Group]:
    """The digit groups of a reading, in order, marked where they are bound to something else."""
    groups: list[_Group] = []
    end = -1
    for run in _DIGITS.finditer(reading):
        start = run.start()
        between = reading[end:start] if groups else "x"
        # most gaps are one character; longer ones are read by str.strip with a set of
        # characters: one linear pass, no regex backtracking over a long gap
        if len(between) == 1:
            joined, chained = between in _INVISIBLE_SET, between in _GAP_SET
        else:
            joined, chained = not between.strip(_INVISIBLE), not between.strip(_GAP)
        if joined:
            group = groups[-1]
            group.end, group.digits = run.end(), group.digits + run.group()
        else:
            groups.append(_Group(start, run.end(), run.group(), chained))
        end = run.end()
    for group in groups:
        near = reading[group.start - 1 : group.start] if group.start else ""
        if near in _GLUE or reading[group.end : group.end + 1] in _GLUE:
            group.bound = _glued(reading, group)
    for a, b, c in zip(groups, groups[1:], groups[2:], strict=False):
        if a.end + 1 == b.start and b.end + 1 == c.start and _is_date(reading, a, b, c):
            a.bound = b.bound = c.bound = True
    return groups


def _glued(reading: str, group: _Group) -> bool:
    """A time or a ratio (``12:00``, ``26/01234``, ``3,5``), or a record's ID (``M-1``)."""
    before, after = (
        reading[max(0, group.start - 3) : group.start],
        reading[group.end : group.end + 2],
    )
    if after[:1] in _CONNECTORS and after[1:].isdecimal() and after[1:]:
        return True
    if before[-1:] in _CONNECTORS and before[-2:-1].isdecimal() and before[-2:-1]:
        return True
    return (
        before[-1:] == "-"
        and before[-2:-1].isalpha()
        and not (len(before) == 3 and before[0].isalnum())
    )


def _is_date(reading: str, a: _Group, b: _Group, c: _Group) -> bool:
    """``1.12.2026``, ``01-12-2026``, ``2026-12-01``: a date with its four-digit year, which no
    identity number is written with (theirs has two)."""
    first, second = reading[a.end : b.start], reading[b.end : c.start]
    if first != second or first not in (".", "-", "/"):
        return False
    sizes = (len(a.digits), len(b.digits), len(c.digits))
    return (sizes[0] <= 2 and sizes[1] <= 2 and sizes[2] == 4) or sizes == (4, 2, 2)


def _numbers(reading: str) -> Iterator[tuple[int, int]]:
    """Start and end (in ``reading``) of each run of groups that reads as an identity number."""
    window: deque[_Group] = deque()
    digits = ""  # the digits of the groups in the window
    for group in _groups(reading):
        if group.bound:
            # on its own it may still be eleven digits, but nothing reads across it
            window.clear()
            digits = ""
            if is_identity_number(group.digits):
                yield group.start, group.end
            continue
        if not group.chained:
            window.clear()
            digits = ""
        window.append(group)
        digits += group.digits
        while len(digits) > _LENGTH:
            digits = digits[len(window.popleft().digits) :]
        if len(digits) == _LENGTH and is_identity_number(digits):
            yield window[0].start, window[-1].end


def _findings(text: str) -> Iterator[tuple[int, int]]:
    """Where in ``text`` an identity number is, in any reading of it."""
    for reading in _readings(text):
        for start, end in _numbers(reading.text):
            yield reading.origin(start), reading.origin(end - 1) + 1


def contains_identity_number(text: str) -> bool:
    """Whether ``text`` holds a Norwegian national identity number as a person would read it."""
    return next(_findings(text), None) is not None


def refuse_identity_numbers(value: str, field: str) -> None:
    """Refuse a value that holds an identity number, naming the field it was typed in."""
    if contains_identity_number(value):
        raise UserError("safety.identity_number", field=field)


def redact_identity_numbers(text: str, mask: str = "[…]") -> str:
    """``text`` with every identity number in it replaced by ``mask``."""
    merged: list[list[int]] = []
    for start, end in sorted(_findings(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return text
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out += [text[pos:start], mask]
        pos = end
    out.append(text[pos:])
    return "".join(out)
