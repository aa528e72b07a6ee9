"""/issue and /sak (SPEC §4.2): commands, notice buttons, the modals, "Register as issue"."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import issues, outbox
from bot.automation import followups
from bot.context import Actor, local_today
from bot.decisions import SourceLink
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.dates import parse_date
from bot.text.grammar import parse_ref, parse_user, split_list
from bot.text.i18n import t
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
    shortcut_message,
    submit_form,
)
from handlers.ids import (
    Callback,
    Command,
    IssueAction,
    IssueBlock,
    IssueCallback,
    command_pattern,
)
from handlers.views import issues as views
from handlers.views.blocks import quote, section
from storage.models import Decision, Issue, OutboxMessage

log = logging.getLogger("returbot.handlers")
NEW_OPTIONS = ("dept", "details", "owner", "due", "prio")


def _today(rt: Runtime) -> Any:
    return local_today(rt.clock.now(), rt.org.timezone)


def _number(req: Request, form: str) -> tuple[int, str]:
    """The issue number that starts the text, and the rest of the text."""
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("issue.ref_needed", form=form)
    return parse_ref(words[0], "I"), words[1] if len(words) > 1 else ""


def new(req: Request) -> Answer:
    if not req.parsed.text:
        raise UserError("issue.title_required")
    due = req.option("due")
    owner = req.option("owner")
    data = issues.IssueInput(
        title=req.parsed.text,
        departments=split_list(req.option("dept") or ""),
        description=req.option("details") or "",
        owner=parse_user(owner) if owner else None,
        priority=req.option("prio") or "normal",
        due=parse_date(due, today=_today(req.rt)) if due else None,
    )
    issue = issues.register(
        req.session, org=req.rt.org, actor=req.actor, data=data, now=req.rt.clock.now()
    )
    text = t(req.lang, "issue.registered", ref=issue.ref, title=quote(issue.title))
    _, blocks = views.assigned_dm(issue, req.lang, _today(req.rt))
    blocks[0] = section(text)
    return Answer(text, blocks, in_channel=True, receipt=issue.ref)


def listing(req: Request) -> Answer:
    mine = "mine" in req.parsed.text.lower().split()
    found, total = issues.listing(
        req.session,
        org=req.rt.org,
        today=_today(req.rt),
        department=req.option("dept"),
        status=(req.option("status") or "open").lower(),
        user=req.actor.user_id if mine else None,
    )
    text, blocks = views.listing(found, total, req.lang, _today(req.rt))
    return Answer(text, blocks)


def show(req: Request) -> Answer:
    number, _ = _number(req, "/issue show I-1")
    issue = issues.get(req.session, number)
    text, blocks = views.card(
        issue,
        issues.decisions_for(req.session, issue),
        req.lang,
        _today(req.rt),
        req.rt.org.timezone,
    )
    return Answer(text, blocks)


def note(req: Request) -> Answer:
    number, text = _number(req, "/issue note I-1 <tekst>")
    if not text.strip():
        raise UserError("issue.note_needed", ref=Issue.ref_of(number))
    issue = issues.add_note(
        req.session, actor=req.actor, number=number, text=text, now=req.rt.clock.now()
    )
    return Answer(t(req.lang, "issue.noted", ref=issue.ref), in_channel=True)


def assign(req: Request) -> Answer:
    number, rest = _number(req, "/issue assign I-1 @kari")
    if not rest.strip():
        raise UserError("issue.user_needed", ref=Issue.ref_of(number))
    owner = parse_user(rest.split()[0])
    issue = issues.assign(
        req.session, actor=req.actor, number=number, owner=owner, now=req.rt.clock.now()
    )
    return Answer(t(req.lang, "issue.assigned", owner=owner, ref=issue.ref), in_channel=True)


def close(req: Request) -> Answer:
    number, rest = _number(req, "/issue close I-1")
    decision = req.option("decision")
    issue = issues.close(
        req.session,
        actor=req.actor,
        number=number,
        now=req.rt.clock.now(),
        decision=parse_ref(decision, "D") if decision else None,
        text=rest,
    )
    if decision:
        text = t(
            req.lang,
            "issue.closed_with",
            ref=issue.ref,
            user=req.actor.user_id,
            decision=Decision.ref_of(parse_ref(decision, "D")),
        )
    else:
        text = t(req.lang, "issue.closed", ref=issue.ref, user=req.actor.user_id)
    return Answer(text, in_channel=True)


def reopen(req: Request) -> Answer:
    number, _ = _number(req, "/issue reopen I-1")
    issue = issues.reopen(req.session, actor=req.actor, number=number, now=req.rt.clock.now())
    return Answer(
        t(req.lang, "issue.reopened", ref=issue.ref, user=req.actor.user_id), in_channel=True
    )


def ack(req: Request) -> Answer:
    number, _ = _number(req, "/issue ack I-1 dept:RMA")
    code = req.option("dept")
    if not code:
        raise UserError("issue.dept_needed", ref=Issue.ref_of(number))
    issue, row = issues.acknowledge(
        req.session, org=req.rt.org, actor=req.actor, number=number, code=code,
        now=req.rt.clock.now(),
    )  # fmt: skip
    return Answer(
        t(
            req.lang,
            "issue.acked",
            code=row.department,
            ref=issue.ref,
            user=req.actor.user_id,
        ),
        in_channel=True,
    )


def usage(req: Request) -> Answer:
    return Answer(t(req.lang, "issue.help"))


def open_modal(rt: Runtime, actor: Actor, client: WebClient, body: dict[str, Any]) -> Answer | None:
    view = views.modal(rt.org, actor.lang, metadata={"channel": body.get("channel_id")})
    client.views_open(trigger_id=body["trigger_id"], view=view)
    return Answer("")


SPEC = CommandSpec(
    name=Command.ISSUE,
    subcommands={
        "new": new, "list": listing, "show": show, "note": note, "assign": assign,
        "close": close, "reopen": reopen, "ack": ack, "help": usage,
    },
    options={
        "new": NEW_OPTIONS, "list": ("dept", "status"), "close": ("decision",), "ack": ("dept",),
    },
    creates=frozenset({"new"}),
    on_empty=open_modal,
)  # fmt: skip


def renderers(rt: Runtime) -> outbox.Renderers:
    """Compose notices and owner DMs when they are sent, from the issue as it is then."""
    by_kind = outbox.Renderers()

    def _issue(session: Session, row: OutboxMessage) -> Any:
        found = session.get(Issue, row.ref_id) if row.ref_id else None
        if found is None:
            raise LookupError(f"issue #{row.ref_id} is gone")
        return found

    @by_kind.add(issues.NOTICE)
    def render_notice(
        session: Session, row: OutboxMessage
    ) -> tuple[str, list[dict[str, Any]] | None]:
        code = str(row.payload.get("extra", {}).get("department", ""))
        today = local_today(rt.clock.now(), rt.org.timezone)
        return views.notice(_issue(session, row), code, rt.org.language, today, rt.org.timezone)

    reminders = {
        followups.ACK_REMINDER: "ack_reminder",
        followups.DUE_REMINDER: "due_reminder",
        followups.OVERDUE: "overdue_reminder",
        followups.STALE: "stale_reminder",
    }

    def render_reminder(
        session: Session, row: OutboxMessage
    ) -> tuple[str, list[dict[str, Any]] | None]:
        issue = _issue(session, row)
        lang = rt.actor(session, row.user).lang if row.user else rt.org.language
        code = str(row.payload.get("extra", {}).get("department", ""))
        return views.reminder(
            issue, reminders[row.kind], lang, code=code, days=rt.org.stale_after.days
        )

    for kind in reminders:
        by_kind.add(kind)(render_reminder)

    @by_kind.add(issues.OWNER_CHANGED)
    def render_owner_changed(
        session: Session, row: OutboxMessage
    ) -> tuple[str, list[dict[str, Any]] | None]:
        lang = rt.actor(session, row.user or "").lang
        extra = row.payload.get("extra", {})
        return views.owner_changed_dm(
            _issue(session, row),
            lang,
            before=str(extra.get("before", "")),
            owner=str(extra.get("owner", "")),
            by=str(extra.get("by", "")),
        )

    @by_kind.add(issues.ASSIGNED)
    def render_assigned(
        session: Session, row: OutboxMessage
    ) -> tuple[str, list[dict[str, Any]] | None]:
        lang = rt.actor(session, row.user or "").lang
        return views.assigned_dm(
            _issue(session, row), lang, local_today(rt.clock.now(), rt.org.timezone)
        )

    return by_kind


_ERROR_BLOCK = {
    "common.unknown_department": IssueBlock.DEPARTMENTS,
    "common.department_required": IssueBlock.DEPARTMENTS,
    "issue.due_in_past": IssueBlock.DUE,
    "issue.bad_priority": IssueBlock.PRIORITY,
    "parse.bad_date": IssueBlock.DUE,
    "parse.out_of_range": IssueBlock.DUE,
}


def _note_block(_error: UserError) -> str:
    return IssueBlock.NOTE


def _issue_block(error: UserError) -> str:
    if error.key in _ERROR_BLOCK:
        return _ERROR_BLOCK[error.key]
    return IssueBlock.DESCRIPTION if error.params.get("field") == "details" else IssueBlock.TITLE


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
        due=parse_date(str(due), today=_today(rt)) if due else None,
        source=SourceLink(**source) if isinstance(source, dict) else None,
    )
    issue = issues.register(form.session, org=rt.org, actor=actor, data=data, now=rt.clock.now())
    text = t(actor.lang, "issue.registered", ref=issue.ref, title=quote(issue.title))
    queue_confirmation(
        form.session, rt, text=text, blocks=None, channel=form.meta.get("channel"),
        user_id=actor.user_id, ref_kind="issue", ref_id=issue.id,
    )  # fmt: skip
    return issue.ref


def _int(value: object) -> int:
    """A number from a form's metadata (0, which names no record, when it is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _ephemeral(client: WebClient, channel: str, user: str, text: str) -> None:
    """Answer a button privately: in its channel, or by DM when pressed on the Home tab."""
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError as error:
        log.info("could not answer a button privately: %s", error.response.get("error"))


