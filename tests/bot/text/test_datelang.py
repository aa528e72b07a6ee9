"""The date language of SPEC §4 against expected dates written out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.text.dates import (
    format_date,
    format_datetime,
    is_valid_local,
    parse_date,
    parse_datetime,
    parse_duration,
)
from bot.text.formats import (
    format_number,
    format_short_date,
    format_time,
    month_name,
    weekday_name,
)
from bot.text.i18n import t

OSLO = ZoneInfo("Europe/Oslo")
TODAY = date(2026, 11, 25)  # a Wednesday
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # 10:30 in Oslo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-04", date(2026, 3, 4)),  # ISO is never day-first
        ("2026-12-01", date(2026, 12, 1)),
        ("1.12.2026", date(2026, 12, 1)),
        ("01.12.2026", date(2026, 12, 1)),
        ("4.3.2026", date(2026, 3, 4)),  # Norwegian is always day-first
        ("14.03", date(2027, 3, 14)),  # the next 14 March, not 14 January
        ("14.3", date(2027, 3, 14)),
        ("25.11", date(2026, 11, 25)),  # today included
        ("24.11", date(2027, 11, 24)),
        ("14. mars", date(2027, 3, 14)),
        ("14 mars 2026", date(2026, 3, 14)),
        ("14. mars 2026", date(2026, 3, 14)),
        ("1. desember", date(2026, 12, 1)),
        ("14 March", date(2027, 3, 14)),
        ("March 14 2026", date(2026, 3, 14)),
        ("29.02", date(2028, 2, 29)),
        ("today", TODAY),
        ("i dag", TODAY),
        ("I morgen", date(2026, 11, 26)),
        ("tomorrow", date(2026, 11, 26)),
        ("i overmorgen", date(2026, 11, 27)),
        ("onsdag", TODAY),
        ("torsdag", date(2026, 11, 26)),
        ("monday", date(2026, 11, 30)),
        ("søn", date(2026, 11, 29)),
        ("+3d", date(2026, 11, 28)),
        ("+2w", date(2026, 12, 9)),
        ("+1u", date(2026, 12, 2)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("31.11.2026", "parse.no_such_date"),
        ("2026-02-30", "parse.no_such_date"),
        ("32.01", "parse.no_such_date"),
        ("1.12.26", "parse.two_digit_year"),
        ("neste uke", "parse.bad_date"),
        ("", "parse.bad_date"),
        ("1.12.2026 14:00", "parse.date_only"),
    ],
)
def test_date_errors(text: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, today=TODAY)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-12-01 14:00", datetime(2026, 12, 1, 14, 0)),
        ("2026-12-01T14:00", datetime(2026, 12, 1, 14, 0)),
        ("1.12.2026 14:00", datetime(2026, 12, 1, 14, 0)),
        ("1.12.2026 kl. 14", datetime(2026, 12, 1, 14, 0)),
        ("1.12.2026 kl 14.30", datetime(2026, 12, 1, 14, 30)),
        ("14. mars 2026 kl. 10", datetime(2026, 3, 14, 10, 0)),
        ("14. mars 10:00", datetime(2027, 3, 14, 10, 0)),
        ("i morgen 9:05", datetime(2026, 11, 26, 9, 5)),
        ("onsdag 12:00", datetime(2026, 11, 25, 12, 0)),  # later today
        ("onsdag 08:00", datetime(2026, 12, 2, 8, 0)),  # already past today: next week
        ("+3d 10:00", datetime(2026, 11, 28, 10, 0)),
        ("2026-06-10 10:00", datetime(2026, 6, 10, 10, 0)),  # summer time
    ],
)
def test_datetimes_are_local_and_dst_correct(text: str, local: datetime) -> None:
    got = parse_datetime(text, now=NOW, tz=OSLO)
    assert got.replace(tzinfo=None) == local
    assert got.utcoffset() == local.replace(tzinfo=OSLO).utcoffset()


def test_the_dst_gap_is_refused_and_the_repeat_is_the_first() -> None:
    with pytest.raises(UserError) as caught:
        parse_datetime("2026-03-29 02:30", now=NOW, tz=OSLO)
    assert caught.value.key == "parse.dst_gap"
    assert not is_valid_local(datetime(2026, 3, 29, 2, 30), OSLO)
    repeated = parse_datetime("25.10.2026 02:30", now=NOW, tz=OSLO)
    assert repeated.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("1.12.2026", "parse.time_needed"),
        ("1.12.2026 25:00", "parse.bad_time"),
        ("1.12.2026 14:75", "parse.bad_time"),
        ("tull 14:00", "parse.bad_date"),
    ],
)
def test_datetime_errors(text: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_datetime(text, now=NOW, tz=OSLO)
    assert caught.value.key == key


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31",
        "31.12.9999",
        "14. mars 9999",
        "March 14 9999",
        "0000-01-01",  # year 0: out of range, not "no such date"
        "1.1.0001",
        "2127-01-01",
        "1925-12-31",
        "+99999d",
        "+9999999w",
        "+9999w",  # 191 years
        "+" + "9" * 5000 + "d",  # more digits than int() reads: refused before reading
    ],
)
def test_a_date_too_far_from_today_says_which_years_are_accepted(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, today=TODAY)
    assert caught.value.key == "parse.out_of_range"
    assert (caught.value.params["first"], caught.value.params["last"]) == (1926, 2126)
    assert "1926" in t("en", caught.value.key, **caught.value.params)
    assert "2126" in t("nb", caught.value.key, **caught.value.params)


def test_the_accepted_range_is_whole_years_a_century_around_today() -> None:
    assert parse_date("2126-12-31", today=TODAY) == date(2126, 12, 31)
    assert parse_date("1926-01-01", today=TODAY) == date(1926, 1, 1)
    last_offset = (date(2126, 12, 31) - TODAY).days
    assert parse_date(f"+{last_offset}d", today=TODAY) == date(2126, 12, 31)
    with pytest.raises(UserError):
        parse_date(f"+{last_offset + 1}d", today=TODAY)
    assert parse_date("+0003d", today=TODAY) == date(2026, 11, 28)
    assert parse_date("+9999d", today=TODAY) == TODAY + timedelta(days=9999)


@pytest.mark.parametrize(
    "text",
    ["31.12.9999 10:00", "9999-12-31 23:30", "+99999d 10:00", "+60000w 10:00", "1.1.0001 00:10"],
)
def test_a_date_and_time_too_far_from_today_is_refused_too(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_datetime(text, now=NOW, tz=OSLO)
    assert caught.value.key == "parse.out_of_range"


def test_durations() -> None:
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1t") == timedelta(hours=1)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2w") == parse_duration("2u") == timedelta(days=14)
    for bad in ("", "0m", "abc", "-1h", "99999d"):
        with pytest.raises(UserError):
            parse_duration(bad)


# every name the parser read when it had hand-written lists, before the names came from CLDR
OLD_MONTHS = {
    "januar": 1, "january": 1, "jan": 1, "februar": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mai": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11, "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
OLD_WEEKDAYS = {
    "mandag": 0, "man": 0, "monday": 0, "mon": 0,
    "tirsdag": 1, "tir": 1, "tuesday": 1, "tue": 1, "tues": 1,
    "onsdag": 2, "ons": 2, "wednesday": 2, "wed": 2,
    "torsdag": 3, "tor": 3, "thursday": 3, "thu": 3, "thurs": 3,
    "fredag": 4, "fre": 4, "friday": 4, "fri": 4,
    "lørdag": 5, "lør": 5, "lordag": 5, "saturday": 5, "sat": 5,
    "søndag": 6, "søn": 6, "sondag": 6, "sunday": 6, "sun": 6,
}  # fmt: skip
OLD_RELATIVE = {
    "today": 0, "i dag": 0, "idag": 0, "tomorrow": 1, "i morgen": 1, "imorgen": 1,
    "i overmorgen": 2, "overmorgen": 2,
}  # fmt: skip


def _weekday(name: str) -> date:
    return parse_date(name, today=TODAY)


def test_every_form_read_before_is_still_read() -> None:
    for name, month in OLD_MONTHS.items():
        assert parse_date(f"14. {name} 2026", today=TODAY) == date(2026, month, 14), name
        assert parse_date(f"14 {name.capitalize()}", today=TODAY).month == month, name
    for name, weekday in OLD_WEEKDAYS.items():
        assert _weekday(name).weekday() == weekday, name
        assert TODAY <= _weekday(name) < TODAY + timedelta(days=7)
    for name, days in OLD_RELATIVE.items():
        assert parse_date(name.upper(), today=TODAY) == TODAY + timedelta(days=days), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i morgon", date(2026, 11, 26)),
        ("I morgon", date(2026, 11, 26)),
        ("imorgon", date(2026, 11, 26)),
        ("i overmorgon", date(2026, 11, 27)),
        ("overmorgon", date(2026, 11, 27)),
        ("måndag", date(2026, 11, 30)),
        ("tysdag", date(2026, 12, 1)),
        ("onsdag", TODAY),
        ("laurdag", date(2026, 11, 28)),
        ("sundag", date(2026, 11, 29)),
        ("søndag", date(2026, 11, 29)),
        ("14. mars", date(2027, 3, 14)),
        ("1. desember 2026", date(2026, 12, 1)),
    ],
)
def test_nynorsk_dates(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("i morgon 9:05", datetime(2026, 11, 26, 9, 5)),
        ("tysdag kl. 10", datetime(2026, 12, 1, 10, 0)),
        ("måndag klokka 14.30", datetime(2026, 11, 30, 14, 30)),
        ("laurdag 12:00", datetime(2026, 11, 28, 12, 0)),
    ],
)
def test_nynorsk_datetimes(text: str, local: datetime) -> None:
    assert parse_datetime(text, now=NOW, tz=OSLO) == local.replace(tzinfo=OSLO)


def test_two_letter_abbreviations_are_not_weekdays() -> None:
    """CLDR's Nynorsk "to." and "on." are words, not days: an unreadable date, not a guess."""
    for word in ("to", "on", "fr", "la", "må"):
        with pytest.raises(UserError) as caught:
            parse_date(word, today=TODAY)
        assert caught.value.key == "parse.bad_date"


