"""The register in a browser, end to end: the real waitress server with Slack's endpoint and
the web pages mounted as ``returbot run`` mounts them, the fake Slack as Web API and OpenID
provider, and a browser made of urllib with a cookie jar (redirects followed or not)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from bot.context import ManualClock
from bot.runtime import Runtime
from returbot import wiring
from returbot.web_server import WebApp, make_server, serve_until_closed
from storage.db import Database
from tests.conftest import make_settings
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.processes import free_port

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "client-secret-value"
SECRET_KEY = "a-secret-key-for-the-session-cookie-of-the-tests"


@dataclass
class Page:
    status: int
    url: str
    headers: Any  # http.client.HTTPMessage: get_all for repeated headers
    body: str

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def text(self) -> str:
        """What a reader sees: the body without its tags, entities resolved."""
        return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.body)))

    def csrf(self) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.body)
        assert found, "no CSRF token on the page"
        return found.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Browser:
    """A browser without JavaScript: cookies kept, redirects followed unless told not to."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def _open(self, request: urllib.request.Request, follow: bool) -> Page:
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(_NoRedirect())
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=10) as response:
                return Page(
                    response.status, response.url, response.headers, response.read().decode()
                )
        except urllib.error.HTTPError as error:
            return Page(error.code, error.url, error.headers, error.read().decode())

    def get(self, path: str, *, follow: bool = True) -> Page:
        url = path if path.startswith("http") else self.base + path
        return self._open(urllib.request.Request(url), follow)  # noqa: S310

    def post(self, path: str, data: dict[str, str], *, follow: bool = True) -> Page:
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=urlencode(data).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request, follow)

    def request(self, method: str, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path, method=method), False)  # noqa: S310


@dataclass
class Site:
    """A running returbot with the web configured, on a free port."""

    url: str
    slack: FakeSlack
    rt: Runtime
    db: Database
    clock: ManualClock

    def browser(self) -> Browser:
        return Browser(self.url)

    def signed_in(self, user: str = "UKARI", name: str = "Kari Nordmann", **spoilt: Any) -> Browser:
        """A browser in which ``user`` has signed in through the fake Slack."""
        browser = self.browser()
        self.slack.sign_in_as(user, name=name, **spoilt)
        page = browser.get("/auth/login")
        assert page.status == 200 and page.path == "/decisions", page.text[:300]
        return browser

    def command(self, command: str, text: str, *, user: str = "UKARI") -> str:
        """A signed slash command through Slack's endpoint; the answer's text."""
        body = slackreq.slash_body(command, text, user_id=user)
        status, _, answer = slackreq.post(self.url + "/slack/events", body)
        assert status == 200
        try:
            return str(json.loads(answer)["text"])
        except (ValueError, KeyError):
            return answer.decode()


def web_settings(slack: FakeSlack, public_url: str, **env: str) -> Any:
    return make_settings(
        api_url=slack.url,
        RETURBOT_PUBLIC_URL=public_url,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        RETURBOT_SECRET_KEY=SECRET_KEY,
        SLACK_OAUTH_URL=slack.oidc_authorize_url,
        SLACK_OAUTH_JWKS_URL=slack.oidc_jwks_url,
        **env,
    )


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.set_openid_client(CLIENT_ID, CLIENT_SECRET)
        yield fake


@pytest.fixture
def site(db: Database, clock: ManualClock, slack: FakeSlack) -> Iterator[Site]:
    with serving(db, clock, slack) as running:
        yield running


@contextmanager
def serving(db: Database, clock: ManualClock, slack: FakeSlack, **env: str) -> Iterator[Site]:
    """A returbot with the web on, on a free port, until the block ends (``env``: more
    settings, e.g. RETURBOT_CONFIG)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rt = wiring.runtime(web_settings(slack, url, **env), db=db, clock=clock)
    # as `returbot run` serves: Slack's endpoint, and the web pages the wiring builds
    server = make_server(
        WebApp(wiring.slack_app(rt), rt), host="127.0.0.1", port=port, threads=4, loop_timeout=0.05
    )
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        yield Site(url=url, slack=slack, rt=rt, db=db, clock=clock)
    finally:
        server.close()
        thread.join(timeout=5)
