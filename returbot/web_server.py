"""HTTP: ``POST /slack/events`` (the signature checked here, then Bolt), ``GET /healthz``, the
calendar feed, and every other path to the register in a browser when it is configured
(``web/``, SPEC §9); served by waitress as ``returbot.serving`` sets it up."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, Literal

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot import calendar
from bot.calendar import Feed, token_matches
from bot.runtime import Runtime
from returbot.serving import (
    MAX_BODY,
    REQUEST_THREADS,
    Limits,
    Tally,
    make_server,
    serve_until_closed,
)

__all__ = [
    "MAX_BODY",
    "REQUEST_THREADS",
    "Limits",
    "SlackEndpoint",
    "WebApp",
    "make_server",
    "serve_until_closed",
]

log = logging.getLogger("returbot.server")
StartResponse = Callable[..., Any]
WSGI = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_FEED = re.compile(r"/calendar/([A-Za-z0-9_-]{16,64})\.ics")


class SlackEndpoint:
    """``POST /slack/events``: a request without a valid signature is refused before its body is
    read as form or JSON; a signed body Bolt cannot read is a 400 and one log line."""

    def __init__(self, app: App, signing_secret: str) -> None:
        if not signing_secret.strip():
            raise ValueError("Slack's HTTP endpoint needs the signing secret")
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.refused = Tally("refused %d request(s) to /slack/events without a valid signature")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if not timestamp or not signature:
            return self.refuse(start_response)
        # waitress hands a request over only once all of it has arrived (within the read
        # deadlines, at most MAX_BODY), so this read neither waits on the client nor grows
        length = environ.get("CONTENT_LENGTH") or "0"
        size = min(int(length), MAX_BODY) if length.isdigit() else 0
        body: bytes = environ["wsgi.input"].read(size)
        try:
            valid = self.verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):  # a timestamp not a number, a body not UTF-8, a
            valid = False  # signature not ASCII (hmac.compare_digest refuses it)
        if not valid:
            return self.refuse(start_response)
        headers = WsgiHttpRequest(environ).get_headers()
        try:
            request = BoltRequest(
                body=body.decode(), query=environ.get("QUERY_STRING", ""), headers=headers
            )
        except Exception as error:  # Bolt reads the body here: any failure means its shape
            log.warning(
                "signed Slack request with a body that cannot be read: %s (%d bytes, %s)",
                type(error).__name__,
                len(body),
                environ.get("CONTENT_TYPE") or "no content type",
            )
            return _reply(start_response, "400 Bad Request", {"error": "malformed body"})
        answer = self.app.dispatch(request)
        response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def refuse(self, start_response: StartResponse) -> Iterable[bytes]:
        self.refused.add()
        return _reply(start_response, "401 Unauthorized", {"error": "invalid signature"})


class WebApp:
    """The WSGI application: Slack's endpoint, the health check, the calendar feed and the
    register's web pages.

    With a Bolt ``app`` it is returbot over HTTP (the signing secret is required); without one
    there is no Slack endpoint at all: Socket Mode (``feed=True``) or the scheduler's health.
    The web pages (``web``) are served beside them wherever the feed is: by default the ones
    ``wiring.web_app`` builds when the web is configured (``web=False``: none).
    """

    def __init__(
        self,
        app: App | None,
        rt: Runtime,
        *,
        health: Callable[[], dict[str, Any]] | None = None,
        feed: bool | None = None,
        web: WSGI | Literal[False] | None = None,
    ) -> None:
        self.slack = SlackEndpoint(app, rt.settings.signing_secret) if app is not None else None
        self.rt = rt
        self.extra_health = health
        self.serves_feed = app is not None if feed is None else feed
        self.feed = Feed(rt.org)
        self.failures: dict[tuple[str, str], int] = {}
        if web is None:
            web = _web_pages(rt) if self.serves_feed else False
        self.web: WSGI | None = web or None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self.route(environ, start_response)
        except Exception as error:
            self.failed(error, environ.get("PATH_INFO", ""))
            return _reply(
                start_response,
                "500 Internal Server Error",
                {"error": "internal error"},
                exc_info=sys.exc_info(),
            )

    def route(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.health(start_response)
        if path == "/slack/events" and method == "POST" and self.slack is not None:
            return self.slack(environ, start_response)
        if self.serves_feed and method in ("GET", "HEAD") and path.startswith("/calendar/"):
            return self.calendar(path, start_response)
        if self.web is not None and not _reserved(path):
            return self.web(environ, start_response)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    def failed(self, error: Exception, path: str) -> None:
        """Log a failure: its stack once per kind and place, after that one line each."""
        where = error.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        place = f"{where.tb_frame.f_code.co_filename}:{where.tb_lineno}" if where else "?"
        kind = (type(error).__name__, place)
        seen = self.failures.get(kind, 0)
        first = not seen and len(self.failures) < 100  # past 100 kinds, every one is a line
        if first or seen:
            self.failures[kind] = seen + 1
        # the feed's path holds its secret token; any path is the client's text, so quoted
        # a path that holds a token (the feed's, a one-click link's) is logged without it
        if path.startswith(("/calendar/", "/ack/")):
            shown = path[: path.index("/", 1) + 1] + "…"
        else:
            shown = repr(path[:100])
        if first:
            log.error("%s serving %s", kind[0], shown, exc_info=error)
        else:
            log.error("%s serving %s at %s (seen %d times)", kind[0], shown, place, seen + 1)

    def warm_up(self) -> None:
        """Build the calendar feed once, so that its first subscriber is not kept waiting."""
        if not self.serves_feed:
            return
        try:
            with self.rt.db.session() as session:
                if calendar.has_token(session):
                    self.feed.body(session, self.rt.clock.now())
        except Exception as error:  # a cold feed is only slower, never wrong
            log.warning("calendar feed warm-up failed: %s", type(error).__name__)

    def health(self, start_response: StartResponse) -> Iterable[bytes]:
        report: dict[str, Any] = {"status": "ok", "database": "ok"}
        try:
            with self.rt.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any driver error means the same to a load balancer
            log.warning("health check: database unreachable (%s)", type(error).__name__)
            report.update(status="degraded", database="unreachable")
        if self.extra_health:
            report.update(self.extra_health())
        status = "200 OK" if report["status"] == "ok" else "503 Service Unavailable"
        return _reply(start_response, status, report)

    def calendar(self, path: str, start_response: StartResponse) -> Iterable[bytes]:
        """The feed for a right token; any other path under /calendar/ is a plain 404."""
        found = _FEED.fullmatch(path)
        if found is None:  # a path that cannot hold a token costs no database round trip
            return _reply(start_response, "404 Not Found", {"error": "not found"})
        with self.rt.db.session() as session:
            if not token_matches(session, found.group(1)):
                return _reply(start_response, "404 Not Found", {"error": "not found"})
            body = self.feed.body(session, self.rt.clock.now())
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "private, max-age=300"),
            ],
        )
        return [body]


def _web_pages(rt: Runtime) -> WSGI | None:
    """The register's pages as the composition root builds them, if the web is configured."""
    if not rt.settings.web:
        return None
    from returbot import wiring

    return wiring.web_app(rt)


def _reserved(path: str) -> bool:
    """Slack's, the health check's and the feed's paths: never the web pages' (a request
    there that they do not take is their plain 404)."""
    return path in ("/healthz", "/slack/events") or path.startswith("/calendar/")


def _reply(
    start_response: StartResponse, status: str, body: dict[str, Any], exc_info: Any = None
) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if exc_info is None:
        start_response(status, headers)
    else:
        start_response(status, headers, exc_info)
    return [data]
