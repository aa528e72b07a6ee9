"""Norwegian public holidays (helligdager): the fixed ones and those that follow Easter."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

HOLIDAY_NAMES: dict[str, dict[str, str]] = {
    "new_year": {"nb": "1. nyttårsdag", "en": "New Year's Day"},
    "maundy_thursday": {"nb": "skjærtorsdag", "en": "Maundy Thursday"},
    "good_friday": {"nb": "langfredag", "en": "Good Friday"},
    "easter_monday": {"nb": "2. påskedag", "en": "Easter Monday"},
    "labour_day": {"nb": "1. mai", "en": "1 May (Labour Day)"},
    "constitution_day": {"nb": "17. mai", "en": "17 May (Constitution Day)"},
    "ascension_day": {"nb": "Kristi himmelfartsdag", "en": "Ascension Day"},
    "whit_monday": {"nb": "2. pinsedag", "en": "Whit Monday"},
    "christmas_day": {"nb": "1. juledag", "en": "Christmas Day"},
    "boxing_day": {"nb": "2. juledag", "en": "Boxing Day"},
}


# days after Easter Sunday; Easter Sunday and Whit Sunday are Sundays anyway and left out
_FROM_EASTER = {
    -3: "maundy_thursday",
    -2: "good_friday",
    1: "easter_monday",
    39: "ascension_day",
    50: "whit_monday",
}
_FIXED = {
    (1, 1): "new_year",
    (5, 1): "labour_day",
    (5, 17): "constitution_day",
    (12, 25): "christmas_day",
    (12, 26): "boxing_day",
}


@lru_cache(maxsize=64)
def norwegian_holidays(year: int) -> dict[date, str]:
    """The public holidays of ``year`` by date (shared and cached: do not modify).

    Where a fixed holiday falls on a moving one (17 May is Whit Monday in 2027), the fixed
    one's key wins, as that is what people call the day."""
    sunday = easter(year)
    days = {sunday + timedelta(days=offset): key for offset, key in _FROM_EASTER.items()}
    days.update({date(year, month, day): key for (month, day), key in _FIXED.items()})
    return days


def holiday(d: date) -> str | None:
    """The key of the public holiday on ``d``, if it is one."""
    return norwegian_holidays(d.year).get(d)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return d.weekday() < 5 and holiday(d) is None


def next_working_day(d: date) -> date:
    """``d`` if it is a working day, else the first working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def holiday_name(key: str, lang: str) -> str:
    """The holiday's name in ``lang`` ("nb" or "en"; anything else gets Norwegian)."""
    names = HOLIDAY_NAMES[key]
    return names.get(lang, names["nb"])
