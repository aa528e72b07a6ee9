"""Norwegian public holidays, checked against dates written out by hand for 2026–2030."""

from __future__ import annotations

from datetime import date

import pytest

from bot.text.holidays import (
    HOLIDAY_NAMES,
    holiday,
    holiday_name,
    is_working_day,
    next_working_day,
    norwegian_holidays,
)

# Easter Sunday: 2026-04-05, 2027-03-28, 2028-04-16, 2029-04-01, 2030-04-21
# Maundy Thursday, Good Friday, Easter Monday, Ascension Day (+39), Whit Monday (+50)
EASTER_BASED = {
    2026: ["2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25"],
    2027: ["2027-03-25", "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17"],
    2028: ["2028-04-13", "2028-04-14", "2028-04-17", "2028-05-25", "2028-06-05"],
    2029: ["2029-03-29", "2029-03-30", "2029-04-02", "2029-05-10", "2029-05-21"],
    2030: ["2030-04-18", "2030-04-19", "2030-04-22", "2030-05-30", "2030-06-10"],
}
KEYS = ["maundy_thursday", "good_friday", "easter_monday", "ascension_day", "whit_monday"]
FIXED = {
    "01-01": "new_year",
    "05-01": "labour_day",
    "05-17": "constitution_day",
    "12-25": "christmas_day",
    "12-26": "boxing_day",
}


@pytest.mark.parametrize("year", sorted(EASTER_BASED))
def test_easter_based_and_fixed_holidays(year: int) -> None:
    expected = {date.fromisoformat(f"{year}-{md}"): key for md, key in FIXED.items()}
    for iso, key in zip(EASTER_BASED[year], KEYS, strict=True):
        # Whit Monday 2027 is 17 May: the day keeps the name people use for it
        expected.setdefault(date.fromisoformat(iso), key)
    assert norwegian_holidays(year) == expected


def test_whit_monday_2027_is_constitution_day() -> None:
    days = norwegian_holidays(2027)
    assert days[date(2027, 5, 17)] == "constitution_day"
    assert "whit_monday" not in days.values()
    assert len(days) == 9


def test_2026_in_full() -> None:
    assert norwegian_holidays(2026) == {
        date(2026, 1, 1): "new_year",
        date(2026, 4, 2): "maundy_thursday",
        date(2026, 4, 3): "good_friday",
        date(2026, 4, 6): "easter_monday",
        date(2026, 5, 1): "labour_day",
        date(2026, 5, 14): "ascension_day",
        date(2026, 5, 17): "constitution_day",
        date(2026, 5, 25): "whit_monday",
        date(2026, 12, 25): "christmas_day",
        date(2026, 12, 26): "boxing_day",
    }


def test_holiday_lookup() -> None:
    assert holiday(date(2026, 12, 25)) == "christmas_day"
    assert holiday(date(2028, 6, 5)) == "whit_monday"
    assert holiday(date(2026, 12, 24)) is None  # Christmas Eve is not a public holiday
    assert holiday(date(2026, 4, 5)) is None  # Easter Sunday: a Sunday, not in the list
    assert holiday(date(2026, 11, 25)) is None


def test_names() -> None:
    assert set(HOLIDAY_NAMES) == set(KEYS) | set(FIXED.values())
    assert holiday_name("whit_monday", "nb") == "2. pinsedag"
    assert holiday_name("whit_monday", "en") == "Whit Monday"
    assert holiday_name("new_year", "nb") == "1. nyttårsdag"
    assert holiday_name("maundy_thursday", "nb") == "skjærtorsdag"
    assert holiday_name("constitution_day", "en") == "17 May (Constitution Day)"
    assert holiday_name("boxing_day", "nb") == "2. juledag"
    assert holiday_name("boxing_day", "de") == "2. juledag"  # unknown language: Norwegian


def test_working_days() -> None:
    assert is_working_day(date(2026, 11, 25))  # a Wednesday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 29))  # Sunday
    assert not is_working_day(date(2027, 5, 6))  # Ascension Day
    assert is_working_day(date(2026, 12, 24))  # Christmas Eve, a Thursday


def test_next_working_day() -> None:
    assert next_working_day(date(2026, 11, 25)) == date(2026, 11, 25)
    assert next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)
    # Friday 25 December 2026, then Saturday 26 and Sunday 27
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)
    # Maundy Thursday 2026 -> Good Friday -> weekend -> Easter Monday -> Tuesday 7 April
    assert next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert next_working_day(date(2027, 3, 25)) == date(2027, 3, 30)
    assert next_working_day(date(2028, 4, 13)) == date(2028, 4, 18)
    # Christmas 2027: Saturday and Sunday, then Monday 27 December is an ordinary day
    assert next_working_day(date(2027, 12, 25)) == date(2027, 12, 27)
    # Christmas 2029: Tuesday and Wednesday
    assert next_working_day(date(2029, 12, 25)) == date(2029, 12, 27)
    assert next_working_day(date(2029, 12, 31)) == date(2029, 12, 31)
    # across the new year: Tuesday 1 January 2030
    assert next_working_day(date(2030, 1, 1)) == date(2030, 1, 2)
    # New Year's Day 2028 is a Saturday: Monday 3 January
    assert next_working_day(date(2028, 1, 1)) == date(2028, 1, 3)
