"""/issue and /sak (SPEC §4.2): commands, notice buttons, the modals, "Register as issue"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
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
    FormAct,
    Request,
    explain,
    lang_of,
    modal_value,
    queue_confirmation,
    run_command,
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
from storage import issues as store
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
    issue = issues.register(req.session, req.rt.org, req.actor, data, req.rt.clock.now())
    text = t(req.lang, "issue.registered", ref=issue.ref, title=quote(issue.title))
    _, blocks = views.assigned_dm(issue, req.lang, _today(req.rt))
    blocks[0] = section(text)
    return Answer(text, blocks, in_channel=True, receipt=issue.ref)


def listing(req: Request) -> Answer:
    status = (req.option("status") or "open").lower()
    if status not in ("open", "closed", "all"):
        raise UserError("issue.bad_status", value=status)
    words = req.parsed.text.lower().split()
    mine = "mine" in words
    department = req.option("dept")
    code = None
    if department:
        from bot import departments

        code = departments.resolve(req.rt.org, [department], required=True)[0]
    found, total = store.listing(
        req.session,
        today=_today(req.rt),
        department=code,
        status=status,
        user=req.actor.user_id if mine else None,
    )
    text, blocks = views.listing(found, total, req.lang, _today(req.rt))
    return Answer(text, blocks)


def show(req: Request) -> Answer:
    number, _ = _number(req, "/issue show I-1")
    issue = issues.get(req.session, number)
    text, blocks = views.card(
        issue,
        store.decisions_for(req.session, issue),
        req.lang,
        _today(req.rt),
        req.rt.org.timezone,
    )
    return Answer(text, blocks)


def note(req: Request) -> Answer:
    number, text = _number(req, "/issue note I-1 <tekst>")
    if not text.strip():
        raise UserError("issue.note_needed", ref=Issue.ref_of(number))
    issue = issues.add_note(req.session, req.actor, number, text, req.rt.clock.now())
    return Answer(t(req.lang, "issue.noted", ref=issue.ref), in_channel=True)


def assign(req: Request) -> Answer:
    number, rest = _number(req, "/issue assign I-1 @kari")
    if not rest.strip():
        raise UserError("issue.user_needed", ref=Issue.ref_of(number))
    owner = parse_user(rest.split()[0])
    issue = issues.assign(req.session, req.actor, number, owner, req.rt.clock.now())
    return Answer(t(req.lang, "issue.assigned", owner=owner, ref=issue.ref), in_channel=True)


def close(req: Request) -> Answer:
    number, rest = _number(req, "/issue close I-1")
    decision = req.option("decision")
    issue = issues.close(
        req.session,
        req.actor,
        number,
        req.rt.clock.now(),
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
    issue = issues.reopen(req.session, req.actor, number, req.rt.clock.now())
    return Answer(
        t(req.lang, "issue.reopened", ref=issue.ref, user=req.actor.user_id), in_channel=True
    )


def ack(req: Request) -> Answer:
    number, _ = _number(req, "/issue ack I-1 dept:RMA")
    code = req.option("dept")
    if not code:
        raise UserError("issue.dept_needed", ref=Issue.ref_of(number))
    issue, row = issues.acknowledge(
        req.session, req.rt.org, req.actor, number, code, req.rt.clock.now()
    )
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


def _note_from_form(rt: Runtime) -> FormAct:
    def act(session: Session, actor: Actor, state: dict[str, Any], meta: dict[str, Any]) -> str:
        text = str(modal_value(state, IssueBlock.NOTE) or "")
        meeting = meta.get("meeting")
        issue = issues.add_note(
            session,
            actor,
            _int(meta.get("issue")),
            text,
            rt.clock.now(),
            meeting_id=meeting if isinstance(meeting, int) else None,
        )
        return issue.ref

    return act


def _register_from_form(rt: Runtime) -> FormAct:
    def act(session: Session, actor: Actor, state: dict[str, Any], meta: dict[str, Any]) -> str:
        due = modal_value(state, IssueBlock.DUE)
        source = meta.get("source")
        data = issues.IssueInput(
            title=str(modal_value(state, IssueBlock.TITLE) or ""),
            description=str(modal_value(state, IssueBlock.DESCRIPTION) or ""),
            departments=list(modal_value(state, IssueBlock.DEPARTMENTS) or []),
            owner=modal_value(state, IssueBlock.OWNER) or None,
            priority=str(modal_value(state, IssueBlock.PRIORITY) or "normal"),
            due=parse_date(str(due), today=_today(rt)) if due else None,
            source=SourceLink(**source) if isinstance(source, dict) else None,
        )
        issue = issues.register(session, rt.org, actor, data, rt.clock.now())
        text = t(actor.lang, "issue.registered", ref=issue.ref, title=quote(issue.title))
        queue_confirmation(
            session, rt, text=text, blocks=None, channel=meta.get("channel"),
            user_id=actor.user_id, ref_kind="issue", ref_id=issue.id,
        )  # fmt: skip
        return issue.ref

    return act


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


def register(app: App, rt: Runtime) -> None:

    @app.command(command_pattern(Command.ISSUE))
    def issue_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        run_command(rt, SPEC, ack, body, client)

    def button(body: dict[str, Any], client: WebClient, act: Any) -> None:
        user_id = body["user"]["id"]
        channel = body.get("channel", {}).get("id") or body.get("container", {}).get(
            "channel_id", ""
        )
        value = str(body["actions"][0].get("value", ""))
        try:
            with rt.db.session() as session:
                actor = rt.actor(session, user_id)
                text = act(session, actor, value)
        except UserError as error:
            lang = lang_of(rt, user_id)
            _ephemeral(client, channel, user_id, explain(lang, error))
            return
        if text and channel:  # on the Home tab, the refreshed tab is the answer
            _ephemeral(client, channel, user_id, text)

    def _ref_of(value: str) -> int:
        return parse_ref("I-" + value.split(":", 1)[0], "I")

    @app.action(IssueAction.ACK)
    def on_ack(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def act(session: Session, actor: Actor, value: str) -> str:
            number, _, code = value.partition(":")
            issue, row = issues.acknowledge(
                session, rt.org, actor, _ref_of(number), code, rt.clock.now()
            )
            return t(
                actor.lang,
                "issue.acked",
                code=row.department,
                ref=issue.ref,
                user=actor.user_id,
            )

        button(body, client, act)

    @app.action(IssueAction.TAKE)
    def on_take(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def act(session: Session, actor: Actor, value: str) -> str:
            issue = issues.take(session, actor, _ref_of(value), rt.clock.now())
            return t(actor.lang, "issue.assigned", owner=actor.user_id, ref=issue.ref)

        button(body, client, act)

    @app.action(IssueAction.CLOSE)
    def on_close(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def act(session: Session, actor: Actor, value: str) -> str:
            issue = issues.close(session, actor, _ref_of(value), rt.clock.now())
            return t(actor.lang, "issue.closed", ref=issue.ref, user=actor.user_id)

        button(body, client, act)

    @app.action(IssueAction.NOTE)
    def on_note(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
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

    @app.view(IssueCallback.NOTE_MODAL)
    def note_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submit_form(rt, ack, body, view, act=_note_from_form(rt), error_block=_note_block)

    @app.view(IssueCallback.MODAL)
    def issue_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submit_form(rt, ack, body, view, act=_register_from_form(rt), error_block=_issue_block)

    @app.shortcut(Callback.ISSUE_FROM_MESSAGE)
    def issue_from_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut_message(body, client)
        view = views.modal(
            rt.org,
            lang_of(rt, body["user"]["id"]),
            metadata=message.metadata,
            title=message.first_line,
            description=message.text,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)
