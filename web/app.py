"""The Flask app factory: ``create_app(runtime, client)``.

One app per process, built by the composition root; its parts reach the runtime through
``state()``. Templates autoescape; the one error handler answers every failure with a sentence
in the reader's language (``web/errors.py``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

import jwt
from flask import Flask, Response, current_app, g, request, session
from slack_sdk import WebClient

from bot import register
from bot.runtime import Runtime
from bot.text.formats import format_short_date, format_short_datetime
from bot.text.i18n import Lang, t

SESSION_HOURS = 12
JWKS_TIMEOUT = 5  # seconds: a sign-in waits on it


class HomeTeam:
    """The team of the bot token (``auth.test``), asked once and kept."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.lock = threading.Lock()
        self.team: str | None = None

    def __call__(self) -> str:
        with self.lock:
            if self.team is None:
                self.team = str(self.client.auth_test()["team_id"])
            return self.team


@dataclass
class State:
    """What the web's views need of the process: the runtime and the ways to Slack."""

    rt: Runtime
    client: WebClient  # SLACK_API_URL: the bot token's auth.test, openid.connect.token
    jwks: jwt.PyJWKClient  # SLACK_OAUTH_JWKS_URL, its keys kept for five minutes
    home_team: HomeTeam
    failures: set[tuple[str, str]] = field(default_factory=set)  # logged with their stack


def state() -> State:
    """The state of the app serving this request."""
    return cast(State, current_app.extensions["returbot"])


def create_app(rt: Runtime, client: WebClient) -> Flask:
    """The register's Flask app on ``rt`` (its settings must have the web configured); Slack's
    Web API through ``client`` (tests point it at the fake Slack)."""
    settings = rt.settings
    if not settings.web or not settings.public_url:
        raise ValueError(
            "the web register needs RETURBOT_PUBLIC_URL, SLACK_CLIENT_ID, "
            "SLACK_CLIENT_SECRET and RETURBOT_SECRET_KEY"
        )
    app = Flask("web", static_url_path="/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="returbot_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # 12 hours from signing in, not from the last page: the cookie is not renewed
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["returbot"] = State(
        rt=rt,
        client=client,
        jwks=jwt.PyJWKClient(settings.jwks_url, timeout=JWKS_TIMEOUT),
        home_team=HomeTeam(client),
    )
    from web import ack, auth, errors, pages, reports

    app.before_request(auth.load_user)
    app.before_request(auth.check_csrf)
    app.context_processor(_template_globals)
    app.after_request(_headers)
    app.add_template_filter(_when, "when")
    app.add_template_filter(_day, "day")
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(ack.blueprint)
    app.register_blueprint(reports.blueprint)
    app.add_template_global(reports.may_download, "may_download")
    errors.register(app)
    return app


def lang() -> Lang:
    """The reader's language: the signed-in user's, else the organisation's."""
    found = g.get("lang")
    return cast(Lang, found) if found else state().rt.org.language


def text(key: str, **params: Any) -> str:
    """A sentence of the web's catalogue (``web.<key>``) in the reader's language."""
    return t(lang(), f"web.{key}", **params)


def csrf_token() -> str:
    """This session's CSRF token, made on first use; every POST form carries it."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


# nothing on a page comes from elsewhere, no page is framed, forms post here only
POLICY = "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"


def _headers(response: Response) -> Response:
    """Every answer: the content policy; a page (the register's records) is not cached."""
    response.headers.setdefault("Content-Security-Policy", POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _when(moment: datetime | None) -> str:
    """A moment in the organisation's time zone, as the reader's language writes it in a
    table: 25.11.2026 09.30 (nb, nn), 25/11/2026 09:30 (en)."""
    if moment is None:
        return ""
    return format_short_datetime(moment, lang(), state().rt.org.timezone)


def _day(day: date | None) -> str:
    return format_short_date(day, lang()) if day else ""


def department_name(code: str) -> str:
    found = state().rt.org.department(code)
    return found.name if found else code


def _template_globals() -> dict[str, Any]:
    rt = state().rt
    return {
        "_": text,
        "lang": lang(),
        "user": g.get("user"),
        "csrf_token": csrf_token,
        "org": rt.org,
        "tz": rt.org.timezone,
        "path": request.path,
        "department_name": department_name,
        # a partner agency's reader is not shown the reports (bot.permissions.may_see_all)
        "sees_all": register.sees_everything(g.get("viewer")),
    }
