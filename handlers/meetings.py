"""/meeting and /mote (SPEC §4.3): commands, the modal, attendance and status-note buttons."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import bindings, calendar, issues, meetings, outbox
from bot.automation import meeting_reminders
from bot.context import Actor, local_today
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.dates import (
    format_date,
    format_datetime,
    is_valid_local,
    parse_datetime,
    parse_duration,
)
from bot.text.grammar import parse_ref
from bot.text.holidays import holiday_name
from bot.text.i18n import Lang, t
from bot.text.recurrence import ordinal_description
from handlers.common import (
    Answer,
    CommandSpec,
    Form,
    Request,
    explain,
    lang_of,
    queue_confirmation,
    run_command,
    runtime_of,
    submit_form,
)
from handlers.ids import (
    Command,
    MeetingAction,
    MeetingBlock,
    MeetingCallback,
    command_pattern,
)
from handlers.views import issues as issue_views
from handlers.views import meetings as views
from handlers.views.blocks import quote, section
from storage.models import Issue, Meeting, OutboxMessage

log = logging.getLogger("returbot.handlers")
SCHEDULE_OPTIONS = ("duration", "place", "title", "repeat")


def _number(req: Request, form: str) -> tuple[int, str]:
    """The meeting number that starts the text, and the rest of the text."""
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("meeting.ref_needed", form=form)
    return parse_ref(words[0], "M"), words[1] if len(words) > 1 else ""


def _where(meeting: Meeting) -> str:
    return f", {quote(meeting.place)}" if meeting.place else ""


def scheduled_answer(rt: Runtime, done: meetings.Scheduled, lang: Lang) -> str:
    """What the coordinator (and the channel) is told after scheduling."""
    tz = rt.org.timezone
    first = done.meeting
    common = {
        "title": quote(first.title),
        "when": views.when(first, lang, tz),
        "place": _where(first),
    }
    if done.rule is None:
        lines = [t(lang, "meeting.scheduled", ref=first.ref, **common)]
    else:
        last = done.last or first
        lines = [
            t(
                lang,
                "meeting.scheduled_series",
                rule=ordinal_description(first.starts_at, done.rule, tz, lang),
                count=done.count,
                first=first.ref,
                last=last.ref,
                **common,
            )
        ]
        if done.moved:
            items = [
                t(
                    lang,
                    "meeting.moved_item",
                    ref=m.meeting.ref,
                    holiday=holiday_name(m.holiday, lang),
                    nominal=format_date(m.nominal, lang),
                    date=format_date(m.meeting.starts_at.astimezone(tz).date(), lang),
                )
                for m in done.moved
            ]
            lines.append(t(lang, "meeting.moved_occurrences", list="; ".join(items)))
    if done.holiday:
        day = first.starts_at.astimezone(tz).date()
        lines.append(_holiday_warning(first, day, done.holiday, lang))
    return "\n".join(lines)


def _holiday_warning(meeting: Meeting, day: date, key: str, lang: Lang) -> str:
    return t(
        lang, "meeting.holiday_warning", date=format_date(day, lang),
        holiday=holiday_name(key, lang), ref=meeting.ref,
    )  # fmt: skip


def _typed_meeting(req: Request, now: datetime) -> meetings.MeetingInput:
    """``/meeting schedule <series> <when> [duration:] [place:] [title:] [repeat:]``."""
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
    )


def schedule(req: Request) -> Answer:
    now = req.rt.clock.now()
    done = meetings.schedule(
        req.session, org=req.rt.org, actor=req.actor, data=lambda: _typed_meeting(req, now),
        now=now,
    )  # fmt: skip
    text = scheduled_answer(req.rt, done, req.lang)
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
    text, blocks = views.card(meeting, data, req.lang, req.rt.org.timezone)
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
        lines.append(_holiday_warning(meeting, day, change.holiday, req.lang))
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


def open_modal(rt: Runtime, actor: Actor, client: WebClient, body: dict[str, Any]) -> Answer | None:
    today = local_today(rt.clock.now(), rt.org.timezone)
    view = views.modal(
        rt.org, actor.lang, metadata={"channel": body.get("channel_id")}, today=today
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
    return Answer("")


SPEC = CommandSpec(
    name=Command.MEETING,
    subcommands={
        "schedule": schedule, "list": listing, "show": show, "agenda": agenda, "move": move,
        "cancel": cancel, "ics": ics, "series": series_overview, "help": usage,
    },
    options={"schedule": SCHEDULE_OPTIONS, "list": ("series",), "agenda": ("dept", "issue")},
    default="schedule",
    creates=frozenset({"schedule", "agenda"}),
    on_empty=open_modal,
)  # fmt: skip


def renderers(rt: Runtime) -> outbox.Renderers:
    """Compose the meeting messages when they are sent, from the meeting as it is then."""
    by_kind = outbox.Renderers()
    tz = rt.org.timezone

    def _meeting(session: Session, row: OutboxMessage) -> Meeting:
        found = session.get(Meeting, row.ref_id) if row.ref_id else None
        if found is None:
            raise LookupError(f"meeting #{row.ref_id} is gone")
        return found

    def extra(row: OutboxMessage) -> dict[str, Any]:
        return dict(row.payload.get("extra") or {})

    Rendered = tuple[str, list[dict[str, Any]] | None]

    @by_kind.add(meeting_reminders.REMINDER)
    def render_reminder(session: Session, row: OutboxMessage) -> Rendered:
        meeting = _meeting(session, row)
        offset = timedelta(seconds=int(extra(row).get("offset", 0)))
        return views.reminder(
            meeting, meetings.agenda_issues(session, meeting), rt.org.language, tz, offset
        )

    @by_kind.add(meeting_reminders.INVITE)
    def render_invite(session: Session, row: OutboxMessage) -> Rendered:
        meeting = _meeting(session, row)
        code = str(extra(row).get("department", ""))
        issues = meetings.agenda_issues(session, meeting)
        return views.invite(meeting, code, issues, rt.org.language, tz)

    @by_kind.add(meeting_reminders.STATUS_REQUEST)
    def render_status_request(session: Session, row: OutboxMessage) -> Rendered:
        meeting = _meeting(session, row)
        owner = row.user or ""
        mine = meetings.issues_owned(session, org=rt.org, meeting=meeting, owner=owner)
        return views.status_request(meeting, mine, rt.actor(session, owner).lang, tz)

    @by_kind.add(meeting_reminders.MOVED)
    def render_moved(session: Session, row: OutboxMessage) -> Rendered:
        before = datetime.fromisoformat(str(extra(row).get("before")))
        return views.moved_notice(_meeting(session, row), before, rt.org.language, tz)

    @by_kind.add(meeting_reminders.CANCELLED)
    def render_cancelled(session: Session, row: OutboxMessage) -> Rendered:
        return views.cancelled_notice(_meeting(session, row), rt.org.language, tz)

    return by_kind


def _modal_start(form: Form) -> datetime:
    tz = form.rt.org.timezone
    day = form.value(MeetingBlock.DATE)
    at = form.value(MeetingBlock.TIME) or "10:00"
    if not day:
        raise UserError("meeting.date_needed")
    try:
        naive = datetime.combine(date.fromisoformat(str(day)), time.fromisoformat(str(at)))
    except ValueError as error:
        raise UserError("parse.bad_date", value=f"{day} {at}") from error
    if not is_valid_local(naive, tz):
        raise UserError("parse.dst_gap", value=f"{day} {at}")
    return naive.replace(tzinfo=tz, fold=0)


_ERROR_BLOCK = {
    "meeting.unknown_series": MeetingBlock.SERIES,
    "common.coordinator_only": MeetingBlock.SERIES,
    "common.no_coordinator": MeetingBlock.SERIES,
    "meeting.date_needed": MeetingBlock.DATE,
    "meeting.in_past": MeetingBlock.DATE,
    "parse.bad_date": MeetingBlock.DATE,
    "parse.out_of_range": MeetingBlock.DATE,
    "meeting.series_too_far": MeetingBlock.REPEAT,
    "parse.dst_gap": MeetingBlock.TIME,
    "meeting.too_long": MeetingBlock.DURATION,
    "parse.bad_duration": MeetingBlock.DURATION,
    "meeting.bad_repeat": MeetingBlock.REPEAT,
}


def _form_block(error: UserError) -> str:
    if error.key in _ERROR_BLOCK:
        return _ERROR_BLOCK[error.key]
    return MeetingBlock.PLACE if error.params.get("field") == "place" else MeetingBlock.TITLE


def _form_meeting(form: Form) -> meetings.MeetingInput:
    duration = form.value(MeetingBlock.DURATION)
    return meetings.MeetingInput(
        series=str(form.value(MeetingBlock.SERIES) or ""),
        start=_modal_start(form),
        duration=parse_duration(str(duration)) if duration else None,
        place=str(form.value(MeetingBlock.PLACE) or ""),
        title=str(form.value(MeetingBlock.TITLE) or ""),
        repeat=str(form.value(MeetingBlock.REPEAT) or "none"),
    )


def _schedule(form: Form) -> str:
    rt, actor = form.rt, form.actor
    # the fields are read once the user may schedule: they are not the problem if not
    done = meetings.schedule(
        form.session, org=rt.org, actor=actor, data=lambda: _form_meeting(form),
        now=rt.clock.now(),
    )  # fmt: skip
    text = scheduled_answer(rt, done, actor.lang)
    queue_confirmation(
        form.session, rt, text=text, blocks=None, channel=form.meta.get("channel"),
        user_id=actor.user_id, ref_kind="meeting", ref_id=done.meeting.id,
    )  # fmt: skip
    return done.meeting.ref


def _ephemeral(client: WebClient, channel: str, user: str, text: str) -> None:
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as error:
        log.info("could not answer a button privately: %s", error.response.get("error"))


def _attendance(rt: Runtime, body: dict[str, Any], client: WebClient, answer: str) -> None:
    """An optional department's answer to an invitation (``attend`` or ``skip``)."""
    user_id = body["user"]["id"]
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id", "")
    number, _, code = str(body["actions"][0].get("value", "")).partition(":")
    try:
        with rt.db.session() as session:
            actor = rt.actor(session, user_id)
            meeting = meetings.answer_attendance(
                session, org=rt.org, actor=actor, number=parse_ref(f"M-{number}", "M"),
                code=code, answer=answer, now=rt.clock.now(),
            )  # fmt: skip
            said = t(
                actor.lang, "meeting.answer_saved", code=code.upper(),
                answer=t(actor.lang, f"meeting.att_{answer}"), ref=meeting.ref,
            )  # fmt: skip
    except UserError as error:
        lang = lang_of(rt, user_id)
        _ephemeral(client, channel, user_id, explain(lang, error))
        return
    _ephemeral(client, channel, user_id, said)


