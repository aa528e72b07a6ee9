"""The shape every slash command shares: parse, act in one transaction, answer in the ack."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot import resend
from bot.context import Actor
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text import guard
from bot.text.grammar import ParsedCommand, parse_command, unescape
from bot.text.i18n import Lang, t
from handlers.common import Answer, actor_of, explain, lang_of, log


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
# what a command with no text does instead (opens its form); None goes on to the default
OnEmpty = Callable[[Runtime, Actor, WebClient, dict[str, Any]], Answer | None]


@dataclass(frozen=True)
class CommandSpec:
    """A slash command: its subcommands, the default one, the options each accepts."""

    name: str
    subcommands: Mapping[str, Subcommand]
    options: Mapping[str, Collection[str]]
    default: str = "new"
    creates: Collection[str] = field(default_factory=frozenset)
    # the subcommands that only read: answered from a session with no transaction around it
    # (storage.db.Database.reading), which refuses to write
    reads: Collection[str] = field(default_factory=frozenset)
    on_empty: OnEmpty | None = None


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
        opened = rt.db.reading() if _subcommand(spec, raw) in spec.reads else rt.db.session()
        with opened as session:
            actor = actor_of(rt, session, body)
            answer = _dispatch(rt, spec, session, actor, client, body, raw)
    except UserError as error:
        lang = lang_of(rt, user_id)
        answer = Answer(explain(lang, error))
    except (OperationalError, InterfaceError) as error:
        # the database is out of reach: say so at once, without asking it the user's language
        log.warning("command %s: database unavailable (%s)", spec.name, type(error).__name__)
        answer = Answer(t(rt.org.language, "common.database_unavailable"))
    except Exception:
        log.exception("command %s failed", spec.name)
        answer = Answer(t(lang_of(rt, user_id), "common.internal_error"))
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
    request = Request(
        rt=rt,
        session=session,
        actor=actor,
        client=client,
        command=spec.name,
        channel_id=str(body.get("channel_id", "")),
        trigger_id=body.get("trigger_id"),
        parsed=_parse(spec, raw),
    )
    if request.parsed.subcommand in spec.creates:
        return _create_once(spec, request, raw)
    return spec.subcommands[request.parsed.subcommand](request)


def _subcommand(spec: CommandSpec, raw: str) -> str:
    """The subcommand the text starts with (the command's default if it starts with none);
    empty text, which may open a form, is no subcommand."""
    if not raw.strip():
        return ""
    first = raw.strip().split(maxsplit=1)[0].lower()
    return first if first in spec.subcommands else spec.default


def _parse(spec: CommandSpec, raw: str) -> ParsedCommand:
    """The text split by the grammar, with the options of the subcommand it starts with."""
    sub = _subcommand(spec, raw) or spec.default
    return parse_command(
        raw,
        subcommands=spec.subcommands.keys(),
        default=spec.default,
        options=spec.options.get(sub, ()),
    )


def _create_once(spec: CommandSpec, req: Request, raw: str) -> Answer:
    """A create command, unless the same user sent the same text moments ago (resend guard)."""
    actor, session = req.actor, req.session
    fingerprint = guard.fingerprint(spec.name, raw)
    now = req.rt.clock.now()
    earlier = resend.made_moments_ago(
        session, user_id=actor.user_id, fingerprint=fingerprint, now=now
    )
    if earlier is not None:
        return Answer(t(actor.lang, "common.already_done", ref=earlier))
    answer = spec.subcommands[req.parsed.subcommand](req)
    if answer.receipt:
        resend.remember(
            session, user_id=actor.user_id, fingerprint=fingerprint, receipt=answer.receipt,
            now=now,
        )  # fmt: skip
    return answer


def render_ack(answer: Answer) -> dict[str, Any]:
    """The keyword arguments of ``ack()`` for an answer."""
    out: dict[str, Any] = {"text": answer.text}
    if answer.blocks:
        out["blocks"] = answer.blocks
    if answer.in_channel:
        out["response_type"] = "in_channel"
    return out