@pytest.mark.parametrize(
    ("lang", "day", "moment", "winter"),
    [
        (
            "nb",
            "1. desember 2026",
            "tirsdag 8. desember 2026 kl. 10.00",
            "lørdag 30. januar 2027 kl. 08.05",
        ),
        (
            "nn",
            "1. desember 2026",
            "tysdag 8. desember 2026 kl. 10.00",
            "laurdag 30. januar 2027 kl. 08.05",
        ),
        (
            "en",
            "1 December 2026",
            "Tuesday 8 December 2026 at 10:00",
            "Saturday 30 January 2027 at 08:05",
        ),
    ],
)
def test_formatting_in_each_language(lang: str, day: str, moment: str, winter: str) -> None:
    assert format_date(date(2026, 12, 1), lang) == day
    assert format_datetime(datetime(2026, 12, 8, 9, 0, tzinfo=UTC), lang, OSLO) == moment
    assert format_datetime(datetime(2027, 1, 30, 7, 5, tzinfo=UTC), lang, OSLO) == winter


def test_formatting_is_in_the_time_zone_given() -> None:
    summer = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 July in Oslo
    assert format_datetime(summer, "nn", OSLO) == "onsdag 1. juli 2026 kl. 00.30"
    assert format_datetime(summer, "en", ZoneInfo("UTC")) == "Tuesday 30 June 2026 at 22:30"
    assert format_time(summer, "nb", OSLO) == "00.30"
    assert format_time(time(14, 0), "en") == "14:00"