def meeting_command(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)


def meeting_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    submit_form(runtime_of(context), ack, body, view, act=_schedule, error_block=_form_block)


def on_attend(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _attendance(runtime_of(context), body, client, "attend")


def on_skip(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _attendance(runtime_of(context), body, client, "skip")


def on_status_note(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A status request's button: the note form for one issue, kept with the meeting."""
    ack()
    rt = runtime_of(context)
    user_id = body["user"]["id"]
    channel = body.get("channel", {}).get("id", "")
    meeting_no, _, issue_no = str(body["actions"][0].get("value", "")).partition(":")
    with rt.db.session() as session:
        actor = rt.actor(session, user_id)
        try:
            meeting = meetings.get(session, parse_ref(f"M-{meeting_no}", "M"))
            issue = issues.get(session, parse_ref(f"I-{issue_no}", "I"))
        except UserError as error:
            _ephemeral(client, channel, user_id, explain(actor.lang, error))
            return
        view = issue_views.note_modal(
            issue, actor.lang, metadata={"channel": channel, "meeting": meeting.id}
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.command(command_pattern(Command.MEETING))(meeting_command)
    app.view(MeetingCallback.MODAL)(meeting_submitted)
    app.action(MeetingAction.ATTEND)(on_attend)
    app.action(MeetingAction.SKIP)(on_skip)
    app.action(MeetingAction.STATUS_NOTE)(on_status_note)
