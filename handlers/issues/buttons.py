"""The buttons on a department's notice and on a reminder: acknowledge, take, close, note.

Each does its work in one transaction and answers the user privately; on the Home tab the
refreshed tab is the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import issues
from bot.context import Actor
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.grammar import parse_ref
from bot.text.i18n import t
from handlers.common import (
    actor_of,
    button_channel,
    ephemeral,
    explain,
    lang_of,
    log,
    runtime_of,
)
from handlers.views import issues as views

# a button's work: (runtime, session, actor, the button's value) -> what the user is told
ButtonAct = Callable[[Runtime, Session, Actor, str], str]


def _tell(client: WebClient, channel: str, user: str, text: str) -> None:
    """Answer a button privately: in its channel, or by DM when pressed on the Home tab."""
    if channel:
        ephemeral(client, channel, user, text)
        return
    try:
        client.chat_postMessage(channel=user, text=text)
    except SlackApiError as error:
        log.info("could not answer a button privately: %s", error.response.get("error"))


def _press(rt: Runtime, body: dict[str, Any], client: WebClient, act: ButtonAct) -> None:
    """Do a button's work in one transaction and answer the user privately."""
    user_id = body["user"]["id"]
    channel = button_channel(body)
    value = str(body["actions"][0].get("value", ""))
    try:
        with rt.db.session() as session:
            actor = actor_of(rt, session, body)
            text = act(rt, session, actor, value)
    except UserError as error:
        lang = lang_of(rt, user_id)
        _tell(client, channel, user_id, explain(lang, error))
        return
    if text and channel:  # on the Home tab, the refreshed tab is the answer
        _tell(client, channel, user_id, text)


def _ref_of(value: str) -> int:
    return parse_ref("I-" + value.split(":", 1)[0], "I")


def _acknowledge(rt: Runtime, session: Session, actor: Actor, value: str) -> str:
    number, _, code = value.partition(":")
    issue, row = issues.acknowledge(
        session, org=rt.org, actor=actor, number=_ref_of(number), code=code, now=rt.clock.now()
    )
    return t(actor.lang, "issue.acked", code=row.department, ref=issue.ref, user=actor.user_id)


def _take(rt: Runtime, session: Session, actor: Actor, value: str) -> str:
    issue = issues.take(session, actor=actor, number=_ref_of(value), now=rt.clock.now(), org=rt.org)
    return t(actor.lang, "issue.assigned", owner=actor.user_id, ref=issue.ref)


def _close(rt: Runtime, session: Session, actor: Actor, value: str) -> str:
    issue = issues.close(session, actor=actor, number=_ref_of(value), now=rt.clock.now())
    return t(actor.lang, "issue.closed", ref=issue.ref, user=actor.user_id)


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
        actor = actor_of(rt, session, body)
        try:
            issue = issues.get(session, _ref_of(str(body["actions"][0].get("value", ""))))
        except UserError as error:
            _tell(client, channel, user_id, explain(actor.lang, error))
            return
        view = views.note_modal(issue, actor.lang, metadata={"channel": channel})
    client.views_open(trigger_id=body["trigger_id"], view=view)
