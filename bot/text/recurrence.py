"""Recurring meetings: weekly, or monthly and quarterly on the same weekday ordinal.

Work is done in local wall-clock time, so a 10:00 meeting stays at 10:00 across DST. The first
meeting is what the coordinator typed; every later occurrence that falls on a Norwegian public
holiday moves to the next working day and keeps a note of where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.errors import UserError
from bot.text.formats import format_time, weekday_name
from bot.text.holidays import holiday, next_working_day
from bot.text.i18n import t

RULES = ("weekly", "monthly", "quarterly")
_MONTHS = {"monthly": 1, "quarterly": 3}


def _check(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown recurrence rule {rule!r}")


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series; index 0 is the first meeting as typed."""

    index: int
    start: datetime  # aware, in the organisation's time zone
    moved_from: date | None = None  # the holiday it moved off
    holiday: str | None = None


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in ``tz``: a time in the spring gap moves forward by the gap, and the
    hour repeated in autumn is taken the first time (summer time)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        # the wall-clock time does not exist: fold=0 maps it with the offset before the gap,
        # which lands that far past the gap in the new offset
        return back
    return aware


def ordinal(day: date) -> int:
    """Which of its weekday in the month ``day`` is: 1..4, or -1 for a fifth (the last)."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, 1) + relativedelta(months=1, days=-1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _nominal(first: datetime, rule: str, index: int) -> datetime:
    """The ``index``-th occurrence's local wall-clock time before any holiday move."""
    if rule == "weekly":
        return first + timedelta(weeks=index)
    months = _MONTHS[rule] * index
    target = first.date().replace(day=1) + relativedelta(months=months)
    day = _nth_weekday(target.year, target.month, first.weekday(), ordinal(first.date()))
    return datetime.combine(day, first.time())


def occurrences(
    first: datetime, rule: str, tz: ZoneInfo, *, until: date, start_index: int = 0
) -> list[Occurrence]:
    """The occurrences from ``start_index`` whose nominal local date is on or before ``until``.

    A series asked for from its first meeting always has that meeting: one that starts after
    ``until`` (further ahead than the bot keeps a series' meetings) is refused with a sentence.
    """
    _check(rule)
    wall = first.astimezone(tz).replace(tzinfo=None)
    out: list[Occurrence] = []
    index = max(0, start_index)
    if index == 0 and wall.date() > until:
        raise UserError("meeting.series_too_far", last=until)
    while True:
        nominal = _nominal(wall, rule, index)
        if nominal.date() > until:
            return out
        day, moved, key = nominal.date(), None, None
        if index > 0:
            key = holiday(day)
            if key is not None:
                moved, day = day, next_working_day(day)
        start = first if index == 0 else localize(datetime.combine(day, wall.time()), tz)
        out.append(Occurrence(index, start.astimezone(tz), moved, key))
        index += 1


def ordinal_description(first: datetime, rule: str, tz: ZoneInfo, lang: str) -> str:
    """``2. tirsdag i måneden kl. 10.00`` / ``2. tysdag i månaden kl. 10.00`` /
    ``2nd Tuesday of the month 10:00``."""
    _check(rule)
    local = first.astimezone(tz)
    day, clock = weekday_name(local.weekday(), lang), format_time(local.time(), lang)
    if rule == "weekly":
        return t(lang, "meeting.rule_weekly", day=day, clock=clock)
    n = ordinal(local.date())
    which = t(lang, "meeting.ordinal_last") if n == -1 else t(lang, f"meeting.ordinal_{n}")
    return t(lang, f"meeting.rule_{rule}", which=which, day=day, clock=clock)
