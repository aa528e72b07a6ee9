"""The shape every slash command shares: parse, act in one transaction, answer in the ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot import outbox, resend
from bot.context import Actor
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text import guard
from bot.text.dates import format_date
from bot.text.grammar import ParsedCommand, parse_command, unescape
from bot.text.i18n import Lang, t

log = logging.getLogger("returbot.handlers")
RUNTIME = "rt"  # the key of the runtime in Bolt's request context (handlers.app puts it there)


def runtime_of(context: BoltContext) -> Runtime:
    """The runtime a listener works with, from the request's context."""
    rt = context.get(RUNTIME)
    if not isinstance(rt, Runtime):
        raise RuntimeError("no runtime in the request context: the app was not made by create_app")
    return rt


@dataclass(frozen=True)
class Answer:
    """What a command says back: ephemeral unless ``in_channel``; ``receipt`` names a new record."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False
    receipt: str | None = None


@dataclass(frozen=True)
class Request:
    rt: Runtime
    session: Session
    actor: Actor
    client: WebClient
    command: str
    channel_id: str
    trigger_id: str | None
    parsed: ParsedCommand

    @property
    def lang(self) -> Lang:
        return self.actor.lang

    def option(self, key: str) -> str | None:
        return self.parsed.options.get(key)


Subcommand = Callable[[Request], Answer]


@dataclass(frozen=True)
class CommandSpec:
    """A slash command: its subcommands, the default one, the options each accepts."""

    name: str
    subcommands: Mapping[str, Subcommand]
    options: Mapping[str, Collection[str]]
    default: str = "new"
    creates: Collection[str] = field(default_factory=frozenset)
    on_empty: Callable[[Runtime, Actor, WebClient, dict[str, Any]], Answer | None] | None = None


def explain(lang: str, error: UserError, *, plain: bool = False) -> str:
    """The error's sentence, with the user's own words in it made safe to show: bounded, no
    identity number, no ping, no forged link; ``plain`` for a form's field errors (no markup).
    Mentions the bot composed itself (``guard.Markup``) stay as they are."""
    clean = guard.plain if plain else guard.mrkdwn

    def shown(value: object) -> object:
        if isinstance(value, date):  # a date the bot names is said as the user reads dates
            return format_date(value, lang)
        if isinstance(value, guard.Markup):
            return guard.plain(value) if plain else value
        return clean(guard.echo(value)) if isinstance(value, str) else value

    return t(lang, error.key, **{k: shown(v) for k, v in error.params.items()})


def run_command(
    rt: Runtime, spec: CommandSpec, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Answer one slash command within the ack; bad input gets one sentence, nothing written."""
    user_id = str(body.get("user_id", ""))
    raw = str(body.get("text") or "")
    answer: Answer
    try:
        # the whole text as the user typed it, before any part of it is read or echoed (SPEC §6)
        if guard.contains_identity_number(unescape(raw)):
            raise UserError("safety.identity_number_text")
        with rt.db.session() as session:
            actor = rt.actor(session, user_id)
            answer = _dispatch(rt, spec, session, actor, client, body, raw)
    except UserError as error:
        lang = _lang_of(rt, user_id)
        answer = Answer(explain(lang, error))
    except (OperationalError, InterfaceError) as error:
        # the database is out of reach: say so at once, without asking it the user's language
        log.warning("command %s: database unavailable (%s)", spec.name, type(error).__name__)
        answer = Answer(t(rt.org.language, "common.database_unavailable"))
    except Exception:
        log.exception("command %s failed", spec.name)
        answer = Answer(t(_lang_of(rt, user_id), "common.internal_error"))
    ack(**render_ack(answer))


def _dispatch(
    rt: Runtime,
    spec: CommandSpec,
    session: Session,
    actor: Actor,
    client: WebClient,
    body: dict[str, Any],
    raw: str,
) -> Answer:
    if not raw.strip() and spec.on_empty is not None:
        opened = spec.on_empty(rt, actor, client, body)
        if opened is not None:
            return opened
    first = raw.strip().split(maxsplit=1)[0].lower() if raw.strip() else ""
    sub = first if first in spec.subcommands else spec.default
    parsed = parse_command(
        raw,
        subcommands=spec.subcommands.keys(),
        default=spec.default,
        options=spec.options.get(sub, ()),
    )
    request = Request(
        rt=rt,
        session=session,
        actor=actor,
        client=client,
        command=spec.name,
        channel_id=str(body.get("channel_id", "")),
        trigger_id=body.get("trigger_id"),
        parsed=parsed,
    )
    if parsed.subcommand in spec.creates:
        fingerprint = guard.fingerprint(spec.name, raw)
        now = rt.clock.now()
        earlier = resend.made_moments_ago(
            session, user_id=actor.user_id, fingerprint=fingerprint, now=now
        )
        if earlier is not None:
            return Answer(t(actor.lang, "common.already_done", ref=earlier))
        answer = spec.subcommands[parsed.subcommand](request)
        if answer.receipt:
            resend.remember(
                session, user_id=actor.user_id, fingerprint=fingerprint, receipt=answer.receipt,
                now=now,
            )  # fmt: skip
        return answer
    return spec.subcommands[parsed.subcommand](request)


