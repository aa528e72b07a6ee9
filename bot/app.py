"""The one place where Bolt is wired: ``create_app(runtime, client)``."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime import Runtime


def make_client(token: str, api_url: str) -> WebClient:
    """The Web API client every Slack call goes through (``SLACK_API_URL`` in tests)."""
    return WebClient(token=token, base_url=api_url, timeout=10)


def create_app(rt: Runtime, client: WebClient, *, verify_requests: bool = True) -> App:
    """A Bolt app with every listener registered.

    Passing the ``WebClient`` in is what lets tests point it at a local fake Slack, and the
    console at a client that prints instead of sending.
    """
    import handlers

    app = App(
        client=client,
        signing_secret=rt.settings.signing_secret or "unused-in-socket-mode",
        request_verification_enabled=verify_requests and bool(rt.settings.signing_secret),
        token_verification_enabled=False,
        # every listener does its work before it acks, so the answer is the HTTP response
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("returbot.bolt"),
    )
    handlers.register(app, rt)
    return app
