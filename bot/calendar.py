"""Meetings as iCalendar (RFC 5545): one meeting's ``.ics`` file and the subscription feed.

Each meeting keeps one UID for life, so a calendar that imported it updates the entry instead
of adding a second one: SEQUENCE goes up when it moves or is cancelled, and a cancelled meeting
is sent with STATUS:CANCELLED rather than dropped.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from collections.abc import Iterable
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

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


def _event(
    meeting: Meeting, org: OrgConfig, instance: str, series_names: dict[str, str]
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid(meeting, instance))
    event.add("dtstamp", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.starts_at.astimezone(org.timezone))
    event.add("dtend", meeting.ends_at.astimezone(org.timezone))
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


def _calendar(org: OrgConfig, name: str, years: tuple[int, int] | None) -> icalendar.Calendar:
    """The calendar's own properties and its VTIMEZONE, without events."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # icalendar does not know these as TEXT and would write them unescaped: a line break in a
    # meeting's title broke the file
    cal.add("x-wr-calname", text(name))
    cal.add("x-wr-timezone", text(org.timezone.key))
    cal.add("refresh-interval", timedelta(minutes=30), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT30M")
    if years is not None:
        # the zone's rules for the years the meetings span, not since 1970
        first = date(max(MINYEAR, years[0] - 1), 1, 1)
        last = date(min(MAXYEAR, years[1] + 2), 1, 1)
        cal.add_component(
            icalendar.Timezone.from_tzinfo(org.timezone, first_date=first, last_date=last)
        )
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
