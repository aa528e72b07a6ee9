"""Meetings as iCalendar (RFC 5545): one meeting's ``.ics`` file, the subscription feed, and
the iTIP messages (RFC 5546) that invite people by e-mail.

Each meeting keeps one UID for life, so a calendar that imported it updates the entry instead
of adding a second one: SEQUENCE goes up when it moves or is cancelled, and a cancelled meeting
is sent with STATUS:CANCELLED rather than dropped. All three carry the organisation's zone as a
VTIMEZONE of yearly rules (:func:`vtimezone`), which every calendar reads alike.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets
import threading
from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, datetime, timedelta, tzinfo
from itertools import groupby
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy.orm import Session

from bot import permissions
from bot.context import Actor
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from storage import common
from storage import meetings as store
from storage.models import Meeting

PRODID = "-//returbot//returbot//NB"
# the calendar's METHOD: a file or feed (RFC 5545), or an iTIP message by e-mail (RFC 5546)
PUBLISH = "PUBLISH"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
ItipMethod = Literal["REQUEST", "CANCEL"]
# an address as a calendar (and a mail server) takes it: no spaces, no quoting, one @
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\\\"]+@[^@\s<>()\[\],;:\\\"]+\.[^@\s<>()\[\],;:\\\"]+")
TOKEN_KEY = "calendar_token"  # noqa: S105 (the name of a stored value, not a secret)
INSTANCE_KEY = "instance_id"
FEED_PAST = timedelta(days=365)
# RFC 5545 TEXT holds no control characters but the tab (a line break is written as \n)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def instance_id(session: Session) -> str:
    """A random name for this installation, made once: part of every UID, never changed."""
    found = common.get_value(session, INSTANCE_KEY)
    if found:
        return found
    made = secrets.token_hex(8)
    common.set_value(session, INSTANCE_KEY, made)
    return made


def feed_token(session: Session, *, renew: bool = False) -> str:
    """The secret in the feed's URL, made on first use; ``renew`` makes the old URL stop working."""
    found = common.get_value(session, TOKEN_KEY)
    if found and not renew:
        return found
    made = secrets.token_urlsafe(24)
    common.set_value(session, TOKEN_KEY, made)
    return made


def has_token(session: Session) -> bool:
    return common.get_value(session, TOKEN_KEY) is not None


def token_matches(session: Session, given: str) -> bool:
    found = common.get_value(session, TOKEN_KEY)
    return found is not None and hmac.compare_digest(found.encode(), given.encode())


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/{token}.ics"


def feed_for(session: Session, *, actor: Actor, public_url: str | None, renew: bool) -> str:
    """Coordinator: the feed's URL (``renew``: a new one, and the old one stops working)."""
    permissions.require_coordinator(actor)
    if not public_url:
        raise UserError("admin.calendar_no_url")
    return feed_url(public_url, feed_token(session, renew=renew))


def uid(meeting: Meeting, instance: str) -> str:
    return f"{meeting.ref}-{instance}@returbot"


def text(value: str) -> icalendar.vText:
    """``value`` as an iCalendar TEXT value, for any property: line breaks are kept (icalendar
    writes them as ``\\n`` and escapes ``\\``, ``;`` and ``,``), control characters dropped."""
    flat = value.replace("\r\n", "\n").replace("\r", "\n")
    clean = _CONTROL.sub("", flat)
    # a lone surrogate cannot be written as UTF-8 and would stop the whole file
    return icalendar.vText(clean.encode("utf-8", "replace").decode("utf-8"))


# -- the organisation's VTIMEZONE -------------------------------------------------------------
#
# Written the way Outlook and Google write theirs: a STANDARD and a DAYLIGHT observance, each
# repeating yearly by an RRULE. (icalendar's Timezone.from_tzinfo lists every change as one
# comma-separated RDATE, of which Mozilla's ical.js reads only the first value, and writes the
# spring change at the wall time after it instead of before it.) The rule is read from the zone's
# own changes in the years the calendar spans and checked against every one of those years;
# where the zone's rule changed within them, the years before the present rule are written out
# change by change.

# the zone is sampled this often for changes of its UTC offset (each change is then found to the
# second); no zone has had two changes less than a week apart in the years a meeting can be in
_SAMPLE = 7 * 86400
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# the first and the last instant the zone is asked about: its offset must fit in a datetime
_EARLIEST = datetime(MINYEAR, 1, 3, tzinfo=UTC)
_LATEST = datetime(MAXYEAR, 12, 29, tzinfo=UTC)


# RRULE parts: (name, values)
_Rule = tuple[tuple[str, tuple[int | str, ...]], ...]


