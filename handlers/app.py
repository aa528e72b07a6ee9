"""The one place where Bolt is wired: ``create_app(runtime, client)``."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.text.i18n import t

if TYPE_CHECKING:
    from handlers.home import HomeTab

# Slack calls made while a request waits (opening a form, an ephemeral answer) give up after
# 3 s: a trigger_id is void by then, and a slow Slack must not hold a request thread for long.
REQUEST_TIMEOUT = 3
OUTBOX_TIMEOUT = 10


def make_client(token: str, api_url: str, timeout: int = OUTBOX_TIMEOUT) -> WebClient:
    """The Web API client every Slack call goes through (``SLACK_API_URL`` in tests)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout)


RequestScope = Callable[[BoltRequest], AbstractContextManager[None]]

# Bolt's App turns itself into an OAuth-installation app when it finds these two in the
# environment (App.__init__: OAuthSettings() from SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, and
# with it SLACK_SCOPES, SLACK_REDIRECT_URI, a file installation store) and then answers every
# request "installation no longer available". Here they are the web register's Sign in with
# Slack (SPEC §9): the bot answers with SLACK_BOT_TOKEN, so Bolt is built without seeing them.
BOLT_OAUTH_ENVIRONMENT = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
_ENVIRONMENT = threading.Lock()


@contextmanager
def _out_of_bolts_sight() -> Iterator[None]:
    """The OAuth variables left out of ``os.environ`` while Bolt's App reads it, then back."""
    with _ENVIRONMENT:
        kept = {name: os.environ.pop(name) for name in BOLT_OAUTH_ENVIRONMENT if name in os.environ}
        try:
            yield
        finally:
            os.environ.update(kept)


class ReturbotApp(App):
    """Bolt's ``App`` with scopes around each request, entered before the middleware and left
    after the listener has run (every listener here finishes before it answers), over HTTP,
    Socket Mode and the console alike."""

    def __init__(self, **kwargs: object) -> None:
        with _out_of_bolts_sight():
            super().__init__(**kwargs)  # type: ignore[arg-type]
        if self.oauth_flow is not None or self.installation_store is not None:
            raise RuntimeError(
                "Bolt must not run the OAuth installation flow: returbot uses the bot token"
            )
        self.request_scopes: list[RequestScope] = []

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with ExitStack() as stack:
            for scope in self.request_scopes:
                stack.enter_context(scope(req))
            return super().dispatch(req)


def create_app(rt: Runtime, client: WebClient, *, verify_requests: bool = True) -> ReturbotApp:
    """A Bolt app with every listener registered, and ``rt`` given its Home tab refresher and
    the channel members the permission rules ask (both read from Slack through ``client``).

    Passing the ``WebClient`` in is what lets tests point it at a local fake Slack, and the
    console at a client that prints instead of sending.
    """
    import handlers
    from handlers import home

    tab = home.HomeTab(rt, client)
    rt.home = tab.refresher
    rt.members = tab.membership  # department membership for the permission rules too
    home.track_changes(rt.db.factory)
    app = _bolt_app(rt, client, verify_requests=verify_requests, first=_context_of(rt, tab))
    app.request_scopes.append(home.refresh_after(tab))
    handlers.register(app)
    # Bolt logs the whole body of a request it refuses at INFO (user text, the verification
    # token); returbot.web_server refuses those first, and this keeps a request Bolt alone
    # refuses (one whose timestamp ages past the window in between) out of the log as well
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    return app


Middleware = Callable[[BoltContext, Callable[[], None]], None]


def _context_of(rt: Runtime, tab: HomeTab) -> Middleware:
    """The middleware that puts the runtime and the Home tab in every request's context."""
    from handlers import home
    from handlers.common import RUNTIME

    def with_runtime(context: BoltContext, next_: Callable[[], None]) -> None:
        """Every request's listeners (and the error handler) find the runtime in the context."""
        context[RUNTIME] = rt
        context[home.TAB] = tab
        next_()

    return with_runtime


def _bolt_app(
    rt: Runtime, client: WebClient, *, verify_requests: bool, first: Middleware
) -> ReturbotApp:
    """Bolt's app as every process runs it, ``first`` its first middleware."""
    return ReturbotApp(
        client=client,
        # Socket Mode has no secret: Bolt skips the check for its requests, and an HTTP request
        # reaching this app without one fails in the check (there is no stand-in secret)
        signing_secret=rt.settings.signing_secret,
        request_verification_enabled=verify_requests,
        token_verification_enabled=False,
        # every listener does its work before it acks, so the answer is the HTTP response
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("returbot.bolt"),
        # the first middleware after the signature check: the error handler needs the runtime
        # too when a later one fails (authorization's auth.test timing out)
        before_authorize=first,
        # Bolt's own answer when Slack fails its auth.test before the first listener runs
        # ("your installation … is no longer available", in English): a passing fault, said
        # as every other one is (it is asked again on the next request)
        user_facing_authorize_error_message=t(rt.org.language, "common.internal_error"),
    )
