"""The issue forms: "Register issue" (from /issue, the Home tab or the "Register as issue"
message shortcut) and the note on one issue, each saved in its ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import issues
from bot.context import Actor
from bot.decisions import SourceLink
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.dates import parse_date
from handlers import screening
from handlers.common import Answer, lang_of, runtime_of, today
from handlers.ids import IssueBlock
from handlers.modals import Form, queue_confirmation, shortcut_message, submit_form
from handlers.views import issues as views

# which field of the "Register issue" form a domain error belongs to
_ERROR_BLOCK = {
    "common.unknown_department": IssueBlock.DEPARTMENTS,
    "common.department_required": IssueBlock.DEPARTMENTS,
    "issue.due_in_past": IssueBlock.DUE,
    "issue.bad_priority": IssueBlock.PRIORITY,
    "parse.bad_date": IssueBlock.DUE,
    "parse.out_of_range": IssueBlock.DUE,
    "screening.unclosed_marks": IssueBlock.TITLE,
}
# which field an error about a typed field (``field``) belongs to; the title when none
_FIELD_BLOCK = {"details": IssueBlock.DESCRIPTION, screening.FIELD: IssueBlock.SCREENING}


def open_modal(rt: Runtime, actor: Actor, client: WebClient, body: dict[str, Any]) -> Answer | None:
    """The empty "Register issue" form (``/issue`` alone, the Home tab's button)."""
    view = views.modal(rt.org, actor.lang, metadata={"channel": body.get("channel_id")})
    client.views_open(trigger_id=body["trigger_id"], view=view)
    return Answer("")


def _note_block(_error: UserError) -> str:
    return IssueBlock.NOTE


def _issue_block(error: UserError) -> str:
    if error.key in _ERROR_BLOCK:
        return _ERROR_BLOCK[error.key]
    return _FIELD_BLOCK.get(str(error.params.get("field", "")), IssueBlock.TITLE)


def _int(value: object) -> int:
    """A number from a form's metadata (0, which names no record, when it is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _add_note(form: Form) -> str:
    meeting = form.meta.get("meeting")
    issue = issues.add_note(
        form.session,
        actor=form.actor,
        number=_int(form.meta.get("issue")),
        text=str(form.value(IssueBlock.NOTE) or ""),
        now=form.rt.clock.now(),
        meeting_id=meeting if isinstance(meeting, int) else None,
    )
    return issue.ref


def _register(form: Form) -> str:
    rt, actor = form.rt, form.actor
    due = form.value(IssueBlock.DUE)
    source = form.meta.get("source")
    data = issues.IssueInput(
        title=str(form.value(IssueBlock.TITLE) or ""),
        description=str(form.value(IssueBlock.DESCRIPTION) or ""),
        departments=list(form.value(IssueBlock.DEPARTMENTS) or []),
        owner=form.value(IssueBlock.OWNER) or None,
        priority=str(form.value(IssueBlock.PRIORITY) or "normal"),
        due=parse_date(str(due), today=today(rt)) if due else None,
        source=SourceLink(**source) if isinstance(source, dict) else None,
        screening=screening.form_basis(form, IssueBlock.SCREENING),
    )
    issue = issues.register(form.session, org=rt.org, actor=actor, data=data, now=rt.clock.now())
    text = views.registered(issue, actor.lang)
    queue_confirmation(
        form.session, rt, text=text, blocks=None, channel=form.meta.get("channel"),
        user_id=actor.user_id, ref_kind="issue", ref_id=issue.id,
    )  # fmt: skip
    return issue.ref


def note_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    submit_form(runtime_of(context), ack, body, view, act=_add_note, error_block=_note_block)


def issue_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    submit_form(runtime_of(context), ack, body, view, act=_register, error_block=_issue_block)


def issue_from_message(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The "Register as issue" message shortcut: the issue form, filled from the message."""
    ack()
    rt = runtime_of(context)
    message = shortcut_message(body, client)
    view = views.modal(
        rt.org,
        lang_of(rt, body["user"]["id"]),
        metadata=message.metadata,
        title=message.first_line,
        description=message.text,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
