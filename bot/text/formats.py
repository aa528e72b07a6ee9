"""Dates, times and numbers as a reader of nb, nn or en expects them, from Babel's CLDR data.

Every date, weekday, clock time and count the bot shows goes through here, in the organisation's
time zone. The locales:

- ``nb`` -> ``nb_NO`` and ``nn`` -> ``nn_NO``: Norwegian Bokmål and Nynorsk as written in Norway.
- ``en`` -> ``en_GB``: the users are Slack users in a Norwegian agency who chose English. British
  English keeps what they read elsewhere at work: day before month (``1 December 2026``, never
  ``December 1``), the 24-hour clock (``14:00``, never ``2:00 PM``) and the week from Monday.
  ``en_US`` would give them both of the American orders.

Only what CLDR (as Babel ships it) does not say the way the directorate writes is written here:
English's weekday without a comma, the word between a date and its time (CLDR's ``atTime``
patterns, ``{1} 'kl'. {0}`` and ``{1} 'at' {0}``, which Babel leaves out) and the Norwegian
clock ``14.00`` with a full stop, the form the directorate writes (GLOSSARY.md: ``tirsdag
8. desember kl. 10.00``; Språkrådet allows both, CLDR's nb and nn ``HH:mm`` is the newer one).

The names the date parser reads (``bot.text.dates``) come from here as well, so a month or a
weekday is read in every language it is written in.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache, lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from babel import dates as cldr
from babel import localedata
from babel import numbers as cldr_numbers

LOCALES: Final[dict[str, str]] = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}
# a clock time: the Norwegian full stop for nb and nn, CLDR's own pattern for en_GB (HH:mm)
_CLOCK: Final[dict[str, str]] = {"nb": "HH.mm", "nn": "HH.mm"}
# a date with its weekday: CLDR's full date for nb and nn (``EEEE d. MMMM y``); en_GB's full date
# has a comma after the weekday, which British public bodies leave out (GOV.UK's "Tuesday
# 8 December 2026", and what returbot always wrote): CLDR's own en_GB skeleton ``MMMMEEEEd`` with
# the year after it
_WEEKDAY_DATE: Final[dict[str, str]] = {"en": "EEEE d MMMM y"}
# between a date and its time: CLDR's atTime glue, which Babel does not ship
_AT: Final[dict[str, str]] = {"nb": "kl.", "nn": "kl.", "en": "at"}


def locale_of(lang: str) -> str:
    """The CLDR locale of a language code (anything unknown reads as Bokmål)."""
    return LOCALES.get(lang, LOCALES["nb"])


def _lang(lang: str) -> str:
    return lang if lang in LOCALES else "nb"


# A day's, a clock time's or a number's text in a language never changes, and Babel reads its
# pattern and locale anew for each (a list of 20 issues spent a fifth of its CPU there): each
# is made once. The few days, times and counts a working set shows fit many times over.
_TEXTS = 4096


@lru_cache(maxsize=_TEXTS)
def _day(d: date, pattern: str, lang: str) -> str:
    return cldr.format_date(d, pattern, locale=locale_of(lang))


def format_date(d: date, lang: str) -> str:
    """``1. desember 2026`` (nb, nn) or ``1 December 2026`` (en): CLDR's long date."""
    return _day(_as_date(d), "long", lang)


def format_weekday_date(d: date, lang: str) -> str:
    """``tirsdag 1. desember 2026`` / ``tysdag 1. desember 2026`` / ``Tuesday 1 December 2026``."""
    return _day(_as_date(d), _WEEKDAY_DATE.get(_lang(lang)) or "full", lang)


def _as_date(d: date) -> date:
    """The day alone (a datetime is a date too, and its time would only spread the cache)."""
    return d.date() if isinstance(d, datetime) else d


def format_time(at: time | datetime, lang: str, tz: ZoneInfo | None = None) -> str:
    """``14.00`` (nb, nn) or ``14:00`` (en); an aware moment is read in ``tz`` first."""
    if isinstance(at, datetime) and tz is not None:
        at = at.astimezone(tz)
    moment = at.time() if isinstance(at, datetime) else at
    return _clock(moment.replace(second=0, microsecond=0), lang)  # shown to the minute


