"""A process killed with a message pending delivers it after restart, exactly once."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.processes import environment, free_port


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "returbot", "run"], cwd=cwd, env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=1)
            return process
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)


def wait_until_recorded(path: Path, attempts: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(path)) as db:
            row = db.execute("select attempts, claimed_by from outbox where id = 1").fetchone()
        if row is not None and row[0] >= attempts and row[1] is None:
            return
        time.sleep(0.05)
    raise AssertionError(f"outbox row 1 never recorded {attempts} attempts")


def wait_until_settled(path: Path) -> None:
    """Until outbox row 1 is sent and no message is claimed or due: from then on nothing sends."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(path)) as db:
            rows = db.execute(
                "select id, status, next_attempt_at, claimed_by from outbox"
            ).fetchall()
        now = datetime.now(UTC).replace(tzinfo=None)
        sent = any(row[0] == 1 and row[1] == "sent" for row in rows)
        busy = [
            row
            for row in rows
            if row[3] is not None or (row[1] == "pending" and datetime.fromisoformat(row[2]) <= now)
        ]
        if sent and not busy:
            return
        time.sleep(0.05)
    raise AssertionError("the outbox never settled after the restart")


@pytest.mark.slow
def test_sigkill_with_pending_notice_then_restart(tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack() as slack:
        env = environment(slack.url, f"sqlite:///{tmp_path / 'rb.db'}", port)
        url = f"http://127.0.0.1:{port}/slack/events"
        first = start(env, tmp_path)
        bind = slackreq.slash_body("/returbot", "channel RMA", user_id="UCOORD", channel_id="CRMA")
        assert slackreq.post(url, bind)[0] == 200
        slack.fail_next("chat.postMessage", status=503, times=1000)
        issue = slackreq.slash_body("/issue", "Overlever krasj dept:RMA", user_id="UKARI")
        status, _, body = slackreq.post(url, issue)
        assert status == 200 and "I-1" in json.loads(body)["text"]
        slack.wait_for("chat.postMessage", count=2, timeout=20)  # tried, failed, retried
        # kill it between attempts: killed while holding a claim, the row waits out the lease
        # (60 s), which tests/bot/test_outbox.py checks with a manual clock
        wait_until_recorded(tmp_path / "rb.db", attempts=2)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        slack.reset()
        second = start(env, tmp_path)
        try:
            deadline = time.monotonic() + 30
            while not slack.posted("CRMA") and time.monotonic() < deadline:
                time.sleep(0.1)
            # a duplicate could only come from a message still claimed or due
            wait_until_settled(tmp_path / "rb.db")
            notices = slack.posted("CRMA")
            assert len(notices) == 1 and "I-1" in notices[0]["text"]
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=20)
