"""The shape every form shares: read what was typed, act in one transaction, answer in the ack;
and what a form carries: the message a shortcut was used on, the confirmation after it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import outbox, resend
from bot.context import Actor
from bot.errors import UserError
from bot.runtime import Runtime
from bot.text import guard
from bot.text.grammar import unescape
from handlers.common import actor_of, explain, lang_of, log


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
    try:
        with rt.db.session() as session:
            actor = actor_of(rt, session, body)
            _refuse_identity_numbers(state)
            _act_once(Form(rt, session, actor, state, view_metadata(view)), view, act)
    except UserError as error:
        message = explain(lang_of(rt, user_id), error, plain=True)
        block = str(error.params.get("block") or error_block(error))
        ack(response_action="errors", errors={block: message})
        return
    ack()


def _act_once(form: Form, view: dict[str, Any], act: FormAct) -> None:
    """``act(form)``, unless the same user sent the same form moments ago (resend guard)."""
    user_id = form.actor.user_id
    fingerprint = _form_fingerprint(view, form.state)
    now = form.rt.clock.now()
    earlier = resend.made_moments_ago(
        form.session, user_id=user_id, fingerprint=fingerprint, now=now
    )
    if earlier is not None:
        log.info("form %s sent again within a minute: %s", view.get("callback_id"), earlier)
        return
    receipt = act(form)
    if receipt:
        resend.remember(
            form.session, user_id=user_id, fingerprint=fingerprint, receipt=receipt, now=now
        )


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