@dataclass(frozen=True)
class _Change:
    """One change of the zone's UTC offset."""

    at: int  # the instant, in POSIX seconds
    before: timedelta  # the UTC offset until then
    after: timedelta  # and from then on
    name: str  # the zone's abbreviation after it (TZNAME)
    daylight: bool  # after it, summer time (DAYLIGHT) or not (STANDARD)

    @property
    def local(self) -> datetime:
        """The wall time at the change in the offset before it: an observance's DTSTART."""
        return (datetime.fromtimestamp(self.at, UTC) + self.before).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[object, ...]:
        """What a yearly rule keeps from year to year: all but the day of the month."""
        local = self.local
        return (
            self.before, self.after, self.name, self.daylight, local.month, local.weekday(),
            local.time(),
        )  # fmt: skip


@dataclass(frozen=True)
class _Observance:
    """A STANDARD or DAYLIGHT sub-component: from ``start`` (local, in the offset before), and
    yearly by ``rule`` (RRULE parts) when it has one."""

    start: datetime
    before: timedelta
    after: timedelta
    name: str
    daylight: bool
    rule: _Rule = ()


def _zone_at(zone: tzinfo, at: int) -> datetime:
    return datetime.fromtimestamp(at, zone)


def _offset(zone: tzinfo, at: int) -> timedelta | None:
    return _zone_at(zone, at).utcoffset()


def _changes(zone: tzinfo, start: int, end: int) -> list[_Change]:
    """Every change of ``zone``'s UTC offset in [start, end), each to the second."""
    found: list[_Change] = []
    here, offset = start, _offset(zone, start)
    while here < end:
        step = min(here + _SAMPLE, end)
        if _offset(zone, step) == offset:
            here = step
            continue
        low, high = here, step  # the offset at low is the old one, at high a new one
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(zone, middle) == offset:
                low = middle
            else:
                high = middle
        after = _zone_at(zone, high)
        assert offset is not None and after.utcoffset() is not None
        found.append(
            _Change(
                at=high,
                before=offset,
                after=after.utcoffset() or timedelta(0),
                name=after.tzname() or "",
                daylight=bool(after.dst()),
            )
        )
        here, offset = high, after.utcoffset()
    return found


