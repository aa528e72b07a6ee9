"""Calendar interoperability: what returbot writes, read by two independent parsers.

vobject (Python, its zones through dateutil) and Mozilla's ical.js (the parser of Thunderbird and
many web calendars, run by node) read the `.ics` that `/meeting ics` uploads, the subscription
feed and the iTIP invitations for e-mail, each resolving the meeting's TZID through the
document's own VTIMEZONE; every event's start and end, turned into UTC, must be the meeting's
stored UTC times exactly: in winter and summer, for years ahead, on the Sundays the clocks change
and in the hours around the change. The zone of the organisation is any IANA zone: a few with
other rules (another hemisphere, a rule that changed, none at all) are read the same way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from sqlalchemy import select

from bot import calendar
from bot.context import ManualClock
from storage.db import Database
from storage.models import Meeting
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot, running_bot
from tests.support.fakeslack import FakeSlack

ICALJS = Path(__file__).resolve().parents[1] / "support" / "icaljs"
OSLO = ZoneInfo("Europe/Oslo")
ORGANIZER = "returbot@udi.example.no"
ATTENDEES = ["post@pu.example.no", "vakt@pu.example.no", "postmottak@une.example.no"]
# the Sundays the clocks change in Oslo in the years the meetings below span
SPRING = [date(2027, 3, 28), date(2028, 3, 26), date(2029, 3, 25), date(2030, 3, 31)]
AUTUMN = [date(2027, 10, 31), date(2028, 10, 29), date(2029, 10, 28), date(2030, 10, 27)]
# local times around a change: the hour before it, just after it, and (autumn) the hour that
# comes twice (the bot takes the first; the second is set in the database below)
SPRING_TIMES = ["00:59", "01:30", "01:59", "03:00", "03:01", "03:30", "04:00"]
AUTUMN_TIMES = ["00:30", "01:59", "02:00", "02:30", "02:59", "03:00", "03:30"]

Times = dict[str, tuple[datetime, datetime]]


def _icaljs_missing() -> str:
    if shutil.which("node") is None:
        return "node is not installed: the ical.js checks need it"
    if not (ICALJS / "node_modules" / "ical.js" / "package.json").is_file():
        return "the npm package ical.js is missing: run `npm ci --prefix tests/support/icaljs`"
    return ""


needs_icaljs = pytest.mark.skipif(bool(_icaljs_missing()), reason=_icaljs_missing() or "-")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bot(db: Database, clock: ManualClock, slack: FakeSlack) -> Iterator[Bot]:
    with running_bot(db, clock, slack) as running:
        yield running


# -- the two parsers ------------------------------------------------------------------------


def by_vobject(data: bytes) -> dict[str, Any]:
    """What vobject reads: the METHOD and, by UID, each event's fields, times in UTC."""
    cal = vobject.readOne(data.decode("utf-8"))
    # vobject keeps the first VTIMEZONE it ever read for a TZID, for the whole process: forget
    # it, so that this document's own is the one read
    registry: dict[str, Any] = getattr(vobject.icalendar, "__tzidMap")
    for zone in cal.contents.get("vtimezone", []):
        registry.pop(zone.tzid.value, None)
    cal = vobject.readOne(data.decode("utf-8"))
    events = {}
    for event in cal.vevent_list:
        start, end = event.dtstart.value, event.dtend.value
        assert start.tzinfo is not None and end.tzinfo is not None
        events[event.uid.value] = {
            "start": start.astimezone(UTC),
            "end": end.astimezone(UTC),
            "sequence": int(event.sequence.value) if hasattr(event, "sequence") else None,
            "status": event.status.value if hasattr(event, "status") else None,
            "organizer": event.organizer.value if hasattr(event, "organizer") else None,
            "attendees": [
                (a.value, a.params.get("ROLE", [None])[0], a.params.get("RSVP", [None])[0])
                for a in event.contents.get("attendee", [])
            ],
        }
    method = cal.method.value if hasattr(cal, "method") else None
    return {"method": method, "events": events}


