"""One-click acknowledgement for e-mail readers (SPEC §9, §8): ``GET /ack/<token>`` shows the
issue and one button, its ``POST`` records the acknowledgement for the link's department.

No sign-in: the link is the reader's proof. The form's CSRF token is derived from the link's
token with the secret key (HMAC), so it works without a session and another site cannot make
one. The token never reaches a log line (``web/errors.py`` leaves it out) nor a referrer (the
pages say ``no-referrer``). The pages speak the organisation's language.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, g, make_response, render_template, request
from flask.typing import ResponseReturnValue

from bot import acklinks
from bot.errors import UserError
from bot.text.i18n import t
from web.app import state

blueprint = Blueprint("ack", __name__)
PREFIX = "/ack/"


def form_token(token: str) -> str:
    """The CSRF token of the link ``token``'s form: an HMAC under the secret key."""
    key = (state().rt.settings.secret_key or "").encode()
    return hmac.new(key, b"ack-form\x00" + token.encode(), hashlib.sha256).hexdigest()


def _page(template: str, status: int = 200, **context: object) -> Response:
    response = make_response(render_template(template, **context), status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refused(error: UserError) -> Response:
    """An unknown link is 404, a used or expired one 410 (gone): the sentence says which."""
    status = 404 if error.key == "ack.unknown" else 410
    sentence = t(g.lang, error.key, **error.params)
    return _page("ack_refused.html", status, sentence=sentence)


@blueprint.before_request
def _organisation_language() -> None:
    g.lang = state().rt.org.language


@blueprint.get("/ack/<token>")
def show(token: str) -> ResponseReturnValue:
    rt = state().rt
    with rt.db.session() as session:
        try:
            opened = acklinks.look_up(session, token=token, now=rt.clock.now())
        except UserError as error:
            return _refused(error)
        return _page("ack.html", opened=opened, form_token=form_token(token), done=False)


@blueprint.post("/ack/<token>")
def acknowledge(token: str) -> ResponseReturnValue:
    given = request.form.get("csrf_token", "")
    if not hmac.compare_digest(given.encode(), form_token(token).encode()):
        return _page("ack_refused.html", 400, sentence=t(g.lang, "web.error.csrf"))
    rt = state().rt
    with rt.db.session() as session:
        try:
            opened = acklinks.acknowledge(session, org=rt.org, token=token, now=rt.clock.now())
        except UserError as error:
            return _refused(error)
        return _page("ack.html", opened=opened, form_token="", done=True)
