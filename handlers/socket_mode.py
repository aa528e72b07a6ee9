"""Socket Mode: the Bolt app's connection to Slack over a WebSocket (``SLACK_APP_TOKEN``).

Which client, and why. slack_sdk's built-in client (Bolt's default ``SocketModeHandler``) does
not notice a connection that the other side closed cleanly: when a load balancer or Slack sends
a FIN without a WebSocket close frame, its reader takes each empty read for "no data yet" and
loops on it, one core at 100%, until its ping checks have failed often enough to give up and
reconnect, 60 s later (slackapi/python-slack-sdk#1246 raised on that empty read; #1269
reverted it). It also takes 10 s after an RST or a close frame, and about 50 s after a
connection went silent.

Bolt's websocket-client adapter (slack_sdk's ``socket_mode.websocket_client`` client on the
``websocket-client`` package) reads through a selector and treats an empty read as the end of
the connection, so a FIN, an RST, a close frame and Slack's ``disconnect`` (``warning``,
``refresh_requested``) each bring a new connection within about half a second, without spinning.
This module uses that client, with two changes:

- a pong time-out: the adapter pings every few seconds but never checks that a pong came back,
  so a connection that goes silent (a network path that drops packets, a NAT that forgot the
  flow) was never given up; here a ping without its pong ends the connection, and a new one is
  open within about ten seconds;
- a session is run once: the adapter would run a dead session again every half second (with
  its spent URL) when getting a new URL failed; here the client's monitor asks for a new URL
  every ``PING_INTERVAL`` seconds instead, until Slack answers.

At start, Slack refusing the app token stops start-up with one line (``SettingsError``); Slack
out of reach only delays the connection, which is tried again in the background.

Neither the app token nor the WebSocket URL (it carries a connection ticket) is logged: the
token goes only into the ``apps.connections.open`` call, whose debug output ``returbot.cli``
holds at INFO; this client logs neither, and websocket-client dumps the handshake only with its
trace switched on, which it is not. The client's own debug output (every envelope whole, with the
verification token Slack still puts in each payload) is held at INFO too.

Measured with ``bench/socket_mode.py`` on a 2-core machine (CPU: the process's share of one
core over the 10 s after the drop; idle is about 1% either way):

=============  ==========================  =============================
drop           built-in client             here
=============  ==========================  =============================
FIN            99.8% CPU, 60 s to return   0.9% CPU, 0.5 s
RST            10 s                        0.5 s
close frame    10 s                        0.5 s
refresh        0.1 s                       0.5 s
silent         51 s                        7.5 s (plain adapter: never)
=============  ==========================  =============================
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from bot.settings import SettingsError

log = logging.getLogger("returbot.socket_mode")

# a ping every 4 s and 2 s for its pong: websocket-client checks the pong only while the last
# ping is more than PONG_TIMEOUT old, which the next ping resets, so the time-out must be well
# under the interval (3 of 4 s, say, was noticed after 18 s); a silent connection is given up
# 6-10 s after its last pong, and the close handshake websocket-client then tries waits 3 s
PING_INTERVAL = 4.0
PONG_TIMEOUT = 2.0
# apps.connections.open errors that no retry will mend: the token is wrong, revoked or lacks
# connections:write
REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "not_allowed_token_type",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "invalid_token",
    }
)


class _Client(SocketModeClient):  # type: ignore[misc]
    """slack_sdk's websocket-client Socket Mode client with a pong time-out, each session
    run once."""

    def __init__(self, **kwargs: Any) -> None:
        self._ran: object = None  # set first: the session runner starts in the base __init__
        super().__init__(**kwargs)

    def _pending(self) -> bool:
        """A session made but not yet started by the runner: a connection is on its way."""
        return self.current_session is not None and self.current_session is not self._ran

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        # the monitor and a closing session's on_close would each make yet another session
        # (and spend a ticket) while the one just made waits up to half a second to start
        if force or not self._pending():
            super().connect_to_new_endpoint(force)

    def _monitor_current_session(self) -> None:
        if not self._pending():  # a session not yet started is not a closed one
            super()._monitor_current_session()  # type: ignore[no-untyped-call]

    def _run_current_session(self) -> None:
        session = self.current_session
        if session is None or session is self._ran:
            return  # a session that has ended is replaced by a new URL, never reopened
        self._ran = session
        try:
            session.run_forever(
                ping_interval=self.ping_interval,
                ping_timeout=PONG_TIMEOUT,
                http_proxy_host=self.http_proxy_host,
                http_proxy_port=self.http_proxy_port,
                http_proxy_auth=self.http_proxy_auth,
                proxy_type=self.proxy_type,
            )
        except Exception as error:
            # the monitor sees the closed session and connects anew
            self.logger.warning("Socket Mode session ended: %s", type(error).__name__)
            session.close()


class SocketMode(BaseSocketModeHandler):  # type: ignore[misc]
    """Bolt's websocket-client Socket Mode handler, on the client above."""

    client: _Client

    def __init__(self, app: App, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = _Client(
            app_token=app_token,
            logger=log,
            web_client=app.client,
            ping_interval=PING_INTERVAL,
        )
        self.client.socket_mode_request_listeners.append(self.handle)

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        """Run one envelope through the app and ack it with the app's answer."""
        start = time.time()
        send_response(client, req, run_bolt_app(self.app, req), start)


def connect(app: App, app_token: str) -> SocketMode:
    """Connect ``app`` to Slack in Socket Mode; ``close()`` the handler at exit.

    Raises ``SettingsError`` when Slack refuses ``app_token``; when Slack cannot be reached,
    the connection is tried again in the background every ``PING_INTERVAL`` seconds.
    """
    # at DEBUG the client logs each envelope whole: the verification token Slack still puts in
    # every payload, and whatever people typed
    log.setLevel(max(logging.INFO, log.getEffectiveLevel()))
    handler = SocketMode(app, app_token)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as error:
        code = str(error.response.get("error", ""))
        if code in REFUSED:
            handler.close()  # type: ignore[no-untyped-call]
            raise SettingsError(
                f"SLACK_APP_TOKEN: Slack refused it ({code}); it must be an app-level token "
                "(xapp-…) with the connections:write scope."
            ) from None
        _keep_trying(handler, code or type(error).__name__)
    except OSError as error:  # no answer: DNS, refused, reset, timed out
        _keep_trying(handler, type(error).__name__)
    return handler


def _keep_trying(handler: SocketMode, why: str) -> None:
    """Try the first connection again until it opens or the handler is closed."""
    log.warning("Slack's Socket Mode is out of reach (%s); trying again", why)

    def retry() -> None:
        client = handler.client
        while not client.closed:
            time.sleep(PING_INTERVAL)
            if client.closed or client.current_session is not None:
                return  # connected: from here the client's own monitor keeps it so
            try:
                client.connect()
            except (SlackApiError, OSError) as error:
                log.debug("Socket Mode connection not open yet: %s", type(error).__name__)

    threading.Thread(target=retry, name="socket-mode-connect", daemon=True).start()