def by_icaljs(data: bytes) -> dict[str, Any]:
    """What ical.js reads, in the same shape as :func:`by_vobject`."""
    node = shutil.which("node") or "node"
    script = str(ICALJS / "read.mjs")
    done = subprocess.run([node, script], input=data, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    read = json.loads(done.stdout)
    events = {}
    for event in read["events"]:
        events[event["uid"]] = {
            "start": datetime.fromisoformat(event["start"]),
            "end": datetime.fromisoformat(event["end"]),
            "sequence": event["sequence"],
            "status": event["status"],
            "organizer": event["organizer"],
            "attendees": [(a["value"], a["role"], a["rsvp"]) for a in event["attendees"]],
        }
    return {"method": read["method"], "events": events}


PARSERS = [
    pytest.param(by_vobject, id="vobject"),
    pytest.param(by_icaljs, id="ical.js", marks=needs_icaljs),
]


def times(read: dict[str, Any]) -> Times:
    return {uid: (e["start"], e["end"]) for uid, e in read["events"].items()}


# -- the meetings ---------------------------------------------------------------------------


def schedule(bot: Bot, text: str) -> None:
    reply = bot.command("/meeting", text, user=COORDINATOR)
    assert reply.in_channel, reply.text


def stored(bot: Bot) -> list[Meeting]:
    with bot.db.session() as session:
        rows = list(session.scalars(select(Meeting).order_by(Meeting.number)))
        session.expunge_all()
        return rows


def expected(bot: Bot) -> Times:
    with bot.db.session() as session:
        instance = calendar.instance_id(session)
    return {calendar.uid(m, instance): (m.starts_at, m.ends_at) for m in stored(bot)}


def schedule_around_the_changes(bot: Bot) -> None:
    """A weekly series for a year (across a spring and an autumn change), and single meetings
    on each Sunday the clocks change until 2030, at the times around the change."""
    schedule(bot, "schedule network 3.12.2026 10:00 repeat:weekly")
    for days, clock_times in ((SPRING, SPRING_TIMES), (AUTUMN, AUTUMN_TIMES)):
        for day in days:
            for at in clock_times:
                schedule(bot, f"schedule steering {day:%d.%m.%Y} {at} duration:90m")
            # and the day before and after, at an ordinary hour
            for other in (day - timedelta(days=1), day + timedelta(days=1)):
                schedule(bot, f"schedule quarterly {other:%d.%m.%Y} 09:00")
    # the second 02:30 of each autumn change (+01:00) cannot be typed: set where it is kept
    with bot.db.session() as session:
        for day in AUTUMN:
            first = datetime.combine(day, datetime.min.time()).replace(hour=2, minute=30)
            second = first.replace(tzinfo=OSLO, fold=1).astimezone(UTC)
            assert second - first.replace(tzinfo=OSLO, fold=0).astimezone(UTC) == timedelta(hours=1)
            meeting = session.scalars(
                select(Meeting).where(Meeting.starts_at == first.replace(tzinfo=OSLO))
            ).one()
            meeting.starts_at, meeting.ends_at = second, second + timedelta(minutes=90)


def feed(bot: Bot) -> bytes:
    bot.rt.settings = replace(bot.rt.settings, public_url="https://returbot.example.no")
    text = bot.command("/returbot", "calendar", user=COORDINATOR).text
    reply = bot.get(text.split("https://returbot.example.no", 1)[1].split()[0])
    assert reply.status == 200
    return reply.body


def uploaded_ics(bot: Bot, ref: str) -> bytes:
    bot.slack.uploads.clear()
    reply = bot.command("/meeting", f"ics {ref}", channel="CNET")
    assert f"{ref}.ics" in reply.text, reply.text
    bot.deliver()
    (data,) = bot.slack.uploads.values()
    return data


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("parse", PARSERS)
def test_every_meeting_in_the_feed_starts_at_its_utc_time_across_the_dst_changes(
    bot: Bot, parse: Any
) -> None:
    schedule_around_the_changes(bot)
    want = expected(bot)
    summer = [s for s, _ in want.values() if s.astimezone(OSLO).utcoffset() == timedelta(hours=2)]
    assert len(want) == 124 and len(summer) > 60  # the series' summer meetings among them
    got = times(parse(feed(bot)))
    wrong = {uid: (got.get(uid), at) for uid, at in want.items() if got.get(uid) != at}
    assert not wrong, f"{len(wrong)} of {len(want)} meetings at the wrong time: {wrong}"


@pytest.mark.parametrize("parse", PARSERS)
def test_the_ics_of_each_meeting_on_a_dst_sunday_gives_its_utc_time(bot: Bot, parse: Any) -> None:
    schedule(bot, "schedule network 28.03.2027 01:30")
    schedule(bot, "schedule network 28.03.2027 03:00")
    schedule(bot, "schedule network 31.10.2027 02:30")  # the first 02:30: 00:30 UTC
    schedule(bot, "schedule network 31.10.2027 03:00")
    schedule(bot, "schedule network 14.06.2029 10:00")
    with bot.db.session() as session:
        instance = calendar.instance_id(session)
    for meeting in stored(bot):
        got = times(parse(uploaded_ics(bot, meeting.ref)))
        assert got == {calendar.uid(meeting, instance): (meeting.starts_at, meeting.ends_at)}
    assert [m.starts_at.strftime("%H:%M") for m in stored(bot)] == [
        "00:30", "01:00", "00:30", "02:00", "08:00",
    ]  # fmt: skip


def test_the_vtimezone_repeats_by_rrule_and_starts_each_change_at_the_wall_time_before_it(
    bot: Bot,
) -> None:
    schedule_around_the_changes(bot)
    cal = icalendar.Calendar.from_ical(feed(bot))
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Oslo"
    parts = [(p.name, p) for p in zone.subcomponents]
    assert [name for name, _ in parts] == ["DAYLIGHT", "STANDARD"]
    for _, part in parts:
        assert "RDATE" not in part  # ical.js reads only the first of a list of them
    daylight, standard = (p for _, p in parts)
    # 01:00 UTC both: 02:00 in +01:00 in spring, 03:00 in +02:00 in autumn
    assert daylight.decoded("DTSTART").time().isoformat() == "02:00:00"
    assert daylight.decoded("TZOFFSETFROM") == timedelta(hours=1)
    assert daylight.decoded("TZOFFSETTO") == timedelta(hours=2)
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert standard.decoded("DTSTART").time().isoformat() == "03:00:00"
    assert standard.decoded("TZOFFSETFROM") == timedelta(hours=2)
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    # the rule's first change is before the first meeting
    assert daylight.decoded("DTSTART") < min(m.starts_at for m in stored(bot)).replace(tzinfo=None)


@needs_icaljs
def test_the_comma_separated_rdates_icalendar_writes_put_summer_meetings_an_hour_off() -> None:
    """Why the VTIMEZONE is written by returbot: the zone as icalendar's from_tzinfo writes it
    puts a meeting two summers ahead an hour off in ical.js (and in vobject)."""
    zone = icalendar.Timezone.from_tzinfo(OSLO, first_date=date(2026, 1, 1))
    start = datetime(2028, 6, 15, 10, 0, tzinfo=OSLO)
    old = _one_event(zone, start)
    for parse in (by_vobject, by_icaljs):
        (got,) = times(parse(old)).values()
        assert got[0] == start.astimezone(UTC) + timedelta(hours=1), parse.__name__
        fixed = _one_event(calendar.vtimezone(OSLO, (2026, 2028)), start)
        assert list(times(parse(fixed)).values()) == [
            (start.astimezone(UTC), start.astimezone(UTC) + timedelta(hours=1))
        ]


def _one_event(zone: icalendar.Timezone, start: datetime) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//test//EN")
    cal.add("version", "2.0")
    cal.add_component(zone)
    event = icalendar.Event()
    event.add("uid", "one@test")
    event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=1))
    cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


