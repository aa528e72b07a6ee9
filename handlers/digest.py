"""/digest (SPEC §4.4): the week's digest previewed, or posted now by the coordinator."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import digest, outbox
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.formats import at_time, format_time, weekday_name
from bot.text.i18n import Lang, t
from handlers.common import Answer, runtime_of
from handlers.home import channel_facts
from handlers.ids import Command, command_pattern
from handlers.slash import CommandSpec, Request, run_command
from handlers.views import digest as views
from handlers.views.blocks import MESSAGE_BLOCKS, context
from storage.models import OutboxMessage


def schedule_text(rt: Runtime, lang: Lang) -> str:
    """``hver mandag kl. 08.00`` / ``kvar måndag kl. 08.00`` / ``every Monday at 08:00``."""
    day = weekday_name(rt.org.digest_weekday, lang)
    return t(
        lang, "digest.schedule", day=day, at=at_time(format_time(rt.org.digest_time, lang), lang)
    )


def _no_text(req: Request) -> None:
    """/digest takes no words of its own: anything else is a mistyped subcommand."""
    extra = req.parsed.text.strip()
    if extra:
        raise UserError("digest.unknown", text=extra.split()[0])


def preview(req: Request) -> Answer:
    _no_text(req)
    found = digest.compose(req.session, req.rt.org, req.rt.clock.now())
    text, blocks = views.render(found, req.rt.org, req.lang)
    note = context(t(req.lang, "digest.preview"))
    return Answer(text, [note, *blocks][:MESSAGE_BLOCKS])


def post(req: Request) -> Answer:
    _no_text(req)
    _, channel = digest.post_now(
        req.session, org=req.rt.org, actor=req.actor, now=req.rt.clock.now()
    )
    return Answer(t(req.lang, "digest.posted", channel=channel), receipt="digest")


def usage(req: Request) -> Answer:
    return Answer(t(req.lang, "digest.help", when=schedule_text(req.rt, req.lang)))


SPEC = CommandSpec(
    name=Command.DIGEST,
    subcommands={"show": preview, "post": post, "help": usage},
    options={},
    default="show",
)


def shared_departments(rt: Runtime, session: Session, row: OutboxMessage) -> tuple[str, ...] | None:
    """The departments bound to the row's channel if it is shared with other organisations
    (SPEC §8: such a channel gets only what concerns them); None for any other channel."""
    channel = row.channel
    if not channel or not channel_facts(rt).shared(channel):
        return None
    return digest.departments_in(session, rt.org, channel)


def renderers(rt: Runtime) -> outbox.Renderers:
    by_kind = outbox.Renderers()

    @by_kind.add(digest.KIND)
    def render_digest(
        session: Session, row: OutboxMessage
    ) -> tuple[str, list[dict[str, Any]] | None]:
        start = str((row.payload.get("extra") or {}).get("week", ""))
        week = digest.week_starting(start, rt.org) if start else None
        found = digest.compose(
            session, rt.org, rt.clock.now(), week=week, only=shared_departments(rt, session, row)
        )
        return views.render(found, rt.org, rt.org.language)

    return by_kind


def digest_command(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)


def register(app: App) -> None:
    app.command(command_pattern(Command.DIGEST))(digest_command)
