"""The "Log decision" form (``/decision`` alone, the Home tab's button, the "Log as decision"
message shortcut), saved in its ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import decisions
from bot.context import Actor
from bot.decisions import DecisionInput, SourceLink
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.dates import parse_date
from bot.text.grammar import parse_ref, split_list
from handlers import screening
from handlers.common import Answer, lang_of, runtime_of, today
from handlers.ids import Block
from handlers.modals import Form, queue_confirmation, shortcut_message, submit_form
from handlers.views import decisions as views


def open_modal(rt: Runtime, actor: Actor, client: WebClient, body: dict[str, Any]) -> Answer | None:
    """The empty "Log decision" form, dated today."""
    view = views.modal(
        rt.org, actor.lang, today=today(rt), metadata={"channel": body.get("channel_id")}
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
    return Answer("")


def from_modal(form: Form) -> DecisionInput:
    """Read the modal's fields; a field that is wrong raises UserError with ``block`` set."""
    rt = form.rt

    def field(block: Block, read: Any) -> Any:
        raw = form.value(block)
        try:
            return read(raw) if raw else None
        except UserError as error:
            error.params["block"] = block
            raise

    source = form.meta.get("source")
    decided_on = field(Block.DATE, lambda v: parse_date(str(v), today=today(rt)))
    return DecisionInput(
        title=str(form.value(Block.TITLE) or ""),
        details=str(form.value(Block.DETAILS) or ""),
        departments=list(form.value(Block.DEPARTMENTS) or []),
        decided_by=str(form.value(Block.DECIDED_BY) or ""),
        basis=str(form.value(Block.BASIS) or ""),
        decided_on=decided_on,
        tags=split_list(str(form.value(Block.TAGS) or "")),
        supersedes=field(Block.SUPERSEDES, lambda v: parse_ref(str(v), "D")),
        meeting=field(Block.MEETING, lambda v: parse_ref(str(v), "M")),
        issue=field(Block.ISSUE, lambda v: parse_ref(str(v), "I")),
        source=SourceLink(**source) if isinstance(source, dict) else None,
        screening=screening.form_basis(form, Block.SCREENING),
    )


# which modal field a domain error belongs to
_ERROR_BLOCK = {
    "decision.future_date": Block.DATE,
    "decision.not_found": Block.SUPERSEDES,
    "decision.supersede_revoked": Block.SUPERSEDES,
    "decision.supersede_not_allowed": Block.SUPERSEDES,
    "decision.already_superseded": Block.SUPERSEDES,
    "decision.bad_tag": Block.TAGS,
    "decision.too_many_tags": Block.TAGS,
    "common.meeting_not_found": Block.MEETING,
    "common.issue_not_found": Block.ISSUE,
    "common.unknown_department": Block.DEPARTMENTS,
    "screening.unclosed_marks": Block.TITLE,
}
_FIELD_BLOCK = {
    "title": Block.TITLE,
    "details": Block.DETAILS,
    "by": Block.DECIDED_BY,
    "basis": Block.BASIS,
    screening.FIELD: Block.SCREENING,
}


def error_block(error: UserError) -> str:
    """The modal block an error is shown under."""
    if "block" in error.params:
        return str(error.params["block"])
    if error.key in _ERROR_BLOCK:
        return _ERROR_BLOCK[error.key]
    return _FIELD_BLOCK.get(str(error.params.get("field", "")), Block.TITLE)


def _log(form: Form) -> str:
    rt, actor = form.rt, form.actor
    decision = decisions.log(
        form.session, org=rt.org, actor=actor, data=from_modal(form), now=rt.clock.now()
    )
    text, blocks = views.logged(decision, actor.lang)
    queue_confirmation(
        form.session, rt, text=text, blocks=blocks, channel=form.meta.get("channel"),
        user_id=actor.user_id, ref_kind="decision", ref_id=decision.id,
    )  # fmt: skip
    return decision.ref


def decision_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    submit_form(runtime_of(context), ack, body, view, act=_log, error_block=error_block)


def decision_from_message(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The "Log as decision" message shortcut: the decision form, filled from the message."""
    ack()
    rt = runtime_of(context)
    message = shortcut_message(body, client)
    view = views.modal(
        rt.org,
        lang_of(rt, body["user"]["id"]),
        today=today(rt),
        metadata=message.metadata,
        title=message.first_line,
        details=message.text,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