# other zones: their changes in the years of the meetings, and meetings around each
ZONES = [
    "Europe/Oslo",
    "America/New_York",  # 2nd and 1st Sunday; the rule changed in 2007
    "Australia/Sydney",  # summer across the new year
    "Asia/Jerusalem",  # the Friday before the last Sunday of March
    "Europe/Istanbul",  # summer time for good from 2016
    "America/Sao_Paulo",  # no summer time from 2019
    "Africa/Casablanca",  # an hour back for Ramadan, a rule no RRULE holds
    "Pacific/Chatham",  # +12:45 and +13:45
    "Asia/Tokyo",  # no summer time at all
]


def _around_changes(zone: ZoneInfo, first: int, last: int) -> list[datetime]:
    """UTC instants an hour before, at, a minute after and two hours after each change of
    ``zone`` in the years ``first``..``last``, and the 15th of each month at noon."""
    found: list[datetime] = []
    at = datetime(first, 1, 1, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    while at < end:
        later = at + timedelta(hours=1)
        if at.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            for lead in (-60, 0, 1, 60, 120):
                found.append(later + timedelta(minutes=lead))
        at = later
    found.extend(
        datetime(y, m, 15, 12, tzinfo=zone).astimezone(UTC)
        for y in range(first, last + 1)
        for m in range(1, 13)
    )
    return found


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("key", ZONES)
def test_meetings_of_any_zone_in_the_config_read_back_at_their_utc_times(
    bot: Bot, parse: Any, key: str
) -> None:
    # the organisation's zone, and meetings scheduled in it; then stored at the instants around
    # each change from 2005 (the years before a zone's rule changed are years in the past)
    zone = ZoneInfo(key)
    org = replace(bot.rt.settings.org, timezone=zone)
    bot.rt.settings = replace(bot.rt.settings, org=org)
    schedule(bot, "schedule network 3.12.2026 10:00 repeat:monthly")
    instants = _around_changes(zone, 2005, 2009) + _around_changes(zone, 2014, 2020)
    with bot.db.session() as session:
        meetings = list(session.scalars(select(Meeting).order_by(Meeting.number)))
        template = meetings[0]
        for number, at in enumerate(instants, start=len(meetings) + 1):
            session.add(
                Meeting(
                    number=number,
                    series_key=template.series_key,
                    title=template.title,
                    place="",
                    starts_at=at,
                    ends_at=at + timedelta(minutes=45),
                    status=template.status,
                    sequence=0,
                    created_by=template.created_by,
                    created_at=template.created_at,
                    updated_at=template.updated_at,
                    timed_at=template.timed_at,
                )
            )
    with bot.db.session() as session:
        body = calendar.Feed(org).body(session, datetime(2005, 6, 1, tzinfo=UTC))
    want = expected(bot)
    got = times(parse(body))
    wrong = {uid: (got.get(uid), at) for uid, at in want.items() if got.get(uid) != at}
    assert not wrong, f"{len(wrong)} of {len(want)} meetings at the wrong time: {wrong}"


@pytest.mark.parametrize("parse", PARSERS)
def test_request_when_scheduled_and_moved_cancel_when_cancelled(bot: Bot, parse: Any) -> None:
    schedule(bot, 'schedule network 28.03.2027 03:30 place:"Møterom 3"')
    (meeting,) = stored(bot)
    with bot.db.session() as session:
        instance = calendar.instance_id(session)
    uid = calendar.uid(meeting, instance)
    ics = by_vobject(uploaded_ics(bot, "M-1"))
    assert list(ics["events"]) == [uid]

    def sent(method: str) -> dict[str, Any]:
        with bot.db.session() as session:
            current = session.scalars(select(Meeting)).one()
            data = calendar.invitation(
                session, current, bot.rt.org, method=method,  # type: ignore[arg-type]
                organizer=ORGANIZER, attendees=[*ATTENDEES, ATTENDEES[0].upper()],
            )  # fmt: skip
            start, end = current.starts_at, current.ends_at
        read = parse(data)
        assert read["method"] == method
        (event,) = read["events"].values()
        assert (read["events"].keys(), event["start"], event["end"]) == ({uid}, start, end)
        assert event["organizer"] == f"mailto:{ORGANIZER}"
        # the same address twice (in another case) is one attendee
        invited = [(f"mailto:{a}", "REQ-PARTICIPANT", "FALSE") for a in ATTENDEES]
        assert event["attendees"] == invited
        return dict(event)

    first = sent("REQUEST")
    assert (first["sequence"], first["status"]) == (0, "CONFIRMED")
    assert first["start"] == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    # the move raises SEQUENCE: the invited calendars move their event
    moved = bot.command("/meeting", "move M-1 31.10.2027 02:30", user=COORDINATOR)
    assert moved.in_channel, moved.text
    second = sent("REQUEST")
    assert (second["sequence"], second["status"]) == (1, "CONFIRMED")
    assert second["start"] == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    cancelled = bot.command("/meeting", "cancel M-1 Koordinatoren er syk", user=COORDINATOR)
    assert cancelled.in_channel, cancelled.text
    third = sent("CANCEL")
    assert (third["sequence"], third["status"]) == (2, "CANCELLED")
    # the .ics says the same: one UID, the same SEQUENCE
    (event,) = by_vobject(uploaded_ics(bot, "M-1"))["events"].values()
    assert (event["sequence"], event["status"]) == (2, "CANCELLED")


def test_an_invitation_is_refused_what_it_cannot_say(bot: Bot) -> None:
    schedule(bot, "schedule network 10.12.2026 10:00")
    with bot.db.session() as session:
        meeting = session.scalars(select(Meeting)).one()

        def build(**given: Any) -> bytes:
            args: dict[str, Any] = {
                "method": "REQUEST", "organizer": ORGANIZER, "attendees": ATTENDEES,
            } | given  # fmt: skip
            return calendar.invitation(session, meeting, bot.rt.org, **args)

        bad: dict[str, Any]
        for bad in ({"method": "PUBLISH"}, {"attendees": []},
                    {"attendees": ["a@pu.no\r\nBCC: x@evil.example"]},
                    {"attendees": ["Kari <kari@pu.no>"]}, {"organizer": "returbot"}):  # fmt: skip
            with pytest.raises(ValueError, match=r"REQUEST|attendee|address"):
                build(**bad)
        meeting.status = "cancelled"
        with pytest.raises(ValueError, match="CANCEL"):
            build()
        assert b"METHOD:CANCEL" in build(method="CANCEL")
        session.rollback()


def test_a_meeting_stored_in_year_9999_keeps_one_rule_and_a_quick_feed(bot: Bot) -> None:
    schedule(bot, "schedule network 10.12.2026 10:00")
    with bot.db.session() as session:
        meeting = session.scalars(select(Meeting)).one()
        meeting.starts_at = datetime(9999, 12, 30, 9, 0, tzinfo=UTC)
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    (zone,) = icalendar.Calendar.from_ical(feed(bot)).walk("VTIMEZONE")
    assert [p.name for p in zone.subcomponents] == ["DAYLIGHT", "STANDARD"]
