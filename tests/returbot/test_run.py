"""`returbot run` as a real process: HTTP on PORT, signed commands, health, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.processes import ROOT, free_port


def test_run_serves_slack_and_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack() as slack:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RETURBOT_"))},
            "SLACK_BOT_TOKEN": "xoxb-secret-token-value",
            "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'rb.db'}",
            "PORT": str(port),
            "PYTHONPATH": str(ROOT),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "returbot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                        health = json.loads(response.read())
                        break
                except OSError:
                    assert process.poll() is None, process.communicate()[1]
                    assert time.monotonic() < deadline, "the bot did not start"
                    time.sleep(0.1)
            assert health["database"] == "ok"
            body = slackreq.slash_body("/decision", "Fra en ekte prosess dept:RMA", user_id="UK")
            status, _, answer = slackreq.post(base + "/slack/events", body)
            assert status == 200 and "D-1" in json.loads(answer)["text"]
            assert slack.calls_to("auth.test")
            assert slack.calls_to("auth.test")[0].headers["Authorization"].endswith("token-value")
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert "xoxb-secret-token-value" not in err
        assert "no coordinator is configured" in err
