"""`returbot run` as a real process, issue 13: Socket Mode takes no Slack request over HTTP, HTTP
mode does not start without a signing secret, and hostile requests leave no stack trace and no
request body in the log."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from storage.db import Database
from storage.models import ChannelBinding, Decision
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.fakesocket import FakeSocketMode
from tests.support.processes import environment, free_port, stop_all

APP_TOKEN = "xapp-1-A000FAKE-1-apptokensecretvalue"
BOT_TOKEN = "xoxb-bottokensecretvalue"
# the finding: an unsigned form post that bound a department channel and revealed the feed
BINDING = slackreq.slash_body("/returbot", "channel RMA", user_id="UCOORD", channel_id="CRMA")
CALENDAR = slackreq.slash_body("/returbot", "calendar", user_id="UCOORD", channel_id="CRMA")


@contextmanager
def returbot_run(env: dict[str, str], cwd: Path) -> Iterator[tuple[str, list[str]]]:
    """A `returbot run --no-scheduler` answering /healthz; yields its URL and a list that holds
    its stderr once it has stopped."""
    log = cwd / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "returbot", "run", "--no-scheduler"],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{env['PORT']}"
    err: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "returbot did not start"
                time.sleep(0.1)
        yield base, err
    finally:
        stop_all([process])
        err.append(log.read_text())


def counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        with db.session() as session:
            return (
                session.scalar(select(func.count()).select_from(ChannelBinding)) or 0,
                session.scalar(select(func.count()).select_from(Decision)) or 0,
            )
    finally:
        db.dispose()


def test_socket_mode_takes_no_slack_request_over_http(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'rb.db'}"
    with FakeSlack() as slack, FakeSocketMode() as sm:
        slack.set_socket_mode(sm.open_url)
        env = environment(slack.url, database, free_port(), token=BOT_TOKEN)
        del env["SLACK_SIGNING_SECRET"]
        env["SLACK_APP_TOKEN"] = APP_TOKEN
        with returbot_run(env, tmp_path) as (base, err):
            for body in (BINDING, CALENDAR):
                unsigned = {"Content-Type": slackreq.FORM}
                status, answer = slackreq.post_raw(base + "/slack/events", body.encode(), unsigned)
                assert status == 404 and b"/calendar/" not in answer, answer[:200]
                # signed with a secret the process does not have: still not Slack's way in
                status, _, _ = slackreq.post(base + "/slack/events", body)
                assert status == 404
            assert counts(database) == (0, 0)
            # what is Slack's way in answers
            sm.wait_connection(1, timeout=30)
            body = slackreq.slash_body("/decision", "Over kontakten dept:RMA", user_id="UK")
            ack = sm.ask(sm.slash, body, timeout=15)
            assert "D-1" in json.dumps(ack.payload)
    assert counts(database) == (0, 1)
    assert APP_TOKEN not in err[0] and BOT_TOKEN not in err[0]


def test_http_mode_without_a_signing_secret_does_not_start(tmp_path: Path) -> None:
    env = environment("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'rb.db'}", free_port())
    del env["SLACK_SIGNING_SECRET"]
    done = subprocess.run(
        [sys.executable, "-m", "returbot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("returbot: SLACK_SIGNING_SECRET"), lines


def test_hostile_requests_leave_no_stack_trace_and_no_body_in_the_log(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'rb.db'}"
    malformed = [
        ("payload=%7B", slackreq.FORM),
        ("{not json", "application/json"),
        ('{"a": ' + "[" * 100_000, "application/json"),
        (urlencode({"payload": "[" * 100_000}), slackreq.FORM),
    ]
    marked = slackreq.slash_body("/decision", "MARKER-4K2 dept:RMA", user_id="UK")
    with FakeSlack() as slack:
        env = environment(slack.url, database, free_port(), token=BOT_TOKEN)
        with returbot_run(env, tmp_path) as (base, err):
            url = base + "/slack/events"
            for body, content_type in [*malformed, (marked, slackreq.FORM)]:
                for headers in (
                    {"Content-Type": content_type},
                    {**slackreq.sign(body), "X-Slack-Request-Timestamp": "not-a-number"},
                    slackreq.sign(body, secret="not-the-secret"),
                ):
                    status, answer = slackreq.post_raw(url, body.encode(), headers)
                    assert status == 401 and len(answer) < 100, answer[:200]
            for body, content_type in malformed:
                headers = {**slackreq.sign(body), "Content-Type": content_type}
                status, answer = slackreq.post_raw(url, body.encode(), headers)
                assert status == 400 and len(answer) < 100, answer[:200]
            assert counts(database) == (0, 0)
    log = err[0]
    assert "Traceback" not in log, log[-3000:]
    assert "MARKER-4K2" not in log and "deprecated-verification-token" not in log
    assert BOT_TOKEN not in log and slackreq.SIGNING_SECRET not in log
    assert log.count("cannot be read") == len(malformed)
    assert log.count("without a valid signature") == 1
