"""Norwegian public holidays, checked against dates written out by hand for 2026–2030."""

from __future__ import annotations

from datetime import date

import pytest

from bot.holidays import holiday, holiday_name, is_working_day, next_working_day, norwegian_holidays

# Easter Sunday: 2026-04-05, 2027-03-28, 2028-04-16, 2029-04-01, 2030-04-21
EASTER_BASED = {
    2026: ["2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25"],
    2027: ["2027-03-25", "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17"],
    2028: ["2028-04-13", "2028-04-14", "2028-04-17", "2028-05-25", "2028-06-05"],
    2029: ["2029-03-29", "2029-03-30", "2029-04-02", "2029-05-10", "2029-05-21"],
    2030: ["2030-04-18", "2030-04-19", "2030-04-22", "2030-05-30", "2030-06-10"],
}
KEYS = ["maundy_thursday", "good_friday", "easter_monday", "ascension_day", "whit_monday"]


@pytest.mark.parametrize("year", sorted(EASTER_BASED))
def test_easter_based_and_fixed_holidays(year: int) -> None:
    days = norwegian_holidays(year)
    for key, iso in zip(KEYS, EASTER_BASED[year], strict=True):
        found = days[date.fromisoformat(iso)]
        # Whit Monday 2027 is 17 May: the day keeps the name people use for it
        assert found == key or (iso == "2027-05-17" and found == "constitution_day")
    fixed = {(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)}
    assert {(d.month, d.day) for d in days} >= fixed
    assert len(days) == (9 if year == 2027 else 10)


def test_holiday_lookup_and_names() -> None:
    assert holiday(date(2026, 12, 25)) == "christmas_day"
    assert holiday(date(2026, 12, 24)) is None  # Christmas Eve is not a public holiday
    assert holiday_name("whit_monday", "nb") == "2. pinsedag"
    assert holiday_name("whit_monday", "en") == "Whit Monday"


def test_working_days() -> None:
    assert is_working_day(date(2026, 11, 25))
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2027, 5, 6))  # Ascension Day
    assert next_working_day(date(2026, 11, 25)) == date(2026, 11, 25)
    # Friday 25 December 2026, then the weekend
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)
    # Maundy Thursday 2026 -> Good Friday -> weekend -> Easter Monday -> Tuesday 7 April
    assert next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert next_working_day(date(2029, 12, 31)) == date(2029, 12, 31)
    assert next_working_day(date(2030, 1, 1)) == date(2030, 1, 2)
