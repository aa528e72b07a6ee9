"""The "Schedule meeting" form (``/meeting`` alone, the Home tab's button), saved in its ack."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import meetings
from bot.context import Actor
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.dates import is_valid_local, parse_duration
from handlers import screening
from handlers.common import Answer, runtime_of, today
from handlers.ids import MeetingBlock
from handlers.modals import Form, queue_confirmation, submit_form
from handlers.views import meeting_modal
from handlers.views import meetings as views

# which field of the form a domain error belongs to
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
    "screening.not_for_series": MeetingBlock.SCREENING,
}
# which field an error about a typed field (``field``) belongs to; the title when none
_FIELD_BLOCK = {"place": MeetingBlock.PLACE, screening.FIELD: MeetingBlock.SCREENING}


def open_modal(rt: Runtime, actor: Actor, client: WebClient, body: dict[str, Any]) -> Answer | None:
    """The empty "Schedule meeting" form, its date today."""
    view = meeting_modal.modal(
        rt.org, actor.lang, metadata={"channel": body.get("channel_id")}, today=today(rt)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
    return Answer("")


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


def _form_block(error: UserError) -> str:
    if error.key in _ERROR_BLOCK:
        return _ERROR_BLOCK[error.key]
    return _FIELD_BLOCK.get(str(error.params.get("field", "")), MeetingBlock.TITLE)


def _form_meeting(form: Form) -> meetings.MeetingInput:
    duration = form.value(MeetingBlock.DURATION)
    return meetings.MeetingInput(
        series=str(form.value(MeetingBlock.SERIES) or ""),
        start=_modal_start(form),
        duration=parse_duration(str(duration)) if duration else None,
        place=str(form.value(MeetingBlock.PLACE) or ""),
        title=str(form.value(MeetingBlock.TITLE) or ""),
        repeat=str(form.value(MeetingBlock.REPEAT) or "none"),
        screening=screening.form_basis(form, MeetingBlock.SCREENING),
    )


def _schedule(form: Form) -> str:
    rt, actor = form.rt, form.actor
    # the fields are read once the user may schedule: they are not the problem if not
    done = meetings.schedule(
        form.session, org=rt.org, actor=actor, data=lambda: _form_meeting(form),
        now=rt.clock.now(),
    )  # fmt: skip
    text = views.scheduled(done, actor.lang, rt.org.timezone)
    queue_confirmation(
        form.session, rt, text=text, blocks=None, channel=form.meta.get("channel"),
        user_id=actor.user_id, ref_kind="meeting", ref_id=done.meeting.id,
    )  # fmt: skip
    return done.meeting.ref


def meeting_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    submit_form(runtime_of(context), ack, body, view, act=_schedule, error_block=_form_block)
