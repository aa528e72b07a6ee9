"""/meeting and /mote (SPEC §4.3): the subcommands, each answered in the ack."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import bindings, calendar, meetings, outbox
from bot.automation import meeting_reminders
from bot.errors import UserError
from bot.text.dates import format_datetime, parse_datetime, parse_duration
from bot.text.grammar import parse_ref
from bot.text.i18n import t
from handlers import screening
from handlers.common import Answer, runtime_of
from handlers.ids import Command
from handlers.meetings import forms
from handlers.slash import CommandSpec, Request, run_command
from handlers.views import meetings as views
from handlers.views.blocks import quote, section
from storage.models import Issue, Meeting

SCHEDULE_OPTIONS = ("duration", "place", "title", "repeat", *screening.OPTIONS)


def _number(req: Request, form: str) -> tuple[int, str]:
    """The meeting number that starts the text, and the rest of the text."""
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("meeting.ref_needed", form=form)
    return parse_ref(words[0], "M"), words[1] if len(words) > 1 else ""


def _typed_meeting(req: Request, now: datetime) -> meetings.MeetingInput:
    """``/meeting schedule <series> <when> [duration:] [place:] [title:] [repeat:]
    [skjerming:]``."""
    org = req.rt.org
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("meeting.series_needed", valid=", ".join(s.key for s in org.series))
    series = meetings.series_of(org, words[0])
    if len(words) < 2:
        raise UserError("meeting.when_needed", series=series.key)
    start = parse_datetime(words[1], now=now, tz=org.timezone)
    duration = req.option("duration")
    return meetings.MeetingInput(
        series=series.key,
        start=start,
        duration=parse_duration(duration) if duration else None,
        place=req.option("place") or "",
        title=req.option("title") or "",
        repeat=req.option("repeat"),
        screening=screening.typed_basis(req),
    )


def schedule(req: Request) -> Answer:
    now = req.rt.clock.now()
    done = meetings.schedule(
        req.session, org=req.rt.org, actor=req.actor, data=lambda: _typed_meeting(req, now),
        now=now,
    )  # fmt: skip
    text = views.scheduled(done, req.lang, req.rt.org.timezone)
    return Answer(text, [section(text)], in_channel=True, receipt=done.meeting.ref)


def listing(req: Request) -> Answer:
    found = meetings.upcoming(
        req.session, org=req.rt.org, now=req.rt.clock.now(), series=req.option("series")
    )
    text, blocks = views.listing(
        found.meetings, found.total, found.agenda_counts, req.lang, req.rt.org.timezone
    )
    return Answer(text, blocks)


def show(req: Request) -> Answer:
    number, _ = _number(req, "/meeting show M-1")
    meeting = meetings.get(req.session, number)
    data = meetings.details(
        req.session, org=req.rt.org, meeting=meeting, suggested=views.SUGGESTIONS
    )
    text, blocks = views.card(meeting, data, req.lang, req.rt.org.timezone, req.rt.org.web_url)
    return Answer(text, blocks)


def agenda(req: Request) -> Answer:
    number, text = _number(req, "/meeting agenda M-1 <tekst>")
    if not text.strip():
        raise UserError("meeting.agenda_needed", ref=Meeting.ref_of(number))
    issue = req.option("issue")
    meeting, item = meetings.add_agenda(
        req.session, org=req.rt.org, actor=req.actor, number=number, text=text,
        now=req.rt.clock.now(), department=req.option("dept"),
        issue=parse_ref(issue, "I") if issue else None,
    )  # fmt: skip
    tags = [
        c for c in (item.department, Issue.ref_of(parse_ref(issue, "I")) if issue else None) if c
    ]
    shown = quote(item.text) + (f" _({', '.join(tags)})_" if tags else "")
    answer = t(req.lang, "meeting.agenda_added", ref=meeting.ref, text=shown)
    return Answer(answer, in_channel=True, receipt=meeting.ref)


def _new_time(req: Request, now: datetime) -> meetings.MoveInput:
    """``/meeting move M-1 <when>``."""
    number, rest = _number(req, "/meeting move M-1 1.12.2026 10:00")
    if not rest.strip():
        raise UserError("meeting.when_needed", series=Meeting.ref_of(number))
    return meetings.MoveInput(number, parse_datetime(rest, now=now, tz=req.rt.org.timezone))


def move(req: Request) -> Answer:
    now = req.rt.clock.now()
    tz = req.rt.org.timezone
    change = meetings.move(
        req.session, org=req.rt.org, actor=req.actor, data=lambda: _new_time(req, now), now=now,
        typed_in=req.channel_id,
    )  # fmt: skip
    meeting = change.meeting
    lines = [
        t(
            req.lang,
            "meeting.moved",
            ref=meeting.ref,
            title=quote(meeting.title),
            before=format_datetime(change.before, req.lang, tz),
            when=views.when(meeting, req.lang, tz),
        )
    ]
    if change.holiday:
        day = meeting.starts_at.astimezone(tz).date()
        lines.append(views.holiday_warning(meeting, day, change.holiday, req.lang))
    text = "\n".join(lines)
    return Answer(text, in_channel=True)


def _cancellation(req: Request) -> meetings.CancelInput:
    """``/meeting cancel M-1 [reason]``."""
    number, reason = _number(req, "/meeting cancel M-1")
    return meetings.CancelInput(number, reason)


def cancel(req: Request) -> Answer:
    change = meetings.cancel(
        req.session, org=req.rt.org, actor=req.actor, data=lambda: _cancellation(req),
        now=req.rt.clock.now(), typed_in=req.channel_id,
    )  # fmt: skip
    meeting = change.meeting
    text = t(
        req.lang, "meeting.cancelled", ref=meeting.ref, title=quote(meeting.title),
        when=views.when(meeting, req.lang, req.rt.org.timezone),
    )  # fmt: skip
    if meeting.cancel_reason:
        text += "\n" + t(req.lang, "meeting.reason", reason=quote(meeting.cancel_reason))
    return Answer(text, in_channel=True)


def ics(req: Request) -> Answer:
    number, _ = _number(req, "/meeting ics M-1")
    meeting = meetings.get(req.session, number)
    tz = req.rt.org.timezone
    filename = f"{meeting.ref}.ics"
    content = calendar.meeting_file(req.session, meeting, req.rt.org).decode()
    comment = t(
        req.lang, "meeting.ics_comment", ref=meeting.ref, title=quote(meeting.title),
        when=views.when(meeting, req.lang, tz),
    )  # fmt: skip
    channel = req.channel_id or None
    outbox.enqueue(
        req.session, kind=meeting_reminders.ICS, method=outbox.UPLOAD, text=comment,
        channel=channel, user=None if channel else req.actor.user_id,
        fallback_user=req.actor.user_id if channel else None, due_at=req.rt.clock.now(),
        ref_kind="meeting", ref_id=meeting.id,
        extra={"filename": filename, "content": content, "title": f"{meeting.title} ({filename})"},
    )  # fmt: skip
    req.session.flush()
    return Answer(t(req.lang, "meeting.ics_queued", file=filename))


def series_overview(req: Request) -> Answer:
    now = req.rt.clock.now()
    text, blocks = views.series_list(
        req.rt.org,
        meetings.next_per_series(req.session, now),
        bindings.current(req.session, req.rt.org),
        req.lang,
        req.rt.org.timezone,
    )
    return Answer(text, blocks)


def usage(req: Request) -> Answer:
    return Answer(t(req.lang, "meeting.help"))


SPEC = CommandSpec(
    name=Command.MEETING,
    subcommands={
        "schedule": schedule, "list": listing, "show": show, "agenda": agenda, "move": move,
        "cancel": cancel, "ics": ics, "series": series_overview,
        **screening.subcommands(screening.MEETING), "help": usage,
    },
    options={
        "schedule": SCHEDULE_OPTIONS, "list": ("series",), "agenda": ("dept", "issue"),
        "screen": screening.SCREEN_OPTIONS,
    },
    default="schedule",
    creates=frozenset({"schedule", "agenda"}),
    reads=frozenset({"list", "show", "series", "help"}),
    on_empty=forms.open_modal,
)  # fmt: skip


def meeting_command(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)