# a button's work: (runtime, session, actor, the button's value) -> what the user is told
ButtonAct = Callable[[Runtime, Session, Actor, str], str]


def _press(rt: Runtime, body: dict[str, Any], client: WebClient, act: ButtonAct) -> None:
    """Do a button's work in one transaction and answer the user privately."""
    user_id = body["user"]["id"]
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id", "")
    value = str(body["actions"][0].get("value", ""))
    try:
        with rt.db.session() as session:
            actor = rt.actor(session, user_id)
            text = act(rt, session, actor, value)
    except UserError as error:
        lang = lang_of(rt, user_id)
        _ephemeral(client, channel, user_id, explain(lang, error))
        return
    if text and channel:  # on the Home tab, the refreshed tab is the answer
        _ephemeral(client, channel, user_id, text)


def _ref_of(value: str) -> int:
    return parse_ref("I-" + value.split(":", 1)[0], "I")


def _acknowledge(rt: Runtime, session: Session, actor: Actor, value: str) -> str:
    number, _, code = value.partition(":")
    issue, row = issues.acknowledge(
        session, org=rt.org, actor=actor, number=_ref_of(number), code=code, now=rt.clock.now()
    )
    return t(actor.lang, "issue.acked", code=row.department, ref=issue.ref, user=actor.user_id)


