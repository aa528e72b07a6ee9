"""`returbot scheduler` as a clock process: it sends what was queued, composed as `run` would."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot import bindings, digest, settings
from bot.context import Actor
from storage import migrate
from storage.db import Database
from tests.support.fakeslack import FakeSlack
from tests.support.processes import environment


def test_the_clock_process_sends_a_queued_digest_with_its_blocks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rb.db'}"
    database = Database(url)
    migrate.upgrade(database.engine)
    org = settings.load({}, need_slack=False).org
    with database.session() as session:
        bindings.bind(session, user_id="UCOORD", target="digest", channel_id="CDIG")
        coordinator = Actor("UCOORD", "nb", is_coordinator=True)
        digest.post_now(session, org=org, actor=coordinator, now=datetime.now(UTC))
    database.dispose()
    with FakeSlack() as slack:
        env = environment(slack.url, url, token="xoxb-clock-token")
        process = subprocess.Popen(
            [sys.executable, "-m", "returbot", "scheduler"], cwd=tmp_path, env=env, text=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            (call,) = slack.wait_for("chat.postMessage", timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert call.params["channel"] == "CDIG"
        assert call.params["blocks"]  # composed by the digest's renderer, not a bare fallback
        assert "Ukeoppsummering" in str(call.params["blocks"])
        assert "xoxb-clock-token" not in err
