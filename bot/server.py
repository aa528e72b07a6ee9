"""HTTP: ``POST /slack/events`` (Bolt), ``GET /healthz``, the calendar feed; served by waitress."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot import calendar
from bot.calendar import Feed, token_matches
from bot.runtime import Runtime

log = logging.getLogger("returbot.server")
StartResponse = Callable[..., Any]
MAX_BODY = 1024 * 1024
# Request threads per process. A request is a few milliseconds of Python and a few round trips
# to the database, and the GIL lets one thread run at a time: two threads overlap one's database
# wait with the other's work. More only contend (bench/load.py, 50 clients on two processes:
# 2 threads 300 requests/s, p99 257 ms; 4 threads 239/s, p99 374 ms; 8 threads 269/s, p99 588 ms
# over 20 s). For more capacity, run more processes.
REQUEST_THREADS = 2
_FEED = re.compile(r"/calendar/([A-Za-z0-9_-]{16,64})\.ics")


class WebApp:
    """The WSGI application: Slack's endpoint, the health check and the calendar feed."""

    def __init__(
        self, app: App | None, rt: Runtime, *, health: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        # without a Bolt app (the scheduler process) only the health check is served
        self.slack = SlackRequestHandler(app, path="/slack/events") if app is not None else None
        self.rt = rt
        self.extra_health = health
        self.feed = Feed(rt.org)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.health(start_response)
        if self.slack is None:
            return _reply(start_response, "404 Not Found", {"error": "not found"})
        if path == "/slack/events" and method == "POST":
            return self.slack(environ, start_response)  # type: ignore[arg-type]
        if method in ("GET", "HEAD") and path.startswith("/calendar/"):
            return self.calendar(path, start_response)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    def warm_up(self) -> None:
        """Build the calendar feed once, so that its first subscriber is not kept waiting."""
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
        with self.rt.db.session() as session:
            if found is None or not token_matches(session, found.group(1)):
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


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_server(
    wsgi: WebApp,
    *,
    host: str = "0.0.0.0",  # noqa: S104
    port: int = 3000,
    threads: int = REQUEST_THREADS,
    loop_timeout: float = 1.0,
) -> Any:
    """A waitress server (not yet running): ``server.run()`` serves, ``server.close()`` stops."""
    from waitress.server import create_server

    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY,
        ident="returbot",
        clear_untrusted_proxy_headers=True,
        asyncore_loop_timeout=loop_timeout,
    )


def serve_until_closed(server: Any) -> None:
    """Run a waitress server until ``server.close()``; closing from another thread is normal."""
    # the listening socket closed under the event loop raises; that is the normal way out
    with contextlib.suppress(OSError):
        server.run()
