"""Recurrence: weekday ordinals, local time across DST, holidays; expected dates by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.text.holidays import holiday
from bot.text.recurrence import RULES, Occurrence, localize, occurrences, ordinal_description
from handlers.common import explain

OSLO = ZoneInfo("Europe/Oslo")


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=OSLO)


def series(first: str, rule: str, until: str, start_index: int = 0) -> list[Occurrence]:
    until_day = date.fromisoformat(until)
    return occurrences(local(first), rule, OSLO, until=until_day, start_index=start_index)


def utc(found: list[Occurrence]) -> list[str]:
    return [o.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for o in found]


def days(found: list[Occurrence]) -> list[str]:
    return [o.start.date().isoformat() for o in found]


def test_weekly_keeps_local_time_across_spring_dst_and_moves_off_easter() -> None:
    # Thursdays 10:00; DST starts 29 March 2026; 2 April is Maundy Thursday, 3 April Good
    # Friday, then the weekend and Easter Monday: the occurrence moves to Tuesday 7 April
    found = series("2026-03-19 10:00", "weekly", "2026-04-09")
    assert utc(found) == [
        "2026-03-19 09:00",
        "2026-03-26 09:00",
        "2026-04-07 08:00",
        "2026-04-09 08:00",
    ]
    assert {(o.start.hour, o.start.minute) for o in found} == {(10, 0)}
    assert {o.start.tzinfo for o in found} == {OSLO}
    assert (found[2].moved_from, found[2].holiday) == (date(2026, 4, 2), "maundy_thursday")
    assert [o.moved_from for o in found if o.index != 2] == [None, None, None]


def test_weekly_across_autumn_dst() -> None:
    # DST ends 25 October 2026: 10:00 local is 08:00 UTC before, 09:00 UTC after
    assert utc(series("2026-10-12 10:00", "weekly", "2026-11-02")) == [
        "2026-10-12 08:00",
        "2026-10-19 08:00",
        "2026-10-26 09:00",
        "2026-11-02 09:00",
    ]


def test_weekly_moves_off_17_may_2027() -> None:
    may = series("2027-05-10 09:00", "weekly", "2027-05-24")
    assert days(may) == ["2027-05-10", "2027-05-18", "2027-05-24"]
    assert (may[1].index, may[1].moved_from, may[1].holiday) == (
        1,
        date(2027, 5, 17),
        "constitution_day",  # also Whit Monday that year
    )
    assert (may[1].start.hour, may[1].start.minute) == (9, 0)


def test_weekly_thursdays_over_easter_and_ascension() -> None:
    # 2027: Maundy Thursday 25 March, Good Friday, weekend (DST starts on Easter Sunday 28
    # March), Easter Monday 29: Tuesday 30 March, now in summer time
    easter = series("2027-03-18 10:00", "weekly", "2027-04-01")
    assert utc(easter) == ["2027-03-18 09:00", "2027-03-30 08:00", "2027-04-01 08:00"]
    assert (easter[1].moved_from, easter[1].holiday) == (date(2027, 3, 25), "maundy_thursday")
    # Ascension Day 2027 is Thursday 6 May: Friday 7 May
    ascension = series("2027-04-29 10:00", "weekly", "2027-05-13")
    assert days(ascension) == ["2027-04-29", "2027-05-07", "2027-05-13"]
    assert (ascension[1].moved_from, ascension[1].holiday) == (date(2027, 5, 6), "ascension_day")
    # 2028: Maundy Thursday 13 April -> Tuesday 18 April; Ascension 25 May -> Friday 26 May
    found = series("2028-04-06 10:00", "weekly", "2028-05-25")
    assert days(found) == [
        "2028-04-06",
        "2028-04-18",
        "2028-04-20",
        "2028-04-27",
        "2028-05-04",
        "2028-05-11",
        "2028-05-18",
        "2028-05-26",
    ]
    assert {o.start.astimezone(UTC).hour for o in found} == {8}
    assert [(o.index, o.moved_from, o.holiday) for o in found if o.moved_from] == [
        (1, date(2028, 4, 13), "maundy_thursday"),
        (7, date(2028, 5, 25), "ascension_day"),
    ]


def test_monthly_keeps_the_second_tuesday_for_a_year() -> None:
    # DST 2027: 28 March to 31 October
    assert utc(series("2026-12-08 10:00", "monthly", "2027-12-31")) == [
        "2026-12-08 09:00",
        "2027-01-12 09:00",
        "2027-02-09 09:00",
        "2027-03-09 09:00",
        "2027-04-13 08:00",
        "2027-05-11 08:00",
        "2027-06-08 08:00",
        "2027-07-13 08:00",
        "2027-08-10 08:00",
        "2027-09-14 08:00",
        "2027-10-12 08:00",
        "2027-11-09 09:00",
        "2027-12-14 09:00",
    ]


def test_a_fifth_weekday_becomes_the_last() -> None:
    # 29 December 2026 is the fifth Tuesday; January has only four
    found = series("2026-12-29 10:00", "monthly", "2027-03-31")
    assert days(found) == ["2026-12-29", "2027-01-26", "2027-02-23", "2027-03-30"]
    # 31 May 2027 is the fifth Monday; quarterly: the last Monday of August and November
    found = series("2027-05-31 10:00", "quarterly", "2028-02-29")
    assert days(found) == ["2027-05-31", "2027-08-30", "2027-11-29", "2028-02-28"]


def test_monthly_moves_off_1_may_and_christmas() -> None:
    # the first Friday of May 2026 is 1 May: Monday 4 May instead
    may = series("2026-04-03 10:00", "monthly", "2026-05-31")
    assert days(may) == ["2026-04-03", "2026-05-04"]
    assert (may[1].moved_from, may[1].holiday) == (date(2026, 5, 1), "labour_day")
    # the first meeting is what was typed, even on Good Friday
    assert (may[0].moved_from, may[0].holiday) == (None, None)
    assert may[0].start == local("2026-04-03 10:00")
    # the fourth Friday of December 2026 is Christmas Day: Monday 28 December
    xmas = series("2026-11-27 10:00", "monthly", "2026-12-31")
    assert days(xmas) == ["2026-11-27", "2026-12-28"]
    assert (xmas[1].moved_from, xmas[1].holiday) == (date(2026, 12, 25), "christmas_day")


def test_quarterly_from_march() -> None:
    assert utc(series("2027-03-09 10:00", "quarterly", "2028-03-31")) == [
        "2027-03-09 09:00",
        "2027-06-08 08:00",
        "2027-09-14 08:00",
        "2027-12-14 09:00",
        "2028-03-14 09:00",
    ]


def test_the_last_sunday_at_half_past_two_meets_both_dst_changes() -> None:
    # last Sunday of the month 02:30: in March that time does not exist (03:30 instead), in
    # October it happens twice (the first, summer-time one). Easter Sunday 2027 is 28 March,
    # a Sunday, and not in the list: nothing moves.
    found = series("2026-11-29 02:30", "monthly", "2027-10-31")
    assert utc(found) == [
        "2026-11-29 01:30",
        "2026-12-27 01:30",
        "2027-01-31 01:30",
        "2027-02-28 01:30",
        "2027-03-28 01:30",
        "2027-04-25 00:30",
        "2027-05-30 00:30",
        "2027-06-27 00:30",
        "2027-07-25 00:30",
        "2027-08-29 00:30",
        "2027-09-26 00:30",
        "2027-10-31 00:30",
    ]
    assert (found[4].start.hour, found[4].start.minute) == (3, 30)
    assert (found[5].start.hour, found[5].start.minute) == (2, 30)
    assert found[-1].start.utcoffset() == timedelta(hours=2)
    assert all(o.moved_from is None for o in found)


def test_start_index_and_until() -> None:
    later = series("2026-12-08 10:00", "monthly", "2027-03-09", start_index=2)
    assert [(o.index, o.start.date()) for o in later] == [
        (2, date(2027, 2, 9)),
        (3, date(2027, 3, 9)),
    ]
    assert series("2026-12-08 10:00", "monthly", "2027-03-08", start_index=4) == []
    assert series("2026-12-08 10:00", "weekly", "2026-12-08", start_index=1) == []
    assert days(series("2026-12-08 10:00", "weekly", "2026-12-08")) == ["2026-12-08"]
    # until is about the nominal date: Maundy Thursday is in, though it moves past until
    moved = series("2026-03-26 10:00", "weekly", "2026-04-02")
    assert days(moved) == ["2026-03-26", "2026-04-07"]


@pytest.mark.parametrize("rule", RULES)
def test_a_series_from_its_first_meeting_is_never_empty(rule: str) -> None:
    # a first meeting beyond `until` (a year ahead when scheduling) made an empty series,
    # and scheduling took its first meeting from it: IndexError
    with pytest.raises(UserError) as refused:
        series("2028-01-19 10:00", rule, "2027-11-26")
    assert refused.value.key == "meeting.series_too_far"
    assert refused.value.params == {"last": date(2027, 11, 26)}
    assert "26 November 2027" in explain("en", refused.value)
    assert "26. november 2027" in explain("nb", refused.value)
    # the first meeting on `until` itself is in
    assert days(series("2027-11-26 10:00", rule, "2027-11-26")) == ["2027-11-26"]


def test_first_in_another_zone() -> None:
    first = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    found = occurrences(first, "weekly", OSLO, until=date(2026, 12, 15))
    assert found[0].start == first
    assert [o.start.isoformat() for o in found] == [
        "2026-12-08T10:00:00+01:00",
        "2026-12-15T10:00:00+01:00",
    ]


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="daily"):
        series("2026-12-08 10:00", "daily", "2027-01-01")
    with pytest.raises(ValueError, match="yearly"):
        ordinal_description(local("2026-12-08 10:00"), "yearly", OSLO, "nb")


def test_localize_in_the_gap_and_the_fold() -> None:
    # DST starts 29 March 2026 and 28 March 2027 at 02:00 -> 03:00
    for day in (29, 28):
        gap = localize(datetime(2026 if day == 29 else 2027, 3, day, 2, 30), OSLO)
        assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=2))
        assert gap.astimezone(UTC).strftime("%H:%M") == "01:30"
    # DST ends 25 October 2026 at 03:00 -> 02:00: 02:30 happens twice
    fold = localize(datetime(2026, 10, 25, 2, 30), OSLO)
    assert fold.utcoffset() == timedelta(hours=2)  # the first 02:30, still summer time
    assert fold.astimezone(UTC).strftime("%H:%M") == "00:30"
    # whatever fold the caller passes
    assert localize(datetime(2026, 10, 25, 2, 30, fold=1), OSLO).utcoffset() == timedelta(hours=2)
    winter = localize(datetime(2026, 12, 1, 10, 0), OSLO)
    assert (winter.hour, winter.astimezone(UTC).hour) == (10, 9)
    summer = localize(datetime(2026, 7, 1, 10, 0), OSLO)
    assert (summer.hour, summer.astimezone(UTC).hour) == (10, 8)


@pytest.mark.parametrize(
    ("first", "rule", "lang", "expected"),
    [
        ("2026-12-08 10:00", "weekly", "nb", "hver uke (tirsdag kl. 10.00)"),
        ("2026-12-08 10:00", "weekly", "en", "every week (Tuesday 10:00)"),
        ("2026-12-08 10:00", "monthly", "nb", "2. tirsdag i måneden kl. 10.00"),
        ("2026-12-08 10:00", "monthly", "en", "2nd Tuesday of the month 10:00"),
        ("2026-12-08 10:00", "quarterly", "nb", "2. tirsdag hvert kvartal kl. 10.00"),
        ("2026-12-08 10:00", "quarterly", "en", "2nd Tuesday every quarter 10:00"),
        ("2026-12-29 10:00", "monthly", "nb", "siste tirsdag i måneden kl. 10.00"),
        ("2026-12-29 10:00", "monthly", "en", "last Tuesday of the month 10:00"),
        ("2027-05-01 08:30", "monthly", "en", "1st Saturday of the month 08:30"),
        ("2027-05-20 14:15", "quarterly", "en", "3rd Thursday every quarter 14:15"),
        ("2027-05-26 09:05", "monthly", "nb", "4. onsdag i måneden kl. 09.05"),
        ("2027-05-30 12:00", "weekly", "nb", "hver uke (søndag kl. 12.00)"),
        ("2027-05-28 12:00", "weekly", "nb", "hver uke (fredag kl. 12.00)"),
        ("2026-12-08 10:00", "weekly", "nn", "kvar veke (tysdag kl. 10.00)"),
        ("2026-12-08 10:00", "monthly", "nn", "2. tysdag i månaden kl. 10.00"),
        ("2026-12-08 10:00", "quarterly", "nn", "2. tysdag kvart kvartal kl. 10.00"),
        ("2026-12-29 10:00", "monthly", "nn", "siste tysdag i månaden kl. 10.00"),
        ("2027-05-01 08:30", "monthly", "nn", "1. laurdag i månaden kl. 08.30"),
    ],
)
def test_descriptions(first: str, rule: str, lang: str, expected: str) -> None:
    assert ordinal_description(local(first), rule, OSLO, lang) == expected


def test_description_uses_the_local_clock() -> None:
    first = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert ordinal_description(first, "monthly", OSLO, "nb") == "2. tirsdag i måneden kl. 10.00"


def is_spring_forward(day: date) -> bool:
    """Whether ``day`` is when Oslo moves its clocks forward (UTC+1 at midnight, +2 at noon)."""
    offsets = (datetime.combine(day, time(h), tzinfo=OSLO).utcoffset() for h in (0, 12))
    return list(offsets) == [timedelta(hours=1), timedelta(hours=2)]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    rule=st.sampled_from(RULES),
)
def test_occurrences_keep_the_clock_and_avoid_holidays(moment: datetime, rule: str) -> None:
    first = localize(moment.replace(second=0, microsecond=0), OSLO)
    until = first.date() + timedelta(days=500)
    found = occurrences(first, rule, OSLO, until=until)
    assert found[0].start == first
    assert [o.index for o in found] == list(range(len(found)))
    assert len(found) >= {"weekly": 72, "monthly": 16, "quarterly": 5}[rule]
    for before, after in pairwise(found):
        assert before.start < after.start
    clock = (first.hour, first.minute)
    for occ in found:
        wall = occ.start.astimezone(OSLO)
        if (wall.hour, wall.minute) != clock:
            # only in the spring gap, and then exactly an hour later
            assert is_spring_forward(wall.date())
            assert (wall.hour - 1, wall.minute) == clock
        if occ.index == 0:
            assert (occ.moved_from, occ.holiday) == (None, None)
            continue
        assert holiday(wall.date()) is None
        if occ.moved_from is None:
            assert occ.holiday is None
        else:
            assert occ.holiday == holiday(occ.moved_from)
            assert occ.holiday is not None
            assert wall.weekday() < 5
            assert occ.moved_from < wall.date() <= occ.moved_from + timedelta(days=5)
            # every day skipped was a weekend or a holiday
            skipped = occ.moved_from + timedelta(days=1)
            while skipped < wall.date():
                assert skipped.weekday() >= 5 or holiday(skipped) is not None
                skipped += timedelta(days=1)
