"""The one error handler: every failure is a sentence in the reader's language, never a
stack trace; a failure of ours is logged (its type and where, with its stack once)."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from bot.errors import UserError
from bot.register import Forbidden, NotFound
from bot.text.i18n import t
from web.app import lang, state

log = logging.getLogger("returbot.web")
# the sentences of the HTTP errors a reader can meet; any other is said as "not possible"
KNOWN = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found_page",
    405: "method",
    413: "too_large",
}


def register(app: Flask) -> None:
    """Route every exception of ``app`` through ``failed``."""
    app.register_error_handler(Exception, failed)


def failed(error: Exception) -> ResponseReturnValue:
    """The page for ``error``: its sentence and its status."""
    if isinstance(error, HTTPException):
        code = error.code or 500
        if code == 400 and error.description == "csrf":
            return _page("error.csrf"), 400
        return _page(f"error.{KNOWN.get(code, 'bad_request')}"), code
    if isinstance(error, UserError):
        sentence = t(lang(), error.key, **error.params)
        if isinstance(error, NotFound):
            return _page(None, sentence), 404
        return _page(None, sentence), 403 if isinstance(error, Forbidden) else 400
    if isinstance(error, DBAPIError):
        log.warning("web: the database does not answer (%s)", type(error).__name__)
        return _page(None, t(lang(), "common.database_unavailable")), 503
    _log(error)
    return _page(None, t(lang(), "common.internal_error")), 500


def _page(key: str | None, sentence: str | None = None) -> str:
    return render_template("error.html", message_key=key, message=sentence)


def _log(error: Exception) -> None:
    """The type and place of ``error``, with its stack the first time (of 100 kinds)."""
    where = error.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    place = f"{where.tb_frame.f_code.co_filename}:{where.tb_lineno}" if where else "?"
    kind = (type(error).__name__, place)
    failures = state().failures
    # a one-click link's path is its token: never logged
    path = "'/ack/…'" if request.path.startswith("/ack/") else repr(request.path[:100])
    if kind not in failures and len(failures) < 100:
        failures.add(kind)
        log.error("%s serving %s", kind[0], path, exc_info=error)
    else:
        log.error("%s serving %s at %s", kind[0], path, place)
