"""/decision and /beslutning (SPEC §4.1), the decision modal and "Log as decision"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import decisions
from bot.context import Actor, local_today
from bot.decisions import DecisionInput, SourceLink
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.dates import parse_date
from bot.text.grammar import parse_ref, split_list
from bot.text.i18n import t
from handlers.common import (
    Answer,
    CommandSpec,
    Form,
    Request,
    lang_of,
    queue_confirmation,
    run_command,
    runtime_of,
    shortcut_message,
    submit_form,
)
from handlers.ids import Block, Callback, Command, command_pattern
from handlers.views import decisions as views
from storage.models import Decision

log = logging.getLogger("returbot.handlers")
NEW_OPTIONS = ("details", "dept", "by", "basis", "date", "meeting", "issue", "supersedes", "tags")


def _ref(value: str | None, prefix: str) -> int | None:
    return parse_ref(value, prefix) if value else None


def new(req: Request) -> Answer:
    today = local_today(req.rt.clock.now(), req.rt.org.timezone)
    data = DecisionInput(
        title=req.parsed.text,
        details=req.option("details") or "",
        departments=split_list(req.option("dept") or ""),
        decided_by=req.option("by") or "",
        basis=req.option("basis") or "",
        decided_on=parse_date(req.option("date") or "", today=today)
        if req.option("date")
        else None,
        tags=split_list(req.option("tags") or ""),
        meeting=_ref(req.option("meeting"), "M"),
        issue=_ref(req.option("issue"), "I"),
        supersedes=_ref(req.option("supersedes"), "D"),
    )
    if not data.title:
        raise UserError("decision.title_required")
    decision = decisions.log(
        req.session, org=req.rt.org, actor=req.actor, data=data, now=req.rt.clock.now()
    )
    text, blocks = views.logged(decision, req.lang)
    return Answer(text, blocks, in_channel=True, receipt=decision.ref)


def listing(req: Request) -> Answer:
    today = local_today(req.rt.clock.now(), req.rt.org.timezone)
    since = req.option("since")
    found, total = decisions.latest(
        req.session,
        req.rt.org,
        department=req.option("dept"),
        since=parse_date(since, today=today) if since else None,
        tag=req.option("tag"),
    )
    text, blocks = views.listing(
        found, total, req.lang, empty_key="decision.list_empty", more_key="decision.list_more"
    )
    return Answer(text, blocks)


def search(req: Request) -> Answer:
    found = decisions.find(req.session, req.parsed.text)
    text, blocks = views.listing(
        found,
        len(found),
        req.lang,
        empty_key="decision.search_empty",
        more_key="decision.list_more",
    )
    return Answer(text, blocks)


def show(req: Request) -> Answer:
    if not req.parsed.text:
        raise UserError("decision.ref_needed", form="/decision show D-1")
    number = parse_ref(req.parsed.text.split()[0], "D")
    decision = decisions.get(req.session, number)
    text, blocks = views.card(decision, decisions.chain(decision), req.lang)
    return Answer(text, blocks)


def revoke(req: Request) -> Answer:
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("decision.ref_needed", form="/decision revoke D-1 <reason>")
    number = parse_ref(words[0], "D")
    reason = words[1] if len(words) > 1 else ""
    if not reason.strip():
        raise UserError("decision.reason_required", ref=Decision.ref_of(number))
    decision = decisions.revoke(
        req.session, actor=req.actor, number=number, reason=reason, now=req.rt.clock.now()
    )
    text = t(req.lang, "decision.revoked", ref=decision.ref, user=f"<@{req.actor.user_id}>")
    return Answer(text, in_channel=True)


def usage(req: Request) -> Answer:
    return Answer(t(req.lang, "decision.help"))


def open_modal(rt: Runtime, actor: Actor, client: WebClient, body: dict[str, Any]) -> Answer | None:
    today = local_today(rt.clock.now(), rt.org.timezone)
    view = views.modal(
        rt.org, actor.lang, today=today, metadata={"channel": body.get("channel_id")}
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
    return Answer("")


SPEC = CommandSpec(
    name=Command.DECISION,
    subcommands={
        "new": new,
        "list": listing,
        "search": search,
        "show": show,
        "revoke": revoke,
        "help": usage,
    },
    options={"new": NEW_OPTIONS, "list": ("dept", "since", "tag")},
    creates=frozenset({"new"}),
    on_empty=open_modal,
)


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
    decided_on = field(
        Block.DATE, lambda v: parse_date(str(v), today=local_today(rt.clock.now(), rt.org.timezone))
    )
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
}
_FIELD_BLOCK = {
    "title": Block.TITLE,
    "details": Block.DETAILS,
    "by": Block.DECIDED_BY,
    "basis": Block.BASIS,
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


def decision_command(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)


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
        today=local_today(rt.clock.now(), rt.org.timezone),
        metadata=message.metadata,
        title=message.first_line,
        details=message.text,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.command(command_pattern(Command.DECISION))(decision_command)
    app.view(Callback.DECISION_MODAL)(decision_submitted)
    app.shortcut(Callback.DECISION_FROM_MESSAGE)(decision_from_message)
