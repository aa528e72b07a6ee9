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


@lru_cache(maxsize=64)
def norwegian_holidays(year: int) -> dict[date, str]:
    """The public holidays of ``year`` that fall on weekdays or not, by date."""
    sunday = easter(year)
    days = {
        date(year, 1, 1): "new_year",
        sunday - timedelta(days=3): "maundy_thursday",
        sunday - timedelta(days=2): "good_friday",
        sunday + timedelta(days=1): "easter_monday",
        sunday + timedelta(days=39): "ascension_day",
        sunday + timedelta(days=50): "whit_monday",
        date(year, 5, 1): "labour_day",
        date(year, 12, 25): "christmas_day",
        date(year, 12, 26): "boxing_day",
    }
    # 17 May wins where it coincides with Ascension Day or Whit Monday: it is what people say
    days[date(year, 5, 17)] = "constitution_day"
    return days


def holiday(d: date) -> str | None:
    """The key of the public holiday on ``d``, if it is one."""
    return norwegian_holidays(d.year).get(d)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and holiday(d) is None


def next_working_day(d: date) -> date:
    """``d`` if it is a working day, else the first working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def holiday_name(key: str, lang: str) -> str:
    names = HOLIDAY_NAMES[key]
    return names.get(lang, names["nb"])
