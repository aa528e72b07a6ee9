"""End to end: signed requests through Bolt's HTTP path, a real WebClient against a fake Slack."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest

from bot.context import ManualClock
from bot.outbox import Dispatcher
from bot.runtime import Runtime
from returbot import wiring
from returbot.web_server import Limits, WebApp, make_server, serve_until_closed
from storage.db import Database
from tests.conftest import make_settings
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        """The body as JSON ({} for Bolt's plain-text answers)."""
        try:
            return dict(json.loads(self.body))
        except ValueError:
            return {}

    @property
    def text(self) -> str:
        """What the user sees: the ack's text (JSON answers) or the plain-text body."""
        return str(self.json["text"]) if "text" in self.json else self.body.decode()

    @property
    def in_channel(self) -> bool:
        return self.json.get("response_type") == "in_channel"


@dataclass
class Bot:
    """A running returbot: HTTP server on port 0, its database, the fake Slack it talks to."""

    url: str
    slack: FakeSlack
    rt: Runtime
    db: Database
    clock: ManualClock
    dispatcher: Dispatcher

    def command(
        self, command: str, text: str = "", *, user: str = "UKARI", channel: str = "CGEN"
    ) -> Reply:
        body = slackreq.slash_body(command, text, user_id=user, channel_id=channel)
        return Reply(*slackreq.post(self.url + "/slack/events", body))

    def send(self, body: str, headers: dict[str, str] | None = None) -> Reply:
        return Reply(*slackreq.post(self.url + "/slack/events", body, headers=headers))

    def get(self, path: str) -> Reply:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())

    def deliver(self) -> None:
        """Let the dispatcher send whatever is due now."""
        self.dispatcher.run_once()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bot(db: Database, clock: ManualClock, slack: FakeSlack) -> Iterator[Bot]:
    with running_bot(db, clock, slack) as running:
        yield running


@contextmanager
def running_bot(
    db: Database, clock: ManualClock, slack: FakeSlack, limits: Limits | None = None,
    **env: str,
) -> Iterator[Bot]:  # fmt: skip
    """A returbot on ``db`` serving HTTP on a free port until the block ends (``env``: more
    settings, e.g. SMTP_URL)."""
    rt = wiring.runtime(make_settings(api_url=slack.url, **env), db=db, clock=clock)
    dispatcher = wiring.dispatcher(rt)
    app = wiring.slack_app(rt)
    server = make_server(
        WebApp(app, rt), host="127.0.0.1", port=0, threads=4, loop_timeout=0.05, limits=limits
    )
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        yield Bot(
            url=f"http://127.0.0.1:{server.effective_port}",
            slack=slack,
            rt=rt,
            db=db,
            clock=clock,
            dispatcher=dispatcher,
        )
    finally:
        server.close()
        thread.join(timeout=5)


def form(body: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body).items()}
