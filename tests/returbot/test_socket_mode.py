"""`returbot run` in Socket Mode as a real process, against a real local WebSocket server that
plays Slack (tests/support/fakesocket.py) and the fake Web API that hands out its URL.

Commands, buttons, forms and the Home tab arrive as envelopes and are answered in their acks;
a redelivered envelope makes one record; the bot reconnects within 15 s of every kind of drop
(a FIN without a close frame, an RST, a close frame, Slack's refresh, a connection gone silent)
and answers on the new connection; Slack out of reach at start delays the connection, a refused
app token stops start-up with one line; no secret reaches the log.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Decision, Issue, IssueDepartment, OutboxMessage
from tests.conftest import COORDINATOR
from tests.support import slackreq
from tests.support.database import empty_tables
from tests.support.fakeslack import FakeSlack
from tests.support.fakesocket import Connection, FakeSocketMode
from tests.support.processes import environment, free_port, kill_all, stop_all

APP_TOKEN = "xapp-1-A000FAKE-123-socket-secret"
BOT_TOKEN = "xoxb-socket-bot-secret"
RECONNECT = 15.0  # seconds: the most a drop may leave the bot without a connection


@dataclass
class SocketBot:
    process: subprocess.Popen[str]
    slack: FakeSlack
    sm: FakeSocketMode
    db: Database
    port: int
    log: Path

    def command(self, command: str, text: str = "", *, user: str = "UKARI", channel: str = "CGEN",
                connection: Connection | None = None) -> dict[str, Any]:  # fmt: skip
        """A slash command in an envelope; the ack's payload (what the user sees, {} if none)."""
        body = slackreq.slash_body(command, text, user_id=user, channel_id=channel)
        return self.sm.wait_ack(self.sm.slash(body, connection=connection)).payload or {}

    def count(self, model: type[Any]) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def stderr(self) -> str:
        return self.log.read_text()

    def connected(self, timeout: float = 60.0) -> Connection:
        """The first connection, once the process has started and opened it."""
        deadline = time.monotonic() + timeout
        while not self.sm.connections or not self.sm.connections[0].opened.is_set():
            assert self.process.poll() is None, f"returbot run stopped:\n{self.stderr()}"
            assert time.monotonic() < deadline, f"no connection in {timeout} s:\n{self.stderr()}"
            time.sleep(0.05)
        return self.sm.wait_connection(1)


def start(tmp_path: Path, slack: FakeSlack, sm: FakeSocketMode, *args: str) -> SocketBot:
    """``returbot [args] run`` in Socket Mode on a SQLite file; its log in a file."""
    port = free_port()
    url = f"sqlite:///{tmp_path / 'rb.db'}"
    env = environment(slack.url, url, port, token=BOT_TOKEN)
    env["SLACK_APP_TOKEN"] = APP_TOKEN
    log = tmp_path / "stderr.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "returbot", *args, "run"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
    )  # fmt: skip
    return SocketBot(process, slack, sm, Database(url), port, log)


@pytest.fixture
def servers() -> Iterator[tuple[FakeSlack, FakeSocketMode]]:
    with FakeSlack() as slack, FakeSocketMode() as sm:
        slack.set_socket_mode(sm.open_url)
        yield slack, sm


@pytest.fixture
def fresh_bot(tmp_path: Path, servers: tuple[FakeSlack, FakeSocketMode]) -> Iterator[SocketBot]:
    """A process of its own, for a test that sees its start or its stop."""
    running = start(tmp_path, *servers)
    try:
        running.connected()
        yield running
    finally:
        # a clean stop takes a second or two (the Socket Mode client's threads wind down on
        # their time-outs); test_stops_cleanly_and_closes_its_connection checks it
        kill_all([running.process])
        running.db.engine.dispose()


@dataclass
class Shared:
    """The module's fake Slack and Socket Mode, and the processes it started (the last runs)."""

    slack: FakeSlack
    sm: FakeSocketMode
    bots: list[SocketBot]


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    with FakeSlack() as slack, FakeSocketMode() as sm:
        slack.set_socket_mode(sm.open_url)
        found = Shared(slack, sm, [])
        try:
            yield found
        finally:
            kill_all([bot.process for bot in found.bots])
            for bot in found.bots:
                bot.db.engine.dispose()


@pytest.fixture
def bot(shared: Shared, tmp_path_factory: pytest.TempPathFactory) -> SocketBot:
    """A running process as a new one would be for the test: its database emptied, the fake
    Slack cleared, its connection number 1. The process carries on from the test before (and
    from its reconnects), so a module pays for a start-up once rather than once a test."""
    if shared.bots and shared.bots[-1].process.poll() is None:
        running = shared.bots[-1]
        settle(running)
        empty_tables(running.db)
        shared.slack.clear()
        shared.sm.start_over()
        return running
    # the first test here, or the one before left the process stopped
    running = start(tmp_path_factory.mktemp("socket-bot"), shared.slack, shared.sm)
    shared.bots.append(running)
    running.connected()
    return running


