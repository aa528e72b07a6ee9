"""SPEC §6, HTTP: a request without a valid signature is a 401 before its body is read as form or
JSON; a signed body that cannot be read is a 400 and one log line; stalled clients starve
neither Slack's requests nor /healthz; no Slack endpoint without a signing secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import calendar
from bot.context import ManualClock
from bot.runtime import Runtime
from handlers.app import create_app, make_client
from returbot.web_server import Limits, WebApp, make_server, serve_until_closed
from storage.db import Database
from storage.models import AuditEntry, ChannelBinding, Decision
from tests.conftest import make_settings
from tests.e2e.conftest import Bot, running_bot
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.stalled import Stalled

JSON = "application/json"
# what reviewers sent in issue 13, and its kin: each made Bolt raise while it read the body
MALFORMED = {
    "payload not JSON": ("payload=%7B", slackreq.FORM),
    "body not JSON": ("{not json", JSON),
    "deep nesting": ('{"a": ' + "[" * 100_000, JSON),
    "deep payload": (urlencode({"payload": "[" * 100_000}), slackreq.FORM),
    "payload a list": (urlencode({"payload": "[1, 2]"}), slackreq.FORM),
    "payload a string": (urlencode({"payload": '"x"'}), slackreq.FORM),
    "body a list": ("[1, 2]", JSON),
    "enterprise a number": (json.dumps({"type": "event_callback", "enterprise": 5}), JSON),
}
BINDING = slackreq.slash_body("/returbot", "channel RMA", user_id="UCOORD", channel_id="CRMA")


def records(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Decision, ChannelBinding, AuditEntry)
        )


def no_stack_traces(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert "Traceback" not in record.getMessage()


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The warnings the requests caused: waitress's "Task queue depth" notice reports how busy
    the machine running the tests is (other tests run beside this one), not a request."""
    return [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name != "waitress.queue"
    ]


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_unsigned_bodies_are_401_and_logged_at_most_once(
    bot: Bot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = MALFORMED[name]
    caplog.set_level(logging.INFO)
    for headers in (
        {"Content-Type": content_type},
        {"Content-Type": content_type, "X-Slack-Request-Timestamp": "x", "X-Slack-Signature": "v0"},
        {**slackreq.sign(body, secret="not-the-secret"), "Content-Type": content_type},
    ):  # fmt: skip
        status, answer = slackreq.post_raw(bot.url + "/slack/events", body.encode(), headers)
        assert status == 401 and len(answer) < 100, answer[:200]
    no_stack_traces(caplog)
    assert len(request_lines(caplog)) <= 1


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_signed_bodies_are_400_and_one_log_line(
    bot: Bot, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = MALFORMED[name]
    caplog.set_level(logging.INFO)
    headers = {**slackreq.sign(body), "Content-Type": content_type}
    status, answer = slackreq.post_raw(bot.url + "/slack/events", body.encode(), headers)
    assert status == 400 and len(answer) < 100, answer[:200]
    no_stack_traces(caplog)
    lines = request_lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "cannot be read" in lines[0].getMessage()
    assert body[:20] not in lines[0].getMessage()


def test_refused_signatures_of_every_kind(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """A command that would bind a channel, sent without a valid signature: nothing is done."""
    caplog.set_level(logging.INFO)
    stale = int(time.time()) - 600
    signed = slackreq.sign(BINDING)
    for headers in (
        {"Content-Type": slackreq.FORM},  # unsigned, as in the finding
        {**signed, "X-Slack-Signature": "v0=" + "0" * 64},
        {**signed, "X-Slack-Signature": "v0=\xfc\xfc"},  # not ASCII: hmac refuses to compare it
        {**signed, "X-Slack-Request-Timestamp": "not-a-number"},
        {**signed, "X-Slack-Request-Timestamp": "9" * 5000},
        slackreq.sign(BINDING, timestamp=stale),
        slackreq.sign(BINDING, secret="not-the-secret"),
        slackreq.sign(BINDING + "&text=other"),  # signed, but not this body
    ):
        status, answer = slackreq.post_raw(bot.url + "/slack/events", BINDING.encode(), headers)
        assert status == 401 and len(answer) < 100, (headers, answer[:200])
    # a body that is not UTF-8, with the right signature over its bytes: Slack sends UTF-8
    raw = b"command=%2Fdecision&text=\xff\xfe"
    ts = str(int(time.time()))
    digest = hmac.new(slackreq.SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256)
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}
    assert slackreq.post_raw(bot.url + "/slack/events", raw, headers)[0] == 401
    assert records(bot.db) == (0, 0, 0)
    no_stack_traces(caplog)
    assert not any("channel RMA" in r.getMessage() for r in caplog.records)
    # and the same command, signed, does what it says
    status, _, _ = slackreq.post(bot.url + "/slack/events", BINDING)
    assert status == 200 and records(bot.db)[1] == 1


def test_a_flood_of_unsigned_requests_costs_one_log_line_without_the_body(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = slackreq.slash_body("/decision", "MARKER-7Q9 dept:RMA", user_id="UKARI")
    for _ in range(30):
        status, _ = slackreq.post_raw(
            bot.url + "/slack/events", body.encode(), {"Content-Type": slackreq.FORM}
        )
        assert status == 401
    assert not any("MARKER-7Q9" in r.getMessage() for r in caplog.records)
    assert not any("deprecated-verification-token" in r.getMessage() for r in caplog.records)
    refused = [r for r in caplog.records if "without a valid signature" in r.getMessage()]
    assert len(refused) == 1, [r.getMessage() for r in caplog.records]


def test_other_methods_and_paths_never_reach_bolt(bot: Bot) -> None:
    signed = slackreq.sign(BINDING)
    for method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"):
        status, _ = request(bot.url, method, "/slack/events", BINDING.encode(), signed)
        assert status == 404, method
    for path in ("/slack/events/", "/slack/events/x", "/slack/event", "/slack/events.json"):
        status, _ = request(bot.url, "POST", path, BINDING.encode(), signed)
        assert status == 404, path
    assert records(bot.db) == (0, 0, 0)


def request(
    base: str, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """One request on a socket of its own, the path sent exactly as given."""
    port = urlsplit(base).port
    head = f"{method} {path} HTTP/1.1\r\nHost: returbot\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    answer = exchange(int(port or 0), head.encode("latin-1") + body)
    return status_of(answer), answer


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer (0 when there is none)."""
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def exchange(port: int, data: bytes, timeout: float = 5) -> bytes:
    """Send ``data`` and read until the server closes; a silent server fails the test."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            raise AssertionError(f"no answer within {timeout} s: {chunks!r:.200}") from None
        except ConnectionResetError:
            pass  # waitress resets a connection it refused before reading all of it
        return b"".join(chunks)


def test_chunked_bodies_and_content_length_lies(bot: Bot) -> None:
    port = int(urlsplit(bot.url).port or 0)
    body = slackreq.slash_body("/decision", "Sendt i biter dept:RMA", user_id="UKARI")
    signed = "".join(f"{k}: {v}\r\n" for k, v in slackreq.sign(body).items())
    chunked = "".join(f"{len(part):x}\r\n{part}\r\n" for part in (body[:50], body[50:]))
    head = "POST /slack/events HTTP/1.1\r\nHost: r\r\nConnection: close\r\n"
    chunks = f"Transfer-Encoding: chunked\r\n\r\n{chunked}0\r\n\r\n"
    answer = exchange(port, f"{head}{signed}{chunks}".encode())
    assert status_of(answer) == 200 and b"D-1" in answer, answer[:300]
    unsigned = exchange(port, f"{head}{chunks}".encode())
    assert status_of(unsigned) == 401, unsigned[:300]
    # a Content-Length short of the body: the signature covers what was not read
    short = exchange(port, f"{head}{signed}Content-Length: {len(body) - 5}\r\n\r\n{body}".encode())
    assert status_of(short) == 401, short[:300]
    # a header far larger than Slack's
    big = "a" * 33_000
    huge = exchange(port, f"GET /healthz HTTP/1.1\r\nHost: r\r\nX-Big: {big}\r\n\r\n".encode())
    assert status_of(huge) == 431, huge[:300]
    assert records(bot.db)[0] == 1
    assert bot.get("/healthz").status == 200


def answered(send: Callable[[], int], what: str) -> int:
    """The status of ``send()``; no answer within its socket time-out fails the test."""
    try:
        return send()
    except OSError as error:  # a time-out, as urllib raises it
        raise AssertionError(f"{what} was not answered: {error}") from None


def assert_still_served(bot: Bot, text: str) -> None:
    def health() -> int:
        return bot_get(bot, "/healthz")

    def command() -> int:
        body = slackreq.slash_body("/decision", text, user_id="UKARI", channel_id="CGEN")
        status, _, answer = slackreq.post(bot.url + "/slack/events", body, timeout=3)
        assert b"D-" in answer, answer[:200]
        return status

    assert answered(health, "/healthz") == 200
    assert answered(command, "a signed command") == 200


def bot_get(bot: Bot, path: str) -> int:
    with urllib.request.urlopen(bot.url + path, timeout=3) as response:  # noqa: S310
        return int(response.status)


def test_300_stalled_connections_leave_room_for_slack_and_health(bot: Bot) -> None:
    port = int(urlsplit(bot.url).port or 0)
    with Stalled("127.0.0.1", port, 300) as held:
        assert held.open == 300 and held.refused == 0
        assert_still_served(bot, "Under beleiring dept:RMA")
        assert_still_served(bot, "Fortsatt under beleiring dept:PU")
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 2


@pytest.fixture
def small_bot(db: Database, clock: ManualClock, slack: FakeSlack) -> Iterator[Bot]:
    """A returbot that keeps 50 connections and gives a request one second per part."""
    limits = Limits(idle=2, header=1.0, body=1.0, connections=50)
    with running_bot(db, clock, slack, limits=limits) as running:
        yield running


def test_past_the_connection_limit_the_oldest_stalled_connections_make_room(
    small_bot: Bot,
) -> None:
    port = int(urlsplit(small_bot.url).port or 0)
    with Stalled("127.0.0.1", port, 300, every=0.3) as held:
        assert_still_served(small_bot, "Plass for Slack dept:RMA")
        deadline = time.monotonic() + 10
        while held.closed_by_server < 250 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert held.closed_by_server >= 250


def test_stalled_headers_bodies_and_idle_connections_are_closed(small_bot: Bot) -> None:
    """Bytes trickled faster than the idle time-out do not keep a request alive."""
    port = int(urlsplit(small_bot.url).port or 0)
    with Stalled("127.0.0.1", port, 3, reopen=False, every=0.3) as held:
        deadline = time.monotonic() + 20
        while held.open and time.monotonic() < deadline:
            time.sleep(0.1)
        assert held.open == 0 and held.closed_by_server == 3


def test_a_failure_is_a_500_with_its_stack_logged_once(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    web = WebApp(None, runtime, health=lambda: {"scheduler": str(1 // 0)})
    server = make_server(web, host="127.0.0.1", port=0, loop_timeout=0.05)
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        for _ in range(3):
            answer = exchange(server.effective_port, b"GET /healthz HTTP/1.0\r\n\r\n")
            assert status_of(answer) == 500 and b"Traceback" not in answer
    finally:
        server.close()
        thread.join(timeout=5)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 3 and [r.exc_info is not None for r in errors] == [True, False, False]
    assert "seen 3 times" in errors[-1].getMessage()


def test_without_a_bolt_app_there_is_no_slack_endpoint(runtime: Runtime, db: Database) -> None:
    """Socket Mode's web port: health and the calendar feed, and a 404 for Slack's path."""
    with db.session() as session:
        token = calendar.feed_token(session)
    server = make_server(
        WebApp(None, runtime, feed=True), host="127.0.0.1", port=0, loop_timeout=0.05
    )
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        status, _, _ = slackreq.post(base + "/slack/events", BINDING)
        assert status == 404
        assert request(base, "GET", "/healthz", b"", {})[0] == 200
        assert request(base, "GET", f"/calendar/{token}.ics", b"", {})[0] == 200
    finally:
        server.close()
        thread.join(timeout=5)
    assert records(db) == (0, 0, 0)


def test_a_slack_endpoint_needs_the_signing_secret(runtime: Runtime) -> None:
    settings = make_settings(SLACK_SIGNING_SECRET="", SLACK_APP_TOKEN="xapp-1-socket")
    rt = Runtime(settings=settings, db=runtime.db, clock=runtime.clock)
    app = create_app(rt, make_client(settings.bot_token, settings.api_url))
    with pytest.raises(ValueError, match="signing secret"):
        WebApp(app, rt)


latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
printable = st.text(latin1, max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=3000).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
    st.integers(1, 50_000).map(lambda n: ("[" * n).encode()),
    st.sampled_from([b"payload=%7B", b"{not json", BINDING.encode()]),
    st.text(max_size=200).map(lambda t: slackreq.slash_body("/returbot", t).encode()),
)
timestamps = st.one_of(
    st.none(),
    printable,
    st.integers(-(10**12), 10**12).map(str),
    st.just(str(int(time.time()))),
)
content_types = st.one_of(st.none(), st.sampled_from([slackreq.FORM, JSON]), printable)


@st.composite
def signatures(draw: st.DrawFn, body: bytes) -> dict[str, str]:
    """Headers with a signature that is not valid for ``body``."""
    kind = draw(st.sampled_from(["none", "text", "hex", "wrong secret", "other body"]))
    timestamp = draw(timestamps)
    headers = {} if timestamp is None else {"X-Slack-Request-Timestamp": timestamp}
    if kind == "text":
        headers["X-Slack-Signature"] = draw(printable)
    elif kind == "hex":
        headers["X-Slack-Signature"] = "v0=" + draw(st.binary(min_size=32, max_size=32)).hex()
    elif kind in ("wrong secret", "other body"):
        other = body if kind == "wrong secret" else body + draw(st.binary(min_size=1, max_size=9))
        secret = "not-the-secret" if kind == "wrong secret" else slackreq.SIGNING_SECRET
        # ASCII digits only: str.isdigit() is true for '²', which int() refuses
        readable = timestamp is not None and re.fullmatch(r"-?[0-9]+", timestamp) is not None
        ts = int(timestamp) if readable and timestamp else None
        signed = slackreq.sign(other.decode("latin-1"), secret=secret, timestamp=ts)
        headers.update(signed)
    return headers


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), body=bodies, content_type=content_types)
def test_generated_hostile_bodies_without_a_valid_signature_are_always_401(
    bot: Bot, data: st.DataObject, body: bytes, content_type: str | None
) -> None:
    headers = data.draw(signatures(body))
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = records(bot.db)
    status, answer = slackreq.post_raw(bot.url + "/slack/events", body, headers)
    assert status == 401 and len(answer) < 100, answer[:200]
    assert records(bot.db) == before
