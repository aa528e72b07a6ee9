"""The date language of SPEC §4: ISO, Norwegian day-first forms, names, offsets; DST-correct.

ISO is never read day-first and Norwegian forms always are; a day and month without a year is
the next such date (today included). An unreadable date is an error, never a guess.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.text import formats

# the writing of dates is bot.text.formats'; these two names stay importable from here as well
from bot.text.formats import format_date as format_date
from bot.text.formats import format_datetime as format_datetime

# The names come from CLDR (bot.text.formats): months and weekdays, wide and abbreviated, and the
# words for today and the days after it, in Bokmål, Nynorsk and English. Here only the forms people
# type that CLDR does not list: English's longer abbreviations, the letters without æøå, one word
# for two, and Nynorsk's "sundag" (CLDR's nn weekday is "søndag"; both are correct Nynorsk).
_MONTH_EXTRA = {"sept": 9}
_WEEKDAY_EXTRA = {
    "tues": 1, "thurs": 3,
    "lordag": 5, "sondag": 6,
    "sundag": 6,
}  # fmt: skip
_RELATIVE_EXTRA = {
    "idag": 0,
    "imorgen": 1, "imorgon": 1,
    "overmorgen": 2, "overmorgon": 2,
}  # fmt: skip
MONTHS: dict[str, int] = {**formats.month_words(), **_MONTH_EXTRA}
WEEKDAYS: dict[str, int] = {**formats.weekday_words(), **_WEEKDAY_EXTRA}
RELATIVE: dict[str, int] = {**formats.relative_day_words(), **_RELATIVE_EXTRA}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\.?$")
_NAMED = re.compile(r"^(\d{1,2})\.?\s+([a-zæøå]+)\.?(?:\s+(\d{4}))?$")
_NAMED_EN = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")
_OFFSET = re.compile(r"^\+(\d+)\s*([dwu])$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
_TIME_LEAD = re.compile(r"^(?:kl\.?|klokka|klokken|at)\s*")
_DURATION = re.compile(r"^(?:(\d{1,4})\s*([wud]))?\s*(?:(\d{1,4})\s*([ht]))?\s*(?:(\d{1,5})\s*m)?$")
# Every date the bot accepts lies within this many years of today, either way: room for any
# decision on record and any meeting ahead, and far enough from datetime's years 1 and 9999 that
# nothing done with an accepted date (a duration, a reminder, a year of a series, a time zone's
# rules two years on) can overflow.
YEARS_AROUND = 100


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace(",", " ").split())


def date_range(today: date) -> tuple[date, date]:
    """The first and the last date the bot accepts: whole years around ``today``."""
    return date(today.year - YEARS_AROUND, 1, 1), date(today.year + YEARS_AROUND, 12, 31)


def check_range(day: date, *, today: date, value: str | None = None) -> date:
    """``day`` if the bot accepts it; else one sentence naming the years it does accept."""
    first, last = date_range(today)
    if not first <= day <= last:
        raise _out_of_range(today, value or day.isoformat())
    return day


def _out_of_range(today: date, value: str) -> UserError:
    first, last = date_range(today)
    return UserError("parse.out_of_range", value=value, first=first.year, last=last.year)


def _make(year: int, month: int, day: int, value: str, today: date) -> date:
    first, last = date_range(today)
    if not first.year <= year <= last.year:
        raise _out_of_range(today, value)  # year 0 too: out of range, not "no such date"
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError("parse.no_such_date", value=value) from None


def _offset(digits: str, unit: str, today: date, value: str) -> date:
    """``today`` plus a number of days or weeks, refused before it can overflow."""
    last = date_range(today)[1]
    digits = digits.lstrip("0") or "0"
    # more digits than any allowed offset has: refused without reading the number at all
    if len(digits) > len(str((last - today).days)):
        raise _out_of_range(today, value)
    days = int(digits) * (1 if unit == "d" else 7)
    if days > (last - today).days:
        raise _out_of_range(today, value)
    return today + timedelta(days=days)


def _next_day_month(day: int, month: int, today: date, value: str) -> date:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise UserError("parse.no_such_date", value=value)
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29 February in a common year
        if candidate >= today:
            return candidate
    raise UserError("parse.no_such_date", value=value)


def _year(text: str, value: str) -> int:
    if len(text) != 4:
        raise UserError("parse.two_digit_year", value=value)
    return int(text)


def _date_part(text: str, today: date, value: str) -> date | None:
    """A date from the date words alone, or None if this is not a date form at all."""
    if text in RELATIVE:
        return today + timedelta(days=RELATIVE[text])
    if text in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[text] - today.weekday()) % 7)
    if m := _OFFSET.match(text):
        return _offset(m.group(1), m.group(2), today, value)
    if m := _ISO.match(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), value, today)
    if m := _NUMERIC.match(text):
        day, month = int(m.group(1)), int(m.group(2))
        if m.group(3):
            return _make(_year(m.group(3), value), month, day, value, today)
        return _next_day_month(day, month, today, value)
    if (m := _NAMED.match(text)) and m.group(2) in MONTHS:
        day, month = int(m.group(1)), MONTHS[m.group(2)]
        if m.group(3):
            return _make(int(m.group(3)), month, day, value, today)
        return _next_day_month(day, month, today, value)
    if (m := _NAMED_EN.match(text)) and m.group(1) in MONTHS:
        day, month = int(m.group(2)), MONTHS[m.group(1)]
        if m.group(3):
            return _make(int(m.group(3)), month, day, value, today)
        return _next_day_month(day, month, today, value)
    return None


def _split(text: str) -> tuple[str, str | None]:
    """Separate a trailing time (``14:00``, ``kl. 14``, ``T14:00``) from the date words."""
    if m := re.match(r"^(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2})(?::\d{2})?$", text):
        return m.group(1), m.group(2)
    if m := re.match(r"^(.*?)\s+(?:(?:kl\.?|klokka|klokken|at)\s*)?(\d{1,2}(?:[:.]\d{2})?)$", text):
        head, clock = m.group(1), m.group(2)
        has_lead = bool(re.search(r"\s(?:kl\.?|klokka|klokken|at)\s*\d", text))
        # "14. mars 2026" ends in a year, "14. mars" in a month: only a lead word or a
        # separator makes the last number a time there
        if has_lead or re.search(r"[:.]", clock) or not _looks_like_year_tail(head, clock):
            return head, clock
    if m := re.match(r"^(.*?)\s+(?:kl\.?|klokka|klokken|at)\s*(\d{1,2})$", text):
        return m.group(1), m.group(2)
    return text, None


def _looks_like_year_tail(head: str, clock: str) -> bool:
    return len(clock) > 2 or bool(
        re.match(r"^\d{1,2}\.?\s+[a-zæøå]+\.?$", head) and len(clock) == 4
    )


def _clock(text: str, value: str) -> time:
    m = _TIME.match(_TIME_LEAD.sub("", text))
    if not m:
        raise UserError("parse.bad_time", value=value)
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        raise UserError("parse.bad_time", value=value)
    return time(hour, minute)


def parse_date(text: str, *, today: date) -> date:
    """A date in any form of SPEC §4; a time given with it is refused."""
    value = text.strip()[:100]
    norm = _norm(text)
    if not norm:
        raise UserError("parse.bad_date", value=value)
    found = _date_part(norm, today, value)
    if found is not None:
        return found
    head, clock = _split(norm)
    if clock is not None and _date_part(head, today, value) is not None:
        raise UserError("parse.date_only", value=value)
    raise UserError("parse.bad_date", value=value)


def is_valid_local(naive: datetime, tz: ZoneInfo) -> bool:
    """False for a wall-clock time skipped by a DST change (it does not exist in ``tz``)."""
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == naive


def parse_datetime(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """A local date and time in ``tz``; the DST gap is refused, the repeated hour is the first."""
    value = text.strip()[:100]
    norm = _norm(text)
    head, clock = _split(norm)
    today = now.astimezone(tz).date()
    if clock is None:
        if norm and _date_part(norm, today, value) is not None:
            raise UserError("parse.time_needed", value=value, example="1.12.2026 14:00")
        raise UserError("parse.bad_date", value=value)
    day = _date_part(head, today, value)
    if day is None:
        raise UserError("parse.bad_date", value=value)
    at = _clock(clock, value)
    naive = datetime.combine(day, at)
    if head in WEEKDAYS and naive.replace(tzinfo=tz) < now:
        naive += timedelta(weeks=1)
    if not is_valid_local(naive, tz):
        raise UserError("parse.dst_gap", value=value)
    return naive.replace(tzinfo=tz, fold=0)


def parse_duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``1t``, ``1h30m``, ``1d``, ``2w``/``2u`` -> a positive timedelta."""
    value = text.strip()[:50]
    m = _DURATION.match(_norm(text).replace(" ", ""))
    if not m or not any(m.groups()):
        raise UserError("parse.bad_duration", value=value)
    days = int(m.group(1) or 0) * (7 if m.group(2) in ("w", "u") else 1)
    delta = timedelta(days=days, hours=int(m.group(3) or 0), minutes=int(m.group(5) or 0))
    if delta <= timedelta(0) or delta > timedelta(days=366):
        raise UserError("parse.bad_duration", value=value)
    return delta


def dst_unsafe(at: time, tz: ZoneInfo, start: date | None = None, days: int = 400) -> bool:
    """Whether ``at`` is skipped or repeated by a DST change in ``tz`` in the coming ``days``."""
    first = start or date.today()
    for offset in range(days):
        moment = datetime.combine(first + timedelta(days=offset), at, tzinfo=tz)
        if moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset():
            return True
    return False
