"""The one error handler, and answers for what no other listener takes."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.text.i18n import t
from handlers.common import runtime_of

log = logging.getLogger("returbot.handlers")
ANYTHING = re.compile(r".*")


def on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> BoltResponse:
    # the body may carry user text; the type of failure is enough at error level
    log.error("unhandled %s in a %s request", type(error).__name__, body.get("type", "command"))
    log.debug("details", exc_info=error)
    key = (
        "common.database_unavailable"
        if isinstance(error, (OperationalError, InterfaceError))
        else "common.internal_error"
    )
    sentence = t(runtime_of(context).org.language, key)
    if "command" in body:
        return BoltResponse(status=200, body=sentence)
    if body.get("type") == "view_submission":
        # keep the form open with the sentence under its first field: nothing was saved
        blocks = (body.get("view") or {}).get("blocks") or []
        first = next((b.get("block_id") for b in blocks if b.get("type") == "input"), None)
        if first:
            answer = {"response_action": "errors", "errors": {first: sentence}}
            return BoltResponse(
                status=200,
                body=json.dumps(answer),
                headers={"content-type": "application/json"},
            )
    return BoltResponse(status=200, body="")


def unknown_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    command = str(body.get("command", ""))
    ack(text=t(runtime_of(context).org.language, "common.unknown_command", command=command))


def unknown_action(ack: Ack) -> None:
    ack()


def unknown_view(ack: Ack) -> None:
    ack()


def unknown_shortcut(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    app.error(on_error)


def register_fallbacks(app: App) -> None:
    """What no listener took still gets an answer (a sentence, or a quiet ack), never a 404."""
    app.command(re.compile(r"^/.*$"))(unknown_command)
    app.action(ANYTHING)(unknown_action)
    app.view(ANYTHING)(unknown_view)
    app.shortcut(ANYTHING)(unknown_shortcut)
