"""What every listener shares: the runtime from the request, an answer, an error said safely.

The machinery around them: ``handlers.slash`` (a slash command: parse, act in one transaction,
answer in the ack) and ``handlers.modals`` (a form submission, the same way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import outbox
from bot.context import Actor, local_today
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text import guard
from bot.text.dates import format_date
from bot.text.i18n import Lang, t
from storage.models import OutboxMessage

log = logging.getLogger("returbot.handlers")
RUNTIME = "rt"  # the key of the runtime in Bolt's request context (handlers.app puts it there)
# what a renderer of a composed outbox kind gives back: the text and the blocks of the message
Rendered = tuple[str, list[dict[str, Any]] | None]
# a renderer written as a module-level function, given the runtime when the renderers are made
RenderWith = Callable[[Runtime, Session, OutboxMessage], Rendered]


def runtime_of(context: BoltContext) -> Runtime:
    """The runtime a listener works with, from the request's context."""
    rt = context.get(RUNTIME)
    if not isinstance(rt, Runtime):
        raise RuntimeError("no runtime in the request context: the app was not made by create_app")
    return rt


def today(rt: Runtime) -> date:
    """Today's date where the organisation is."""
    return local_today(rt.clock.now(), rt.org.timezone)


@dataclass(frozen=True)
class Answer:
    """What a command says back: ephemeral unless ``in_channel``; ``receipt`` names a new record."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False
    receipt: str | None = None


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


def user_team(body: Mapping[str, Any]) -> str | None:
    """The Slack team of the user a request comes from (SPEC §8): ``user.team_id`` on a button
    or a form (in a Slack Connect channel, the team of the user's own organisation), the
    workspace the command was typed in on a slash command (Slack offers an app's commands
    only to the workspace that installed it); None where the request does not say."""
    user = body.get("user")
    if isinstance(user, dict):
        team = user.get("team_id")
    else:
        team = body.get("user_team") or body.get("team_id")
    return str(team) if isinstance(team, str) and team else None


def actor_of(rt: Runtime, session: Session, body: Mapping[str, Any]) -> Actor:
    """The acting user of a command, a button or a form, with their language and their team
    (which makes a partner agency's user a member of it)."""
    user = body.get("user")
    user_id = str(user.get("id") or "") if isinstance(user, dict) else str(body.get("user_id", ""))
    return rt.actor(session, user_id).in_team(user_team(body), rt.org.slack_teams)


def lang_of(rt: Runtime, user_id: str) -> Lang:
    """The user's language, read in its own short transaction (for answers after a rollback)."""
    try:
        with rt.db.session() as session:
            return rt.actor(session, user_id).lang
    except Exception:
        return rt.org.language


def ephemeral(client: WebClient, channel: str, user: str, text: str) -> None:
    """Answer a button privately in its channel (a failure is logged: the press did its work)."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as error:
        log.info("could not answer a button privately: %s", error.response.get("error"))


def button_channel(body: dict[str, Any]) -> str:
    """The channel a button was pressed in ("" on the Home tab)."""
    channel: str = body.get("channel", {}).get("id") or body.get("container", {}).get(
        "channel_id", ""
    )
    return channel


def bind_renderers(rt: Runtime, table: Mapping[str, RenderWith]) -> outbox.Renderers:
    """The outbox renderers of ``table`` (kind -> renderer), each one given ``rt``."""
    out = outbox.Renderers()
    for kind, render in table.items():
        out[kind] = partial(render, rt)
    return out