@lru_cache(maxsize=_TEXTS)
def _clock(moment: time, lang: str) -> str:
    pattern = _CLOCK.get(_lang(lang)) or "short"
    return cldr.format_time(moment, pattern, locale=locale_of(lang))


def at_time(clock: str, lang: str) -> str:
    """A clock time as said after a day: ``kl. 14.00`` / ``at 14:00``."""
    return f"{_AT[_lang(lang)]} {clock}"


def format_datetime(dt: datetime, lang: str, tz: ZoneInfo) -> str:
    """``tirsdag 1. desember 2026 kl. 14.00``, ``tysdag 1. desember 2026 kl. 14.00`` or
    ``Tuesday 1 December 2026 at 14:00``, in the organisation's time zone ``tz``."""
    local = dt.astimezone(tz)
    day = format_weekday_date(local.date(), lang)
    return f"{day} {at_time(format_time(local.time(), lang), lang)}"


def format_short_date(d: date, lang: str) -> str:
    """``25.11.2026`` (nb, nn) or ``25/11/2026`` (en): CLDR's short date with the full year,
    for tables and lists."""
    return _day(_as_date(d), "dd.MM.y" if _lang(lang) != "en" else "dd/MM/y", lang)


def format_short_datetime(dt: datetime, lang: str, tz: ZoneInfo) -> str:
    """``25.11.2026 10.30`` (nb, nn) or ``25/11/2026 10:30`` (en), in ``tz``."""
    local = dt.astimezone(tz)
    return f"{format_short_date(local.date(), lang)} {format_time(local.time(), lang)}"


def weekday_name(weekday: int, lang: str) -> str:
    """The weekday (0 = Monday) as written inside a sentence: ``måndag``, ``Monday``."""
    return str(cldr.get_day_names("wide", "format", locale=locale_of(lang))[weekday])


def month_name(month: int, lang: str) -> str:
    """The month (1 = January) as written inside a sentence: ``desember``, ``December``."""
    return str(cldr.get_month_names("wide", "format", locale=locale_of(lang))[month])


@lru_cache(maxsize=_TEXTS)
def format_number(n: int | float, lang: str) -> str:
    """A count or a figure with the reader's grouping and decimal sign: ``12 345`` / ``12,345``
    (the Norwegian group separator is a no-break space). Not for years or record numbers."""
    return cldr_numbers.format_decimal(n, locale=locale_of(lang))


# -- what the date parser reads ------------------------------------------------------------------


def _word(name: str) -> str:
    return name.strip().rstrip(".").lower()


@cache
def month_words() -> dict[str, int]:
    """Every month name the parser reads, lower case: wide and abbreviated, in nb, nn and en."""
    out: dict[str, int] = {}
    for locale in LOCALES.values():
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                names = cldr.get_month_names(width, context, locale=locale)
                out.update({_word(str(name)): int(n) for n, name in names.items()})
    return out


@cache
def weekday_words() -> dict[str, int]:
    """Every weekday name the parser reads (0 = Monday), lower case, in nb, nn and en.

    Abbreviations of fewer than three letters are left out: Nynorsk's CLDR ones (``to.``,
    ``on.``, ``fr.``, ``la.``) are ordinary words that would read as a day where none was meant.
    """
    out: dict[str, int] = {}
    for locale in LOCALES.values():
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                names = cldr.get_day_names(width, context, locale=locale)
                for n, name in names.items():
                    word = _word(str(name))
                    if len(word) >= 3:
                        out[word] = int(n)
    return out


@cache
def relative_day_words() -> dict[str, int]:
    """CLDR's words for today and the days after it (``i dag``, ``i morgon``, ``tomorrow``...)."""
    out: dict[str, int] = {}
    for locale in LOCALES.values():
        fields = localedata.load(locale)["date_fields"]["day"]["relative"]
        for offset, name in fields.items():
            if int(offset) >= 0:
                out[_word(str(name))] = int(offset)
    return out
