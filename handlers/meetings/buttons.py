"""The buttons on meeting messages: an optional department's *attend* / *skip* on its
invitation, and the status request's button that opens a note on one issue."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import issues, meetings
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text.grammar import parse_ref
from bot.text.i18n import t
from handlers.common import actor_of, button_channel, ephemeral, explain, lang_of, runtime_of
from handlers.views import issues as issue_views


def _attendance(rt: Runtime, body: dict[str, Any], client: WebClient, answer: str) -> None:
    """An optional department's answer to an invitation (``attend`` or ``skip``)."""
    user_id = body["user"]["id"]
    channel = button_channel(body)
    number, _, code = str(body["actions"][0].get("value", "")).partition(":")
    try:
        with rt.db.session() as session:
            actor = actor_of(rt, session, body)
            meeting = meetings.answer_attendance(
                session, org=rt.org, actor=actor, number=parse_ref(f"M-{number}", "M"),
                code=code, answer=answer, now=rt.clock.now(),
            )  # fmt: skip
            said = t(
                actor.lang, "meeting.answer_saved", code=code.upper(),
                answer=t(actor.lang, f"meeting.att_{answer}"), ref=meeting.ref,
            )  # fmt: skip
    except UserError as error:
        lang = lang_of(rt, user_id)
        ephemeral(client, channel, user_id, explain(lang, error))
        return
    ephemeral(client, channel, user_id, said)


def on_attend(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _attendance(runtime_of(context), body, client, "attend")


def on_skip(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _attendance(runtime_of(context), body, client, "skip")


def on_status_note(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A status request's button: the note form for one issue, kept with the meeting."""
    ack()
    rt = runtime_of(context)
    user_id = body["user"]["id"]
    channel = body.get("channel", {}).get("id", "")
    meeting_no, _, issue_no = str(body["actions"][0].get("value", "")).partition(":")
    with rt.db.session() as session:
        actor = actor_of(rt, session, body)
        try:
            meeting = meetings.get(session, parse_ref(f"M-{meeting_no}", "M"))
            issue = issues.get(session, parse_ref(f"I-{issue_no}", "I"))
        except UserError as error:
            ephemeral(client, channel, user_id, explain(actor.lang, error))
            return
        view = issue_views.note_modal(
            issue, actor.lang, metadata={"channel": channel, "meeting": meeting.id}
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)
