"""/meeting end to end: schedule (single, series, modal), agenda, show, move, cancel, ics, feed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import icalendar
import pytest
from sqlalchemy import func, select

from storage.models import Meeting, OutboxMessage
from tests.blockcheck import assert_valid_blocks, assert_valid_view
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq


def meetings_in(bot: Bot) -> list[Meeting]:
    with bot.db.session() as session:
        rows = list(session.scalars(select(Meeting).order_by(Meeting.number)))
        session.expunge_all()
        return rows


def coordinator(bot: Bot, text: str, channel: str = "CGEN") -> str:
    reply = bot.command("/meeting", text, user=COORDINATOR, channel=channel)
    assert reply.status == 200
    return reply.text


def test_coordinator_schedules_a_meeting_in_local_time(bot: Bot) -> None:
    reply = bot.command(
        "/meeting",
        'schedule network 1.12.2026 10:00 place:"Møterom 3" duration:90m',
        user=COORDINATOR,
    )
    assert reply.in_channel
    assert "M-1" in reply.text and "Returnettverket" in reply.text
    assert "tirsdag 1. desember 2026 kl. 10.00–11.30" in reply.text
    assert "Møterom 3" in reply.text
    assert_valid_blocks(reply.json["blocks"])
    (meeting,) = meetings_in(bot)
    assert meeting.starts_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    assert (meeting.series_key, meeting.status, meeting.sequence) == ("network", "scheduled", 0)


def test_the_default_subcommand_and_the_alias_schedule_too(bot: Bot) -> None:
    reply = bot.command("/mote", "quarterly 8.12.2026 kl. 13", user=COORDINATOR)
    assert reply.in_channel and "M-1" in reply.text
    (meeting,) = meetings_in(bot)
    assert meeting.ends_at - meeting.starts_at == (
        datetime(2026, 1, 1, 2) - datetime(2026, 1, 1, 0)
    )


def test_only_the_coordinator_schedules(bot: Bot) -> None:
    reply = bot.command("/meeting", "schedule network 1.12.2026 10:00", user="UKARI")
    assert not reply.in_channel
    assert "koordinatoren" in reply.text and f"<@{COORDINATOR}>" in reply.text
    assert meetings_in(bot) == []


def test_a_quarterly_series_keeps_the_second_tuesday_and_local_time(bot: Bot) -> None:
    text = coordinator(bot, "schedule quarterly 8.12.2026 10:00 repeat:quarterly")
    assert "4" in text and "M-1" in text and "M-4" in text
    starts = [m.starts_at for m in meetings_in(bot)]
    # 2nd Tuesday of December, March, June, September; 10:00 in Oslo in winter and summer
    assert starts == [
        datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 9, 9, 0, tzinfo=UTC),
        datetime(2027, 6, 8, 8, 0, tzinfo=UTC),
        datetime(2027, 9, 14, 8, 0, tzinfo=UTC),
    ]
    assert {m.recurrence_id for m in meetings_in(bot)} == {1}


def test_a_weekly_series_moves_off_holidays_and_says_so(bot: Bot) -> None:
    text = coordinator(bot, "schedule network 30.11.2026 10:00 repeat:weekly")
    found = meetings_in(bot)
    assert len(found) == 52
    moved = {m.moved_from: m.starts_at.date() for m in found if m.moved_from}
    # Easter Monday 2027 and 17 May 2027 (also Whit Monday) move to the Tuesday after
    assert moved == {
        date(2027, 3, 29): date(2027, 3, 30),
        date(2027, 5, 17): date(2027, 5, 18),
    }
    assert "29. mars 2027" in text and "30. mars 2027" in text
    assert "18. mai 2027" in text


def test_a_single_meeting_on_a_holiday_is_scheduled_with_a_warning(bot: Bot) -> None:
    text = coordinator(bot, "schedule network 17.05.2027 10:00")
    assert ":warning:" in text and "17. mai 2027" in text
    (meeting,) = meetings_in(bot)
    assert meeting.starts_at.date() == date(2027, 5, 17)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schedule nettverk 1.12.2026 10:00", "møteserien «nettverk»"),
        ("schedule network 31.02.2027 10:00", "31.02.2027"),
        ("schedule network 28.03.2027 02:30", "finnes ikke"),
        ("schedule network 1.11.2026 10:00", "passert"),
        ("schedule network 1.12.2026 10:00 repeat:daily", "repeat:weekly"),
        ("schedule network 1.12.2026 10:00 duration:5d", "høyst 72 timer"),
        ("schedule network 1.12.2026", "klokkeslett"),
        ("schedule network", "/meeting schedule network 1.12.2026 10:00"),
        ('schedule network 1.12.2026 10:00 place:"Rom 01019010127"', "fødselsnummer"),
    ],
)
def test_bad_input_gets_one_sentence_and_nothing_is_written(
    bot: Bot, text: str, expected: str
) -> None:
    reply = bot.command("/meeting", text, user=COORDINATOR)
    assert reply.status == 200 and not reply.in_channel
    assert expected in reply.text, reply.text
    assert "Traceback" not in reply.text
    assert meetings_in(bot) == []


def test_unknown_meeting_and_missing_reference(bot: Bot) -> None:
    assert "M-99" in bot.command("/meeting", "show M-99").text
    assert "/meeting show M-1" in bot.command("/meeting", "show").text
    assert "M-" in bot.command("/meeting", "agenda x-1 hei").text


def test_agenda_show_and_suggestions(bot: Bot) -> None:
    coordinator(bot, "schedule network 10.12.2026 10:00")
    bot.command("/issue", "Reisedokumenter dept:PU", user="UOLA")
    bot.command("/issue", "Mottaksplasser dept:RMA", user="UOLA")
    bot.command("/issue", "Utenfor nettverket dept:AUA", user="UOLA")
    reply = bot.command("/meeting", "agenda M-1 Status på reisedokumenter dept:pu issue:I-1")
    assert reply.in_channel and "M-1" in reply.text and "PU" in reply.text
    bot.command("/issue", "note I-1 Venter på svar fra ambassaden", user="UOLA")
    shown = bot.command("/meeting", "show M-1")
    assert not shown.in_channel
    assert_valid_blocks(shown.json["blocks"])
    blob = json.dumps(shown.json["blocks"], ensure_ascii=False)
    assert "Status på reisedokumenter" in blob
    assert "Venter på svar fra ambassaden" in blob  # the status of the issue on the agenda
    # I-2 (RMA) is suggested; I-1 is on the agenda already and AUA is not in the network
    suggestions = blob.split("ikke står på agendaen", 1)[1]
    assert "I-2" in suggestions and "I-1" not in suggestions and "I-3" not in suggestions


def test_agenda_refuses_unknown_issue_and_department(bot: Bot) -> None:
    coordinator(bot, "schedule network 10.12.2026 10:00")
    assert "I-7" in bot.command("/meeting", "agenda M-1 Noe issue:I-7").text
    assert "XYZ" in bot.command("/meeting", "agenda M-1 Noe dept:XYZ").text
    assert "/meeting agenda M-1" in bot.command("/meeting", "agenda M-1").text
    with bot.db.session() as session:
        assert session.scalars(select(Meeting)).one().agenda == []


def test_list_and_series(bot: Bot) -> None:
    assert "Ingen møter" in bot.command("/meeting", "list").text
    coordinator(bot, "schedule network 10.12.2026 10:00")
    coordinator(bot, "schedule quarterly 8.12.2026 10:00")
    listing = bot.command("/meeting", "list")
    assert_valid_blocks(listing.json["blocks"])
    assert listing.text.index("M-2") < listing.text.index("M-1")  # soonest first
    only = bot.command("/meeting", "list series:quarterly").text
    assert "M-2" in only and "M-1" not in only
    series = bot.command("/meeting", "series")
    assert_valid_blocks(series.json["blocks"])
    assert "Returnettverket" in series.text and "M-1" in series.text
    assert "valgfritt: OPA" in series.text


def test_move_retimes_tells_the_channel_and_bumps_the_sequence(bot: Bot) -> None:
    bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET")
    coordinator(bot, "schedule network 10.12.2026 10:00")
    text = coordinator(bot, "move M-1 17.12.2026 12:00")
    assert "17. desember 2026 kl. 12.00–14.00" in text
    (meeting,) = meetings_in(bot)
    assert meeting.starts_at == datetime(2026, 12, 17, 11, 0, tzinfo=UTC)
    assert meeting.sequence == 1
    bot.deliver()
    notices = bot.slack.posted("CNET")
    assert len(notices) == 1 and "flyttet" in notices[0]["text"]
    assert "UKARI" not in str(notices)
    refused = bot.command("/meeting", "move M-1 18.12.2026 12:00", user="UKARI")
    assert "koordinatoren" in refused.text


def test_cancel_tells_the_channel_and_freezes_the_meeting(bot: Bot) -> None:
    bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET")
    coordinator(bot, "schedule network 10.12.2026 10:00")
    text = coordinator(bot, "cancel M-1 Koordinatoren er syk", channel="CNET")
    assert "avlyst" in text and "Koordinatoren er syk" in text
    bot.deliver()
    # typed in the series' channel: the answer there is the notice, not a second message
    assert bot.slack.posted("CNET") == []
    assert "avlyst" in bot.command("/meeting", "agenda M-1 Noe").text
    assert "avlyst" in coordinator(bot, "move M-1 11.12.2026 10:00")
    (meeting,) = meetings_in(bot)
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)


def _uploaded_calendar(bot: Bot) -> icalendar.Calendar:
    bot.deliver()
    (upload,) = bot.slack.uploads.values()
    return icalendar.Calendar.from_ical(upload)


def test_ics_file_is_uploaded_and_follows_moves_and_cancellation(bot: Bot) -> None:
    coordinator(bot, 'schedule network 10.12.2026 10:00 place:"Møterom 3"')
    reply = bot.command("/meeting", "ics M-1", channel="CNET")
    assert not reply.in_channel and "M-1.ics" in reply.text
    cal = _uploaded_calendar(bot)
    (event,) = cal.walk("VEVENT")
    uid = str(event["UID"])
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert cal.walk("VTIMEZONE")
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (0, "CONFIRMED")
    assert str(event["LOCATION"]) == "Møterom 3"
    complete = bot.slack.calls_to("files.completeUploadExternal")[-1]
    assert complete.params["channel_id"] == "CNET"

    coordinator(bot, "move M-1 11.12.2026 10:00")
    bot.slack.uploads.clear()
    bot.command("/meeting", "ics M-1", channel="CNET")
    (event,) = _uploaded_calendar(bot).walk("VEVENT")
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    coordinator(bot, "cancel M-1")
    bot.slack.uploads.clear()
    bot.command("/meeting", "ics M-1", channel="CNET")
    (event,) = _uploaded_calendar(bot).walk("VEVENT")
    assert str(event["UID"]) == uid
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (2, "CANCELLED")


def test_ics_goes_by_dm_when_the_bot_is_not_in_the_channel(bot: Bot) -> None:
    coordinator(bot, "schedule network 10.12.2026 10:00")
    bot.slack.fail_channel("CSECRET", "not_in_channel")
    bot.command("/meeting", "ics M-1", channel="CSECRET")
    bot.deliver()
    bot.deliver()
    completes = bot.slack.calls_to("files.completeUploadExternal")
    assert [c.params["channel_id"] for c in completes] == ["CSECRET", "DKARI"]
    assert "CSECRET" in str(completes[-1].params.get("initial_comment"))


def test_calendar_feed_for_the_right_token_only(bot: Bot) -> None:
    assert "RETURBOT_PUBLIC_URL" in bot.command("/returbot", "calendar", user=COORDINATOR).text
    bot.rt.settings = replace(bot.rt.settings, public_url="https://returbot.example.no")
    assert "koordinatoren" in bot.command("/returbot", "calendar", user="UKARI").text
    coordinator(bot, "schedule network 10.12.2026 10:00 repeat:monthly")
    coordinator(bot, "cancel M-2")
    text = bot.command("/returbot", "calendar", user=COORDINATOR).text
    url = text.split("https://returbot.example.no", 1)[1].split()[0]
    assert url.startswith("/calendar/") and url.endswith(".ics")
    reply = bot.get(url)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(reply.body)
    events = cal.walk("VEVENT")
    assert len(events) == len(meetings_in(bot))
    cancelled = [e for e in events if str(e["STATUS"]) == "CANCELLED"]
    assert len(cancelled) == 1 and "M-2" in str(cancelled[0]["SUMMARY"])
    # a wrong token, a near miss, and the old token after renewal: 404 and nothing revealed
    near_miss = url[:-5] + ("B" if url[-5] == "A" else "A") + ".ics"
    for path in ("/calendar/" + "x" * 32 + ".ics", near_miss, "/calendar/"):
        missing = bot.get(path)
        assert missing.status == 404 and b"VEVENT" not in missing.body
    renewed = bot.command("/returbot", "calendar new", user=COORDINATOR).text
    assert bot.get(url).status == 404
    new_url = renewed.split("https://returbot.example.no", 1)[1].split()[0]
    assert bot.get(new_url).status == 200


def test_empty_command_opens_the_modal_and_its_submission_schedules(bot: Bot) -> None:
    reply = bot.command("/meeting", "", user=COORDINATOR, channel="CGEN")
    assert reply.status == 200
    (opened,) = bot.slack.calls_to("views.open")
    view = opened.params["view"]
    assert_valid_view(view)
    assert view["callback_id"] == "meeting_modal"
    values = {
        "series": {"value": {"type": "static_select", "selected_option": {"value": "steering"}}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-12-03"}},
        "time": {"value": {"type": "timepicker", "selected_time": "13:00"}},
        "duration": {"value": {"type": "static_select", "selected_option": {"value": "3h"}}},
        "place": {"value": {"type": "plain_text_input", "value": "Nydalen"}},
        "title": {"value": {"type": "plain_text_input", "value": None}},
        "repeat": {"value": {"type": "static_select", "selected_option": {"value": "none"}}},
    }
    body = slackreq.view_submission_body(
        "meeting_modal", values, user_id=COORDINATOR, private_metadata=view["private_metadata"]
    )
    answer = bot.send(body)
    assert answer.status == 200 and answer.body in (b"", b"{}")
    (meeting,) = meetings_in(bot)
    assert meeting.starts_at == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert meeting.title == "Overordnet styringsgruppe – asylkjeden"
    bot.deliver()
    assert "M-1" in bot.slack.posted("CGEN")[0]["text"]


def test_modal_errors_point_at_the_field(bot: Bot) -> None:
    values = {
        "series": {"value": {"type": "static_select", "selected_option": {"value": "network"}}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-01"}},
        "time": {"value": {"type": "timepicker", "selected_time": "10:00"}},
        "duration": {"value": {"type": "static_select", "selected_option": {"value": "2h"}}},
        "repeat": {"value": {"type": "static_select", "selected_option": {"value": "none"}}},
    }
    reply = bot.send(slackreq.view_submission_body("meeting_modal", values, user_id=COORDINATOR))
    assert reply.json["response_action"] == "errors"
    assert "date" in reply.json["errors"]
    reply = bot.send(slackreq.view_submission_body("meeting_modal", values, user_id="UKARI"))
    assert "koordinatoren" in reply.json["errors"]["series"]
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_export_holds_meetings_with_agenda_and_local_times(bot: Bot) -> None:
    from bot import export

    coordinator(bot, "schedule quarterly 8.12.2026 10:00 repeat:quarterly")
    bot.command("/issue", "Reisedokumenter dept:PU", user="UOLA")
    bot.command("/meeting", "agenda M-2 Status dept:PU issue:I-1", user="UOLA")
    with bot.db.session() as session:
        rows = list(export.rows(session, "meetings", bot.rt.org.timezone))
    assert [r["id"] for r in rows] == ["M-1", "M-2", "M-3", "M-4"]
    second = rows[1]
    assert second["starts_at"] == "2027-03-09T10:00:00+01:00"
    assert rows[2]["starts_at"] == "2027-06-08T10:00:00+02:00"
    assert (second["recurrence"], second["status"], second["series"]) == (
        "quarterly",
        "scheduled",
        "quarterly",
    )
    assert second["agenda"] == [
        {"text": "Status", "author": "UOLA", "department": "PU", "issue": "I-1"}
    ]
    assert second["attendance"] == []
