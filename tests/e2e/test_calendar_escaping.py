"""Every text that reaches an iCalendar property is escaped: the `.ics` that `/meeting ics`
uploads and the subscription feed read back, with two independent parsers (vobject and
icalendar), to the texts as stored. A message the outbox cannot build is reported, not lost."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import vobject
from icalendar.parser import unescape_backslash
from sqlalchemy import select

from storage.models import Meeting, OutboxMessage
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq

# line breaks of every kind, the characters TEXT escapes, and control characters (RFC 5545
# TEXT has no room for them: they are dropped, the rest is kept as typed)
TITLE = "Linje 1\nLinje 2; a, b \\ c\r\nLinje 3\rLinje 4\x01\x07\x1b\x7f\x85 slutt"
TITLE_AS_SHOWN = "Linje 1\nLinje 2; a, b \\ c\nLinje 3\nLinje 4 slutt"
# the longest place the bot stores (200 characters), multibyte letters across fold lines
PLACE = ("Rom 3; bygg A, etg. 2 \\ inngang øst\nMøterom «Ærfugl»\t" * 6)[:200].strip()
# the longest free text (3,000 characters) reaches DESCRIPTION as an agenda item
AGENDA = ("Punkt; med, tegn \\ og æøå\nneste linje " * 90)[:3000].strip()
REASON = "Avlyst; syk, beklager \\ ny dato\nkommer"
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def _form(title: str, place: str) -> dict[str, Any]:
    return {
        "series": {"value": {"type": "static_select", "selected_option": {"value": "network"}}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-12-10"}},
        "time": {"value": {"type": "timepicker", "selected_time": "10:00"}},
        "duration": {"value": {"type": "static_select", "selected_option": {"value": "2h"}}},
        "place": {"value": {"type": "plain_text_input", "value": place}},
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "repeat": {"value": {"type": "static_select", "selected_option": {"value": "none"}}},
    }


def _schedule_hostile(bot: Bot) -> None:
    # the form is where control characters still reach a title (commands drop them)
    body = slackreq.view_submission_body("meeting_modal", _form(TITLE, PLACE), user_id=COORDINATOR)
    answer = bot.send(body)
    assert answer.status == 200 and answer.body in (b"", b"{}"), answer.body
    reply = bot.command("/meeting", f"agenda M-1 {AGENDA}", user="UOLA")
    assert "M-1" in reply.text and reply.in_channel, reply.text


def _well_formed(data: bytes) -> None:
    """Lines folded at 75 octets, no bare control character, UTF-8 that folds never split."""
    data.decode("utf-8")
    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        assert not RAW_CONTROL.search(line), line
        line.decode("utf-8")  # a fold inside a multibyte letter would not decode


def _by_vobject(data: bytes) -> tuple[str, dict[str, dict[str, str]]]:
    cal = vobject.readOne(data.decode("utf-8"))
    events = {
        str(e.uid.value).split("-", 2)[1]: {
            "summary": e.summary.value,
            "location": e.location.value if hasattr(e, "location") else "",
            "description": e.description.value,
        }
        for e in cal.vevent_list
    }
    return cal.contents["x-wr-calname"][0].value, events


def _by_icalendar(data: bytes) -> tuple[str, dict[str, dict[str, str]]]:
    cal = icalendar.Calendar.from_ical(data)
    events = {
        str(e["UID"]).split("-", 2)[1]: {
            "summary": str(e["SUMMARY"]),
            "location": str(e.get("LOCATION", "")),
            "description": str(e["DESCRIPTION"]),
        }
        for e in cal.walk("VEVENT")
    }
    # icalendar keeps an X- property as it was written; its value is TEXT all the same
    return unescape_backslash(str(cal["X-WR-CALNAME"])), events


def test_the_uploaded_ics_of_a_hostile_meeting_reads_back_whole(bot: Bot) -> None:
    _schedule_hostile(bot)
    reply = bot.command("/meeting", "ics M-1", channel="CNET")
    assert "M-1.ics" in reply.text and "Noe gikk galt" not in reply.text, reply.text
    bot.deliver()
    (url,) = bot.slack.calls_to("files.getUploadURLExternal")
    (complete,) = bot.slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "CNET"
    (data,) = bot.slack.uploads.values()
    assert int(url.params["length"]) == len(data)
    _well_formed(data)
    expected = {
        "1": {
            "summary": f"{TITLE_AS_SHOWN} (M-1)",
            "location": PLACE,
            "description": f"Returnettverket\n1. {AGENDA}",
        }
    }
    for parse in (_by_vobject, _by_icalendar):
        name, events = parse(data)
        assert name == f"{TITLE_AS_SHOWN} (M-1)", parse.__name__
        assert events == expected, parse.__name__


def test_the_feed_reads_back_whole_with_a_cancelled_hostile_meeting(bot: Bot) -> None:
    _schedule_hostile(bot)
    bot.command("/meeting", "schedule network 17.12.2026 10:00", user=COORDINATOR)
    cancelled = bot.command("/meeting", f"cancel M-2 {REASON}", user=COORDINATOR)
    assert cancelled.in_channel, cancelled.text
    bot.rt.settings = replace(bot.rt.settings, public_url="https://returbot.example.no")
    text = bot.command("/returbot", "calendar", user=COORDINATOR).text
    path = text.split("https://returbot.example.no", 1)[1].split()[0]
    reply = bot.get(path)
    assert reply.status == 200
    _well_formed(reply.body)
    expected = {
        "1": {
            "summary": f"{TITLE_AS_SHOWN} (M-1)",
            "location": PLACE,
            "description": f"Returnettverket\n1. {AGENDA}",
        },
        "2": {
            "summary": "Returnettverket (M-2)",
            "location": "",
            "description": f"Returnettverket\n{REASON}",
        },
    }
    for parse in (_by_vobject, _by_icalendar):
        name, events = parse(reply.body)
        assert name == "UDI – returfeltet", parse.__name__
        assert events == expected, parse.__name__


def test_a_meeting_stored_in_year_9999_before_the_date_bound_does_not_break_the_feed(
    bot: Bot,
) -> None:
    # the zone's rules were asked for until year 10001: ValueError, and a 500 for everyone
    bot.command("/meeting", "schedule network 10.12.2026 10:00", user=COORDINATOR)
    with bot.db.session() as session:
        meeting = session.scalars(select(Meeting)).one()
        meeting.starts_at = datetime(9999, 12, 30, 9, 0, tzinfo=UTC)
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    bot.rt.settings = replace(bot.rt.settings, public_url="https://returbot.example.no")
    text = bot.command("/returbot", "calendar", user=COORDINATOR).text
    reply = bot.get(text.split("https://returbot.example.no", 1)[1].split()[0])
    assert reply.status == 200
    (event,) = icalendar.Calendar.from_ical(reply.body).walk("VEVENT")
    assert event.decoded("DTSTART").year == 9999


def test_a_message_that_cannot_be_built_is_reported_and_listed_never_dropped(bot: Bot) -> None:
    bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET")
    bot.command("/meeting", "schedule network 10.12.2026 10:00", user=COORDINATOR)
    bot.command("/meeting", "schedule network 17.12.2026 10:00", user=COORDINATOR)
    bot.deliver()
    bot.slack.reset()
    # two notices queued; the first one's meeting is gone by the time it is sent
    assert bot.command("/meeting", "move M-1 11.12.2026 10:00", user=COORDINATOR).in_channel
    assert bot.command("/meeting", "move M-2 18.12.2026 10:00", user=COORDINATOR).in_channel
    with bot.db.session() as session:
        session.delete(session.scalars(select(Meeting).where(Meeting.number == 1)).one())
    bot.deliver()
    (notice,) = bot.slack.posted("CNET")  # the dispatcher went on with the other message
    assert "M-2" in notice["text"]
    with bot.db.session() as session:
        failed = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed"))
        (row,) = failed
        assert row.kind == "meeting_moved" and row.attempts == 1
        assert row.last_error and row.last_error.startswith("cannot_build: meeting #1: Lookup")
    bot.deliver()
    (alert,) = bot.slack.posted(COORDINATOR)
    assert "`meeting_moved`" in alert["text"] and "meeting #1" in alert["text"]
    assert "ikke lenger finnes i databasen" in alert["text"] and "<#CNET>" in alert["text"]
    assert "/returbot status" in alert["text"]
    status = bot.command("/returbot", "status", user=COORDINATOR)
    assert "meeting_moved" in status.text and "cannot_build: meeting #1" in status.text
    calls = len(bot.slack.calls)
    bot.clock.advance(hours=1)
    bot.deliver()
    bot.deliver()
    assert len(bot.slack.calls) == calls  # not tried again, not reported twice