def _by_day(changes: Sequence[_Change]) -> _Rule | None:
    """The RRULE day parts that give each change's day in its year (all of one month and
    weekday), or None if no rule does: the n-th weekday, the last one, or the first on or
    after a day of the month (e.g. Israel's Friday on or after the 23rd)."""
    days = [(c.local.year, c.local.day) for c in changes]
    local = changes[0].local
    weekday = _WEEKDAYS[local.weekday()]
    month = local.month
    nths = {(day - 1) // 7 + 1 for _, day in days}
    nth = nths.pop() if len(nths) == 1 else None
    # days 25-28 of a 31-day month are the 4th and the last weekday alike: the last is the rule
    # zones have (lastSun), the 5th is always the last
    last = all(day + 7 > monthrange(year, month)[1] for year, day in days)
    if nth is not None and (nth <= 3 or not last):
        return (("BYMONTH", (month,)), ("BYDAY", (f"{nth}{weekday}",)))
    if last:
        return (("BYMONTH", (month,)), ("BYDAY", (f"-1{weekday}",)))
    first = min(day for _, day in days)
    # the seven days must be in the month every year (a February of 28 days)
    if all(first <= day < first + 7 for _, day in days) and first + 6 <= monthrange(1, month)[1]:
        monthdays = tuple(range(first, first + 7))
        return (("BYMONTH", (month,)), ("BYDAY", (weekday,)), ("BYMONTHDAY", monthdays))
    return None


@functools.lru_cache(maxsize=32)
def _observances(key: str, first: int, last: int) -> tuple[_Observance, ...]:
    """The observances of zone ``key`` for the local years ``first`` to ``last``."""
    zone = ZoneInfo(key)
    start = max(_EARLIEST, datetime(first, 1, 1, tzinfo=UTC) - timedelta(days=1))
    end = _LATEST if last >= MAXYEAR else min(_LATEST, datetime(last + 1, 1, 2, tzinfo=UTC))
    by_year: dict[int, list[_Change]] = {year: [] for year in range(first, last + 1)}
    for change in _changes(zone, int(start.timestamp()), int(end.timestamp())):
        if change.local.year in by_year:
            by_year[change.local.year].append(change)
    # runs of years whose changes are alike but for their days
    runs = [
        [year for year, _ in run]
        for _, run in groupby(by_year.items(), key=lambda item: [c.kind for c in item[1]])
    ]
    found: list[_Observance] = []
    first_changes = next((by_year[run[0]] for run in runs if by_year[run[0]]), [])
    if not first_changes or first_changes[0].local.year > first:
        # the offset before any change (or the zone's only one)
        begin = datetime(first, 1, 1)
        offset = zone.utcoffset(begin) or timedelta(0)
        found.append(
            _Observance(begin, offset, offset, zone.tzname(begin) or "", bool(zone.dst(begin)))
        )
    for index, run in enumerate(runs):
        years = [by_year[year] for year in run]
        if not years[0]:
            continue  # no change in these years: the offset of the last change holds
        rules = (
            [_by_day([changes[n] for changes in years]) for n in range(len(years[0]))]
            # the present rule: the last run of the span, seen in more than one year
            if index == len(runs) - 1 and len(run) > 1
            else []
        )
        if rules and all(rules):
            found.extend(
                _Observance(
                    change.local,
                    change.before,
                    change.after,
                    change.name,
                    change.daylight,
                    (("FREQ", ("YEARLY",)), *(rule or ())),
                )
                for change, rule in zip(years[0], rules, strict=True)
            )
            continue
        # a rule that held for some years only, or none at all: each change by itself
        found.extend(
            _Observance(c.local, c.before, c.after, c.name, c.daylight)
            for changes in years
            for c in changes
        )
    return tuple(found)


def vtimezone(zone: ZoneInfo, years: tuple[int, int]) -> icalendar.Timezone:
    """``zone`` as a VTIMEZONE for calendars of events in the local years ``years`` (and a year
    either side): its present rule as RRULEs, earlier rules within those years change by change,
    a zone without summer time as one STANDARD."""
    if not zone.key:
        raise ValueError("a time zone without an IANA name cannot be written as a VTIMEZONE")
    first, last = max(MINYEAR, years[0] - 1), min(MAXYEAR, years[1] + 1)
    component = icalendar.Timezone()
    component.add("tzid", zone.key)
    for seen in _observances(zone.key, first, last):
        part = icalendar.TimezoneDaylight() if seen.daylight else icalendar.TimezoneStandard()
        part.add("dtstart", seen.start)
        if seen.rule:
            part.add("rrule", icalendar.vRecur({k: list(v) for k, v in seen.rule}))
        part.add("tzoffsetfrom", seen.before)
        part.add("tzoffsetto", seen.after)
        if seen.name:
            part.add("tzname", seen.name)
        component.add_component(part)
    return component


def _when(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` in the organisation's zone (written with its TZID); in UTC instead when its
    wall time comes twice (the hour the clocks go back): RFC 5545 takes such a time for the
    first of the two, which the second cannot then be written as, and ical.js takes it for
    the second."""
    local = moment.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return moment.astimezone(UTC)
    return local


def _event(
    meeting: Meeting, org: OrgConfig, instance: str, series_names: dict[str, str]
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid(meeting, instance))
    event.add("dtstamp", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", _when(meeting.starts_at, org.timezone))
    event.add("dtend", _when(meeting.ends_at, org.timezone))
    event.add("summary", text(f"{meeting.title} ({meeting.ref})"))
    event.add("sequence", meeting.sequence)
    cancelled = meeting.status == store.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.place:
        event.add("location", text(meeting.place))
    lines = [series_names.get(meeting.series_key, meeting.series_key)]
    if cancelled and meeting.cancel_reason:
        lines.append(meeting.cancel_reason)
    lines.extend(f"{n}. {item.text}" for n, item in enumerate(meeting.agenda, start=1))
    event.add("description", text("\n".join(lines)))
    event.add("categories", [str(text(meeting.series_key))])
    return event


def _calendar(
    org: OrgConfig, name: str, years: tuple[int, int] | None, method: str = PUBLISH
) -> icalendar.Calendar:
    """The calendar's own properties and its VTIMEZONE, without events."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if method == PUBLISH:
        # a file and a feed to subscribe to, not a message
        # icalendar does not know these as TEXT and would write them unescaped: a line break
        # in a meeting's title broke the file
        cal.add("x-wr-calname", text(name))
        cal.add("x-wr-timezone", text(org.timezone.key))
        cal.add("refresh-interval", timedelta(minutes=30), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT30M")
    if years is not None:
        cal.add_component(vtimezone(org.timezone, years))
    return cal


def _shell(org: OrgConfig, name: str, years: tuple[int, int] | None) -> bytes:
    """The calendar without its events and with ``END:VCALENDAR`` left off, for the feed to
    put its events (each serialised by icalendar, and kept) into."""
    data: bytes = _calendar(org, name, years).to_ical()
    return data.removesuffix(_END)


_END = b"END:VCALENDAR\r\n"


def _years(meetings: Iterable[Meeting], org: OrgConfig) -> tuple[int, int] | None:
    years = [m.starts_at.astimezone(org.timezone).year for m in meetings]
    return (min(years), max(years)) if years else None


def build(
    meetings: Iterable[Meeting], org: OrgConfig, instance: str, *, name: str | None = None
) -> bytes:
    """An iCalendar document holding ``meetings`` with the organisation's VTIMEZONE."""
    chosen = list(meetings)
    names = {s.key: s.name for s in org.series}
    cal = _calendar(org, name or org.name, _years(chosen, org))
    for meeting in chosen:
        cal.add_component(_event(meeting, org, instance, names))
    data: bytes = cal.to_ical()
    return data


def meeting_file(session: Session, meeting: Meeting, org: OrgConfig) -> bytes:
    """One meeting as an ``.ics`` file, to open in Outlook or Google Calendar."""
    return build([meeting], org, instance_id(session), name=f"{meeting.title} ({meeting.ref})")


def _mailto(address: str) -> str:
    found = address.strip()
    if not _ADDRESS.fullmatch(found):
        raise ValueError(f"not an e-mail address: {found[:80]!r}")
    return f"mailto:{found}"


def invitation(
    session: Session,
    meeting: Meeting,
    org: OrgConfig,
    *,
    method: ItipMethod,
    organizer: str,
    attendees: Sequence[str],
) -> bytes:
    """The meeting as an iTIP message (RFC 5546) for e-mail: REQUEST invites ``attendees`` to
    it, or, with the higher SEQUENCE a move gives it, moves it in their calendars; CANCEL takes
    it out of them (STATUS:CANCELLED). ORGANIZER is ``organizer`` (the mail-from address), each
    of ``attendees`` an ATTENDEE; the UID is the one the ``.ics`` and the feed give it, so a
    calendar updates the one event it has."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"an invitation is a REQUEST or a CANCEL, not {method!r}")
    if method == REQUEST and meeting.status == store.CANCELLED:
        raise ValueError(f"{meeting.ref} is cancelled: it is sent as a CANCEL")
    # an address in another case is the same mailbox (RFC 5321 leaves it to the domain; none
    # of the recipients' domains tells them apart): invited once
    invited: dict[str, str] = {}
    for address in attendees:
        found = _mailto(address)
        invited.setdefault(found.lower(), found)
    if not invited:
        raise ValueError("an invitation needs at least one attendee")
    names = {s.key: s.name for s in org.series}
    cal = _calendar(org, org.name, _years([meeting], org), method=method)
    event = _event(meeting, org, instance_id(session), names)
    if method == CANCEL:
        event["STATUS"] = icalendar.vText("CANCELLED")
    name = _CONTROL.sub("", org.name).replace('"', "'")
    event.add("organizer", icalendar.vCalAddress(_mailto(organizer)), parameters={"CN": name})
    for address in invited.values():
        event.add(
            "attendee", icalendar.vCalAddress(address),
            parameters={"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT",
                        "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"},
        )  # fmt: skip
    cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


class Feed:
    """The subscription feed: every meeting from a year back.

    Serialising 2,000 events takes about a second, so each event's text is kept and only the
    meetings that changed since the last request (by ``updated_at`` and ``sequence``) are
    serialised again; an unchanged feed is served as it was.
    """

    def __init__(self, org: OrgConfig) -> None:
        self.org = org
        self._lock = threading.Lock()
        self._events: dict[int, tuple[object, bytes]] = {}
        self._shells: dict[tuple[int, int] | None, bytes] = {}
        self._last: tuple[object, bytes] | None = None

    def body(self, session: Session, now: datetime) -> bytes:
        day = now.astimezone(self.org.timezone).date()
        since = datetime.combine(day, datetime.min.time(), tzinfo=self.org.timezone) - FEED_PAST
        index = store.feed_index(session, since)
        version = tuple(index)
        with self._lock:
            if self._last is not None and self._last[0] == version:
                return self._last[1]
            stale = [row.id for row in index if self._events.get(row.id, (None,))[0] != row.key]
            if stale:
                names = {s.key: s.name for s in self.org.series}
                instance = instance_id(session)
                for meeting in store.with_agenda(session, stale):
                    key = store.feed_key(meeting)
                    event = _event(meeting, self.org, instance, names).to_ical()
                    self._events[meeting.id] = (key, event)
            years = (
                (
                    min(r.starts_at for r in index).astimezone(self.org.timezone).year,
                    max(r.starts_at for r in index).astimezone(self.org.timezone).year,
                )
                if index
                else None
            )
            shell = self._shells.get(years)
            if shell is None:
                shell = self._shells[years] = _shell(self.org, self.org.name, years)
            body = shell + b"".join(self._events[row.id][1] for row in index) + _END
            self._last = (version, body)
            return body
