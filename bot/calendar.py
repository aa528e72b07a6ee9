"""Meetings as iCalendar (RFC 5545): one meeting's ``.ics`` file and the subscription feed.

Each meeting keeps one UID for life, so a calendar that imported it updates the entry instead
of adding a second one: SEQUENCE goes up when it moves or is cancelled, and a cancelled meeting
is sent with STATUS:CANCELLED rather than dropped.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import icalendar
from sqlalchemy.orm import Session

from bot.orgconfig import OrgConfig
from storage import common
from storage import meetings as store
from storage.models import Meeting

PRODID = "-//returbot//returbot//NB"
TOKEN_KEY = "calendar_token"  # noqa: S105 (the name of a stored value, not a secret)
INSTANCE_KEY = "instance_id"
FEED_PAST = timedelta(days=365)


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


def token_matches(session: Session, given: str) -> bool:
    found = common.get_value(session, TOKEN_KEY)
    return found is not None and hmac.compare_digest(found.encode(), given.encode())


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/{token}.ics"


def uid(meeting: Meeting, instance: str) -> str:
    return f"M-{meeting.number}-{instance}@returbot"


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
    event.add("summary", f"{meeting.title} (M-{meeting.number})")
    event.add("sequence", meeting.sequence)
    cancelled = meeting.status == store.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.place:
        event.add("location", meeting.place)
    lines = [series_names.get(meeting.series_key, meeting.series_key)]
    if cancelled and meeting.cancel_reason:
        lines.append(meeting.cancel_reason)
    lines.extend(f"{n}. {item.text}" for n, item in enumerate(meeting.agenda, start=1))
    event.add("description", "\n".join(lines))
    event.add("categories", [meeting.series_key])
    return event


def _calendar(org: OrgConfig, name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", org.timezone.key)
    return cal


def build(
    meetings: Iterable[Meeting], org: OrgConfig, instance: str, *, name: str | None = None
) -> bytes:
    """An iCalendar document holding ``meetings`` with the organisation's VTIMEZONE."""
    cal = _calendar(org, name or org.name)
    cal.add("refresh-interval", timedelta(minutes=30), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT30M")
    names = {s.key: s.name for s in org.series}
    for meeting in meetings:
        cal.add_component(_event(meeting, org, instance, names))
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def meeting_file(session: Session, meeting: Meeting, org: OrgConfig) -> bytes:
    """One meeting as an ``.ics`` file, to open in Outlook or Google Calendar."""
    return build([meeting], org, instance_id(session), name=f"{meeting.title} (M-{meeting.number})")


@dataclass
class _Cached:
    version: tuple[object, ...]
    body: bytes


class Feed:
    """The subscription feed: every meeting from a year back; rebuilt only when one changes."""

    def __init__(self, org: OrgConfig) -> None:
        self.org = org
        self._cached: _Cached | None = None
        self._lock = threading.Lock()

    def body(self, session: Session, now: datetime) -> bytes:
        # the window's start moves by the day, so a day's requests share one build
        day = now.astimezone(self.org.timezone).date()
        since = datetime.combine(day, datetime.min.time(), tzinfo=self.org.timezone) - FEED_PAST
        version = (day, *store.feed_version(session, since))
        with self._lock:
            cached = self._cached
        if cached is not None and cached.version == version:
            return cached.body
        body = build(store.for_feed(session, since), self.org, instance_id(session))
        with self._lock:
            self._cached = _Cached(version, body)
        return body
