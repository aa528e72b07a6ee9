"""/returbot (SPEC §4.5): help, language, departments and channel bindings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import bindings
from bot.errors import UserError
from bot.i18n import LANGUAGES, t
from bot.runtime import Runtime
from handlers.common import Answer, CommandSpec, Request, require_coordinator, run_command
from handlers.ids import Command, command_pattern
from handlers.views.blocks import section, sections


def overview(req: Request) -> Answer:
    text = t(req.lang, "admin.help")
    return Answer(text, sections(text))


def language(req: Request) -> Answer:
    choice = req.parsed.text.strip().lower()
    if choice not in LANGUAGES:
        raise UserError("admin.bad_language", value=req.parsed.text.strip() or "—")
    bindings.set_language(req.session, req.actor.user_id, choice)
    return Answer(t(choice, "admin.language_set"))


def departments(req: Request) -> Answer:
    bound = bindings.current(req.session, req.rt.org)
    lang = req.lang
    none = t(lang, "admin.unbound")

    def where(channel: str | None) -> str:
        return f"<#{channel}>" if channel else none

    lines = [f"*{t(lang, 'admin.departments')}*"]
    for d in req.rt.org.departments:
        kind = t(lang, f"admin.kind_{d.kind}")
        lines.append(f"• *{d.code}* {d.name} ({kind}) — {where(bound.get(f'dept:{d.code}'))}")
    lines.append(f"\n*{t(lang, 'admin.series')}*")
    for s in req.rt.org.series:
        members = ", ".join(s.departments)
        if s.optional:
            members += " · " + t(lang, "admin.optional", codes=", ".join(s.optional))
        lines.append(f"• *{s.key}* {s.name}: {members} — {where(bound.get(f'series:{s.key}'))}")
    lines.append(f"\n*{t(lang, 'admin.digest')}* — {where(bound.get('digest'))}")
    text = "\n".join(lines)
    return Answer(text, sections(text))


def channel(req: Request) -> Answer:
    require_coordinator(req.rt, req.actor)
    target = bindings.target_for(req.rt.org, req.parsed.text)
    before = bindings.bind(req.session, req.actor.user_id, target, req.channel_id)
    key = "admin.bound_moved" if before and before != req.channel_id else "admin.bound"
    text = t(
        req.lang, key, target=bindings.label(req.rt.org, target), channel=f"<#{req.channel_id}>"
    )
    return Answer(text, [section(text)], in_channel=True)


def usage(req: Request) -> Answer:
    return overview(req)


SPEC = CommandSpec(
    name=Command.RETURBOT,
    subcommands={
        "help": overview,
        "language": language,
        "departments": departments,
        "channel": channel,
    },
    options={},
    default="help",
)


def register(app: App, rt: Runtime) -> None:
    @app.command(command_pattern(Command.RETURBOT))
    def returbot_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        run_command(rt, SPEC, ack, body, client)