def _take(rt: Runtime, session: Session, actor: Actor, value: str) -> str:
    issue = issues.take(session, actor=actor, number=_ref_of(value), now=rt.clock.now())
    return t(actor.lang, "issue.assigned", owner=actor.user_id, ref=issue.ref)


def _close(rt: Runtime, session: Session, actor: Actor, value: str) -> str:
    issue = issues.close(session, actor=actor, number=_ref_of(value), now=rt.clock.now())
    return t(actor.lang, "issue.closed", ref=issue.ref, user=actor.user_id)


def issue_command(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)


def on_ack(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _press(runtime_of(context), body, client, _acknowledge)


def on_take(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _press(runtime_of(context), body, client, _take)


def on_close(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _press(runtime_of(context), body, client, _close)


def on_note(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The notice's "Add note" button: the note form for its issue."""
    ack()
    rt = runtime_of(context)
    user_id = body["user"]["id"]
    channel = body.get("channel", {}).get("id", "")
    with rt.db.session() as session:
        actor = rt.actor(session, user_id)
        try:
            issue = issues.get(session, _ref_of(str(body["actions"][0].get("value", ""))))
        except UserError as error:
            _ephemeral(client, channel, user_id, explain(actor.lang, error))
            return
        view = views.note_modal(issue, actor.lang, metadata={"channel": channel})
    client.views_open(trigger_id=body["trigger_id"], view=view)


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


def register(app: App) -> None:
    app.command(command_pattern(Command.ISSUE))(issue_command)
    app.action(IssueAction.ACK)(on_ack)
    app.action(IssueAction.TAKE)(on_take)
    app.action(IssueAction.CLOSE)(on_close)
    app.action(IssueAction.NOTE)(on_note)
    app.view(IssueCallback.NOTE_MODAL)(note_submitted)
    app.view(IssueCallback.MODAL)(issue_submitted)
    app.shortcut(Callback.ISSUE_FROM_MESSAGE)(issue_from_message)