def settle(bot: SocketBot, timeout: float = 15.0) -> None:
    """Until the test before has left nothing to send and nothing on its way to Slack."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with bot.db.session() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
        if not waiting:
            break
        time.sleep(0.05)
    bot.slack.wait_idle()


def health(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return dict(json.loads(response.read()))


def bind(bot: SocketBot, code: str, channel: str) -> None:
    answer = bot.command("/returbot", f"channel {code}", user=COORDINATOR, channel=channel)
    assert answer.get("response_type") == "in_channel", answer


def decision_form(bot: SocketBot, title: str) -> str:
    """``/decision`` alone opens the form; the body of its submission with ``title``."""
    before = len(bot.slack.calls_to("views.open"))
    assert bot.command("/decision") == {}  # the form opens instead of an answer
    view = bot.slack.wait_for("views.open", before + 1)[-1].params["view"]
    values = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "departments": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "RMA"}]}
        },
        "date": {"value": {"type": "datepicker", "selected_date": "2026-11-24"}},
    }
    return slackreq.view_submission_body(
        "decision_modal", values, user_id="UKARI", private_metadata=view["private_metadata"]
    )


def test_commands_buttons_forms_and_home_over_the_socket(fresh_bot: SocketBot) -> None:
    bot = fresh_bot
    opened = bot.slack.calls_to("apps.connections.open")
    assert opened and opened[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"

    logged = bot.command("/decision", "new Felles rutine for uttransport dept:RMA")
    assert "D-1" in logged["text"] and bot.count(Decision) == 1

    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["URMA"])
    registered = bot.command("/issue", "new Mangler reisedokumenter dept:RMA")
    assert "I-1" in registered["text"]
    notice = next(p for p in _wait_posted(bot.slack, "CRMA") if "I-1" in str(p.get("text")))
    assert "issue_ack" in json.dumps(notice["blocks"])

    pressed = slackreq.action_body(
        "issue_ack", "1:RMA", user_id="URMA", channel_id="CRMA", message_ts=notice["_ts"]
    )
    bot.sm.wait_ack(bot.sm.interactive(pressed))
    update = bot.slack.wait_for("chat.update")[-1].params
    assert update["channel"] == "CRMA" and "URMA" in json.dumps(update["blocks"])
    with bot.db.session() as session:
        assert session.scalars(select(IssueDepartment.acked_by)).one() == "URMA"

    submitted = bot.sm.wait_ack(bot.sm.interactive(decision_form(bot, "Fra skjemaet")))
    assert not (submitted.payload or {}).get("errors")
    with bot.db.session() as session:
        assert session.scalars(select(Decision.title).order_by(Decision.id)).all() == [
            "Felles rutine for uttransport",
            "Fra skjemaet",
        ]

    home = slackreq.event_body(
        {"type": "app_home_opened", "user": "UKARI", "channel": "DKARI", "tab": "home",
         "event_ts": f"{time.time():.6f}"}
    )  # fmt: skip
    bot.sm.wait_ack(bot.sm.event(home))
    published = bot.slack.wait_for("views.publish")[-1].params
    assert published["user_id"] == "UKARI" and published["view"]["type"] == "home"


def _wait_posted(slack: FakeSlack, channel: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not slack.posted(channel):
        assert time.monotonic() < deadline, f"nothing posted to {channel}"
        time.sleep(0.02)
    return slack.posted(channel)


def test_a_redelivered_envelope_makes_one_record(bot: SocketBot) -> None:
    body = slackreq.slash_body("/decision", "new Én gang dept:RMA", user_id="UKARI")
    first = bot.sm.slash(body)
    assert "D-1" in str(bot.sm.wait_ack(first).payload)
    # Slack sends an envelope again, with the same id, when its ack came late
    bot.sm.slash(body, envelope_id=first, retry_attempt=1, retry_reason="timeout")
    again = bot.sm.wait_ack(first, count=2)
    assert "D-1" in str(again.payload) and bot.count(Decision) == 1

    form = decision_form(bot, "Skjema én gang")
    sent = bot.sm.interactive(form)
    bot.sm.wait_ack(sent)
    bot.sm.interactive(form, envelope_id=sent, retry_attempt=1, retry_reason="timeout")
    bot.sm.wait_ack(sent, count=2)
    assert bot.count(Decision) == 2

    pressed = slackreq.action_body("issue_ack", "1:RMA", user_id=COORDINATOR, channel_id="CRMA")
    bind(bot, "RMA", "CRMA")
    bot.command("/issue", "new Bare én sak dept:RMA")
    button = bot.sm.interactive(pressed)
    bot.sm.wait_ack(button)
    bot.sm.interactive(pressed, envelope_id=button, retry_attempt=1, retry_reason="timeout")
    bot.sm.wait_ack(button, count=2)
    with bot.db.session() as session:
        assert session.scalars(select(IssueDepartment.acked_by)).all() == [COORDINATOR]
    assert bot.count(Issue) == 1


def _refresh(connection: Connection) -> None:
    connection.disconnect("refresh_requested")


def _warning(connection: Connection) -> None:
    connection.disconnect("warning")


DROPS: dict[str, Callable[[Connection], None]] = {
    "fin": Connection.drop_fin,  # a load balancer's clean close, no close frame
    "rst": Connection.drop_rst,
    "close-frame": Connection.close,
    "refresh": _refresh,
    "warning": _warning,
    "silent": Connection.stall,  # packets lost, no FIN, no RST
}


@pytest.mark.parametrize("drop", list(DROPS))
def test_reconnects_within_seconds_of_a_drop_and_answers(bot: SocketBot, drop: str) -> None:
    first = bot.sm.wait_connection(1)
    assert "D-1" in bot.command("/decision", "new Før bruddet dept:RMA")["text"]
    DROPS[drop](first)
    second = bot.sm.wait_connection(2, timeout=RECONNECT)
    assert second.ticket != first.ticket  # a new URL from apps.connections.open
    after = bot.command("/decision", "new Etter bruddet dept:RMA", connection=second)
    assert "D-2" in after["text"]
    if drop != "silent":  # a silent server never hears the client's close
        first.wait_closed()  # the bot keeps no dead connection open
        assert bot.sm.open_connections() == [second]
    assert bot.process.poll() is None


def test_every_drop_in_turn_on_one_process(bot: SocketBot) -> None:
    for number, drop in enumerate(["fin", "rst", "refresh", "fin"], start=1):
        DROPS[drop](bot.sm.wait_connection(number))
        fresh = bot.sm.wait_connection(number + 1, timeout=RECONNECT)
        answer = bot.command("/decision", f"new Etter brudd {number} dept:RMA", connection=fresh)
        assert f"D-{number}" in answer["text"], drop
    assert bot.count(Decision) == 4


def test_reconnects_when_slack_fails_the_first_new_url(bot: SocketBot) -> None:
    bot.slack.fail_next("apps.connections.open", status=500)
    bot.sm.wait_connection(1).drop_fin()
    fresh = bot.sm.wait_connection(2, timeout=RECONNECT)
    assert "D-1" in bot.command("/decision", "new Etter feil dept:RMA", connection=fresh)["text"]


@pytest.mark.slow
def test_slack_out_of_reach_at_start_delays_the_connection(
    tmp_path: Path, servers: tuple[FakeSlack, FakeSocketMode]
) -> None:
    slack, sm = servers
    slack.fail_next("apps.connections.open", status=503, times=2)
    running = start(tmp_path, slack, sm)
    try:
        running.connected()
        assert health(running.port)["database"] == "ok"
        assert "D-1" in running.command("/decision", "new Etter utfallet dept:RMA")["text"]
    finally:
        stop_all([running.process])
    assert running.process.returncode == 0, running.stderr()
    assert "Traceback" not in running.stderr()


def test_a_refused_app_token_stops_start_up_with_one_line(
    tmp_path: Path, servers: tuple[FakeSlack, FakeSocketMode]
) -> None:
    slack, sm = servers
    slack.fail_next("apps.connections.open", error="invalid_auth")
    running = start(tmp_path, slack, sm)
    try:
        assert running.process.wait(timeout=60) == 2
    finally:
        stop_all([running.process])
    err = running.stderr()
    assert "returbot: SLACK_APP_TOKEN: Slack refused it (invalid_auth)" in err
    assert "Traceback" not in err and APP_TOKEN not in err
    assert sm.connections == []


def test_the_log_holds_no_token_ticket_or_payload_at_debug(
    tmp_path: Path, servers: tuple[FakeSlack, FakeSocketMode]
) -> None:
    slack, sm = servers
    running = start(tmp_path, slack, sm, "--log-level", "DEBUG")
    try:
        first = running.connected()
        running.command("/decision", "new Hemmelig innhold dept:RMA")
        first.drop_fin()
        second = sm.wait_connection(2, timeout=RECONNECT)
        running.command("/decision", "list")
    finally:
        stop_all([running.process])
    err = running.stderr()
    assert "DEBUG" in err  # the level took effect
    for secret in (APP_TOKEN, BOT_TOKEN, first.ticket, second.ticket):
        assert secret and secret not in err
    # every envelope carries Slack's verification token; the client's debug output would log it
    assert "deprecated-verification-token" not in err


def test_the_http_port_takes_no_slack_request_in_socket_mode(bot: SocketBot) -> None:
    assert health(bot.port)["database"] == "ok"
    body = slackreq.slash_body("/decision", "new Over HTTP dept:RMA", user_id="UKARI")
    status, _, answer = slackreq.post(f"http://127.0.0.1:{bot.port}/slack/events", body)
    assert status == 404, answer
    assert bot.count(Decision) == 0


def test_stops_cleanly_and_closes_its_connection(fresh_bot: SocketBot) -> None:
    bot = fresh_bot
    connection = bot.sm.wait_connection(1)
    bot.command("/decision", "list")
    stop_all([bot.process])
    assert bot.process.returncode == 0, bot.stderr()
    assert connection.wait_closed() == "client"
