"""Sign in with Slack (OpenID Connect, SPEC §9), the signed session and CSRF.

``/auth/login`` sends the browser to Slack's authorize URL with a random ``state`` and
``nonce`` kept in the signed session; ``/auth/callback`` checks the state, exchanges the code
with ``openid.connect.token``, verifies the ID token (signature through Slack's JWKS, issuer,
audience, expiry, then the nonce) and lets in the home team's users only.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import jwt
from flask import Blueprint, abort, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from slack_sdk.errors import SlackApiError

from bot import register
from web.app import SESSION_HOURS, csrf_token, state

log = logging.getLogger("returbot.web")
blueprint = Blueprint("auth", __name__)
ISSUER = "https://slack.com"
SCOPES = "openid profile"
TEAM_CLAIM = "https://slack.com/team_id"
USER_CLAIM = "https://slack.com/user_id"
LEEWAY = 60  # seconds of clock difference with Slack's
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


@dataclass(frozen=True)
class User:
    """The signed-in user as the session holds them."""

    id: str
    team: str
    name: str


class Refused(Exception):
    """A sign-in refused: ``key`` names the sentence, ``reason`` the log line's words."""

    def __init__(self, key: str, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason
        self.status = status


def load_user() -> None:
    """Before each request: the signed-in user (if the session is theirs and young enough)
    and the language the page speaks."""
    st = state()
    g.user = None
    g.viewer = None
    g.lang = st.rt.org.language
    found = session.get("user")
    if not isinstance(found, dict):
        return
    at = found.get("at")
    now = st.rt.clock.now().timestamp()
    if not isinstance(at, int | float) or not 0 <= now - at < SESSION_HOURS * 3600:
        session.clear()
        return
    user = User(str(found.get("id", "")), str(found.get("team", "")), str(found.get("name", "")))
    # what the user may read (SPEC §9): asked again on every request, so that a team taken out
    # of the config is out at once
    viewer = register.viewer(st.rt.org, user_id=user.id, home_team=st.home_team(), team=user.team)
    if viewer is None:
        session.clear()
        return
    g.user, g.viewer = user, viewer
    with st.rt.db.session() as db:
        g.lang = register.language_of(db, st.rt.org, user.id)


def check_csrf() -> None:
    """Before each request: a POST carries this session's CSRF token, or is refused (the
    one-click acknowledgement's form has a token of its own, checked by ``web/ack.py``)."""
    if request.method != "POST" or request.blueprint == "ack":
        return
    expected = session.get("csrf")
    given = request.form.get("csrf_token", "")
    if (
        not isinstance(expected, str)
        or not expected
        or not secrets.compare_digest(given.encode(), expected.encode())
    ):
        abort(400, description="csrf")


def login_required(view: F) -> F:
    """A page for signed-in users: the others go to sign in, and come back here after."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if g.get("user") is None:
            back = request.full_path if request.query_string else request.path
            return redirect("/auth/login?" + urlencode({"next": back}))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _local(path: str | None) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/decisions"
    return path


def _redirect_uri() -> str:
    return f"{state().rt.settings.public_url}/auth/callback"


@blueprint.get("/auth/login")
def login() -> ResponseReturnValue:
    """To Slack's authorize URL, with a fresh state and nonce kept in the session."""
    settings = state().rt.settings
    back = _local(request.args.get("next"))
    if g.get("user") is not None:
        return redirect(back)
    pending = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "next": back,
    }
    session["oidc"] = pending
    query = urlencode(
        {
            "response_type": "code",
            "scope": SCOPES,
            "client_id": settings.client_id,
            "redirect_uri": _redirect_uri(),
            "state": pending["state"],
            "nonce": pending["nonce"],
        }
    )
    return redirect(f"{settings.oauth_url}?{query}")


@blueprint.get("/auth/callback")
def callback() -> ResponseReturnValue:
    """Back from Slack: the user is signed in, or told in one sentence why not."""
    pending = session.pop("oidc", None)
    try:
        user, back = _signed_in(pending)
    except Refused as refused:
        log.warning("sign-in refused: %s", refused.reason)
        return render_template("error.html", message_key=refused.key), refused.status
    session.clear()
    session.permanent = True
    session["user"] = {
        "id": user.id,
        "team": user.team,
        "name": user.name,
        "at": state().rt.clock.now().timestamp(),
    }
    csrf_token()
    log.info("signed in to the web register: %s", user.id)
    return redirect(back)


def _signed_in(pending: object) -> tuple[User, str]:
    """The user the callback's code stands for, and where they were going."""
    if request.args.get("error"):
        raise Refused("auth.denied", "Slack answered with an error (the user declined?)")
    if not isinstance(pending, dict):
        raise Refused("auth.bad_state", "no sign-in was started in this browser")
    given = request.args.get("state", "")
    if not secrets.compare_digest(given.encode(), str(pending.get("state", "")).encode()):
        raise Refused("auth.bad_state", "the state does not match")
    code = request.args.get("code", "")
    if not code:
        raise Refused("auth.bad_state", "no code")
    claims = verify(_id_token(code), nonce=str(pending.get("nonce", "")))
    team = str(claims.get(TEAM_CLAIM, ""))
    st = state()
    try:
        home = st.home_team()
    except (SlackApiError, OSError) as error:
        raise Refused(
            "auth.slack_down", f"auth.test failed ({type(error).__name__})", 503
        ) from None
    if not register.may_sign_in(st.rt.org, home_team=home, team=team):
        raise Refused("auth.other_team", f"a user of another team ({team[:20]!r})", 403)
    user_id = str(claims.get(USER_CLAIM) or claims.get("sub", ""))
    name = str(claims.get("name") or user_id)[:200]
    return User(user_id, team, name), _local(str(pending.get("next", "")))


def _id_token(code: str) -> str:
    """The ID token Slack gives for ``code`` (``openid.connect.token`` on SLACK_API_URL)."""
    st = state()
    settings = st.rt.settings
    try:
        answer = st.client.openid_connect_token(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            code=code,
            redirect_uri=_redirect_uri(),
        )
    except SlackApiError as error:
        reason = str(error.response.get("error", "?"))[:40]
        raise Refused("auth.failed", f"the code exchange was refused ({reason})") from None
    except OSError as error:  # urllib's errors, time-outs included
        raise Refused(
            "auth.slack_down", f"the code exchange failed ({type(error).__name__})", 503
        ) from None
    token = answer.get("id_token")
    if not isinstance(token, str) or not token:
        raise Refused("auth.failed", "no id_token in the answer")
    return token


def verify(token: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature (Slack's JWKS), issuer, audience, expiry and
    nonce are right; ``Refused`` saying which was wrong otherwise."""
    st = state()
    try:
        key = st.jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=st.rt.settings.client_id,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWKClientConnectionError:
        raise Refused("auth.slack_down", "Slack's keys could not be fetched", 503) from None
    except jwt.PyJWTError as error:
        raise Refused(
            "auth.failed", f"the ID token is not valid ({type(error).__name__})"
        ) from None
    if not nonce or not secrets.compare_digest(
        str(claims.get("nonce", "")).encode(), nonce.encode()
    ):
        raise Refused("auth.failed", "the ID token's nonce does not match")
    return claims


@blueprint.post("/auth/logout")
def logout() -> ResponseReturnValue:
    """The session ends (the CSRF token was checked before)."""
    session.clear()
    g.user = None
    return render_template("signed_out.html")
