"""Recurrence: weekday ordinals, local time across DST, holidays; expected dates by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.holidays import holiday
from bot.recurrence import RULES, localize, occurrences, ordinal_description

OSLO = ZoneInfo("Europe/Oslo")


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=OSLO)


def starts(first: str, rule: str, until: str, **kw: int) -> list[str]:
    found = occurrences(local(first), rule, OSLO, until=date.fromisoformat(until), **kw)
    return [o.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for o in found]


def test_weekly_keeps_local_time_across_spring_dst_and_moves_off_easter() -> None:
    # Thursdays 10:00; DST starts 29 March 2026; 2 April is Maundy Thursday, 3 April Good
    # Friday, then the weekend and Easter Monday: the occurrence moves to Tuesday 7 April
    assert starts("2026-03-19 10:00", "weekly", "2026-04-09") == [
        "2026-03-19 09:00",
        "2026-03-26 09:00",
        "2026-04-07 08:00",
        "2026-04-09 08:00",
    ]
    moved = occurrences(local("2026-03-19 10:00"), "weekly", OSLO, until=date(2026, 4, 2))[-1]
    assert (moved.moved_from, moved.holiday) == (date(2026, 4, 2), "maundy_thursday")


def test_weekly_across_autumn_dst() -> None:
    # DST ends 25 October 2026: 10:00 local is 08:00 UTC before, 09:00 UTC after
    assert starts("2026-10-19 10:00", "weekly", "2026-10-26") == [
        "2026-10-19 08:00",
        "2026-10-26 09:00",
    ]


def test_weekly_moves_off_ascension_day_and_17_may() -> None:
    ascension = occurrences(local("2027-04-29 10:00"), "weekly", OSLO, until=date(2027, 5, 6))
    assert ascension[-1].start.date() == date(2027, 5, 7)
    assert ascension[-1].holiday == "ascension_day"
    may = occurrences(local("2027-05-10 09:00"), "weekly", OSLO, until=date(2027, 5, 24))
    assert [o.start.date() for o in may] == [
        date(2027, 5, 10),
        date(2027, 5, 18),
        date(2027, 5, 24),
    ]
    assert may[1].moved_from == date(2027, 5, 17)


def test_monthly_keeps_the_second_tuesday() -> None:
    found = occurrences(local("2026-12-08 10:00"), "monthly", OSLO, until=date(2027, 6, 30))
    assert [o.start.date().isoformat() for o in found] == [
        "2026-12-08",
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
        "2027-06-08",
    ]
    assert {o.start.astimezone(OSLO).hour for o in found} == {10}


def test_a_fifth_weekday_becomes_the_last() -> None:
    found = occurrences(local("2026-12-29 10:00"), "monthly", OSLO, until=date(2027, 3, 31))
    assert [o.start.date().isoformat() for o in found] == [
        "2026-12-29",
        "2027-01-26",
        "2027-02-23",
        "2027-03-30",
    ]


def test_monthly_moves_off_1_may_and_christmas() -> None:
    # the first Friday of May 2026 is 1 May: Monday 4 May instead
    may = occurrences(local("2026-04-03 10:00"), "monthly", OSLO, until=date(2026, 5, 31))
    assert [o.start.date() for o in may] == [date(2026, 4, 3), date(2026, 5, 4)]
    assert may[0].moved_from is None  # the first meeting is what was typed, even Good Friday
    # the fourth Friday of December 2026 is Christmas Day: Monday 28 December
    xmas = occurrences(local("2026-11-27 10:00"), "monthly", OSLO, until=date(2026, 12, 31))
    assert xmas[1].start.date() == date(2026, 12, 28)
    assert (xmas[1].moved_from, xmas[1].holiday) == (date(2026, 12, 25), "christmas_day")


def test_quarterly_from_march() -> None:
    assert starts("2027-03-09 10:00", "quarterly", "2028-03-31") == [
        "2027-03-09 09:00",
        "2027-06-08 08:00",
        "2027-09-14 08:00",
        "2027-12-14 09:00",
        "2028-03-14 09:00",
    ]


def test_start_index_and_until() -> None:
    later = occurrences(
        local("2026-12-08 10:00"), "monthly", OSLO, until=date(2027, 3, 9), start_index=2
    )
    assert [(o.index, o.start.date()) for o in later] == [
        (2, date(2027, 2, 9)),
        (3, date(2027, 3, 9)),
    ]
    assert occurrences(local("2026-12-08 10:00"), "weekly", OSLO, until=date(2026, 12, 7)) == []
    with pytest.raises(ValueError, match="daily"):
        occurrences(local("2026-12-08 10:00"), "daily", OSLO, until=date(2027, 1, 1))


def test_localize_in_the_gap_and_the_fold() -> None:
    gap = localize(datetime(2027, 3, 28, 2, 30), OSLO)
    assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=2))
    fold = localize(datetime(2026, 10, 25, 2, 30), OSLO)
    assert fold.utcoffset() == timedelta(hours=2)  # the first 02:30, still summer time
    plain = localize(datetime(2026, 12, 1, 10, 0), OSLO)
    assert plain.astimezone(UTC).hour == 9


def test_descriptions() -> None:
    first = local("2026-12-08 10:00")
    assert ordinal_description(first, "monthly", OSLO, "nb") == "2. tirsdag i måneden kl. 10:00"
    assert ordinal_description(first, "quarterly", OSLO, "en") == "2nd Tuesday every quarter 10:00"
    assert ordinal_description(first, "weekly", OSLO, "nb") == "hver uke (tirsdag kl. 10:00)"
    last = local("2026-12-29 10:00")
    assert ordinal_description(last, "monthly", OSLO, "en") == "last Tuesday of the month 10:00"


@settings(max_examples=150, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(min_value=7, max_value=18),
    minute=st.sampled_from([0, 15, 30, 45]),
    rule=st.sampled_from(RULES),
)
def test_occurrences_keep_the_clock_and_avoid_holidays(
    day: date, hour: int, minute: int, rule: str
) -> None:
    first = datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)
    found = occurrences(first, rule, OSLO, until=day + timedelta(days=400))
    assert found[0].start == first
    for before, after in pairwise(found):
        assert before.start < after.start
    for occ in found:
        wall = occ.start.astimezone(OSLO)
        assert (wall.hour, wall.minute) == (hour, minute)
        if occ.index:
            assert holiday(wall.date()) is None
        if occ.moved_from is not None:
            assert wall.weekday() < 5 and occ.holiday is not None