def test_a_days_text_is_the_same_whatever_asked_it_first() -> None:
    """Each day's and clock time's text is made once: a moment's seconds, the time of a
    datetime given as a day, or the language asked before must not change what is shown."""
    assert format_time(time(14, 5, 59, 999), "nb") == format_time(time(14, 5), "nb") == "14.05"
    assert format_time(time(14, 5, 1), "en") == "14:05"
    evening = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    assert format_date(evening, "en") == format_date(date(2026, 12, 1), "en") == "1 December 2026"
    assert format_short_date(evening, "nb") == "01.12.2026"
    assert format_short_date(evening, "en") == "01/12/2026"
    assert format_date(date(2026, 12, 1), "nb") == "1. desember 2026"
    assert format_date(date(2026, 12, 1), "xx") == "1. desember 2026"  # unknown: Bokmål


def test_weekday_and_month_names_and_numbers() -> None:
    assert [weekday_name(n, "nn") for n in range(7)] == [
        "måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag",
    ]  # fmt: skip
    assert weekday_name(0, "nb") == "mandag" and weekday_name(6, "en") == "Sunday"
    assert month_name(12, "nn") == "desember" and month_name(5, "en") == "May"
    assert format_number(12345, "nb") == format_number(12345, "nn") == "12\N{NO-BREAK SPACE}345"
    assert format_number(12345, "en") == "12,345"
    assert format_number(7, "nn") == "7"
    assert format_number(1234.5, "nb") == "1\N{NO-BREAK SPACE}234,5"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_anything_but_a_sentence(text: str) -> None:
    for parse in (
        lambda s: parse_date(s, today=TODAY),
        lambda s: parse_datetime(s, now=NOW, tz=OSLO),
        parse_duration,
    ):
        try:
            parse(text)
        except UserError as error:
            for lang in ("nb", "en"):
                assert t(lang, error.key, **error.params)
