"""HTTP: ``POST /slack/events`` (Bolt), ``GET /healthz``, served by waitress."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.runtime import Runtime

log = logging.getLogger("returbot.server")
StartResponse = Callable[..., Any]
MAX_BODY = 1024 * 1024


class WebApp:
    """The WSGI application: Slack's endpoint and the health check."""

    def __init__(
        self, app: App, rt: Runtime, *, health: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        self.slack = SlackRequestHandler(app, path="/slack/events")
        self.rt = rt
        self.extra_health = health

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and method == "POST":
            return self.slack(environ, start_response)  # type: ignore[arg-type]
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.health(start_response)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

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
    threads: int = 8,
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