def _lang_of(rt: Runtime, user_id: str) -> Lang:
    try:
        with rt.db.session() as session:
            return rt.actor(session, user_id).lang
    except Exception:
        return rt.org.language


def render_ack(answer: Answer) -> dict[str, Any]:
    """The keyword arguments of ``ack()`` for an answer."""
    out: dict[str, Any] = {"text": answer.text}
    if answer.blocks:
        out["blocks"] = answer.blocks
    if answer.in_channel:
        out["response_type"] = "in_channel"
    return out


def lang_of(rt: Runtime, user_id: str) -> Lang:
    """The user's language, read in its own short transaction (for answers after a rollback)."""
    return _lang_of(rt, user_id)


def modal_value(state: dict[str, Any], block: str) -> Any:
    """The value of a modal input block, whatever its element type."""
    element = state.get(block, {}).get("value", {})
    if "selected_options" in element:
        return [o.get("value", "") for o in element.get("selected_options") or []]
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    if "selected_user" in element:
        return element.get("selected_user")
    if "selected_date" in element:
        return element.get("selected_date")
    if "selected_time" in element:
        return element.get("selected_time")
    return element.get("value")


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private metadata (JSON we wrote); {} when absent or unreadable."""
    try:
        return dict(json.loads(view.get("private_metadata") or "{}"))
    except (ValueError, TypeError):
        return {}


@dataclass(frozen=True)
class ShortcutMessage:
    """The message a message shortcut was used on."""

    text: str
    metadata: dict[str, Any]

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0][:200] if self.text.strip() else ""


def shortcut_message(body: dict[str, Any], client: WebClient) -> ShortcutMessage:
    """Text (as typed) and a link to the message, to carry through the modal onto the record."""
    message = body.get("message", {})
    channel = body.get("channel", {}).get("id", "")
    ts = message.get("ts", "")
    permalink = None
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as error:
        log.info("no permalink for a shortcut message: %s", error.response.get("error"))
    source = {"channel": channel, "ts": ts, "permalink": permalink}
    return ShortcutMessage(
        text=unescape(str(message.get("text") or "")),
        metadata={"channel": channel, "source": source},
    )


def queue_confirmation(
    session: Session,
    rt: Runtime,
    *,
    text: str,
    blocks: list[dict[str, Any]] | None,
    channel: str | None,
    user_id: str,
    ref_kind: str,
    ref_id: int,
) -> None:
    """After a modal: the confirmation in the channel it was opened from (else a DM)."""
    outbox.enqueue(
        session,
        kind="confirmation",
        text=text,
        blocks=blocks,
        channel=channel or None,
        user=None if channel else user_id,
        fallback_user=user_id if channel else None,
        due_at=rt.clock.now(),
        ref_kind=ref_kind,
        ref_id=ref_id,
    )


@dataclass(frozen=True)
class Form:
    """One form submission as a form's ``act`` sees it: the values and the form's metadata."""

    rt: Runtime
    session: Session
    actor: Actor
    state: dict[str, Any]
    meta: dict[str, Any]

    def value(self, block: str) -> Any:
        return modal_value(self.state, block)


FormAct = Callable[[Form], "str | None"]


def submit_form(
    rt: Runtime,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    *,
    act: FormAct,
    error_block: Callable[[UserError], str],
) -> None:
    """Answer one form submission in its ack: saved and closed, or the form kept open with one
    sentence under the field that is wrong, nothing written.

    ``act(form)`` does the work in one transaction and returns the reference of the record it
    made (``"I-3"``), which the resend guard keeps: the same user sending the same form with
    the same values again within 60 seconds (a client retrying after a time-out, or a replayed
    request) closes the form without making a second record.
    """
    user_id = str((body.get("user") or {}).get("id") or "")
    state = (view.get("state") or {}).get("values") or {}
    meta = view_metadata(view)
    try:
        with rt.db.session() as session:
            actor = rt.actor(session, user_id)
            _refuse_identity_numbers(state)
            fingerprint = _form_fingerprint(view, state)
            now = rt.clock.now()
            earlier = resend.made_moments_ago(
                session, user_id=user_id, fingerprint=fingerprint, now=now
            )
            if earlier is not None:
                log.info("form %s sent again within a minute: %s", view.get("callback_id"), earlier)
            else:
                receipt = act(Form(rt, session, actor, state, meta))
                if receipt:
                    resend.remember(
                        session, user_id=user_id, fingerprint=fingerprint, receipt=receipt, now=now
                    )
    except UserError as error:
        message = explain(lang_of(rt, user_id), error, plain=True)
        block = str(error.params.get("block") or error_block(error))
        ack(response_action="errors", errors={block: message})
        return
    ack()


def _refuse_identity_numbers(state: dict[str, Any]) -> None:
    """Every typed value of a form, before anything else reads it (SPEC §6)."""
    for block in state:
        value = modal_value(state, block)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and guard.contains_identity_number(item):
                raise UserError("safety.identity_number", field=block, block=block)


def _form_fingerprint(view: dict[str, Any], state: dict[str, Any]) -> str:
    values = {block: modal_value(state, block) for block in sorted(state)}
    identity = json.dumps(
        [view.get("callback_id"), view.get("private_metadata") or "", values],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return guard.fingerprint("form", identity)
