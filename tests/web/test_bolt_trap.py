"""Bolt's trap (SPEC §9): the web register's SLACK_CLIENT_ID and SLACK_CLIENT_SECRET in the
environment must not switch Bolt into OAuth-installation mode; the bot keeps its bot token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.context import ManualClock
from storage.db import Database
from tests.e2e.conftest import running_bot
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.processes import ROOT, environment, free_port
from tests.web.conftest import Browser

SECRET_KEY = "k" * 40
# every variable Bolt's App or its OAuth settings read to go into installation mode
BOLT_OAUTH = {
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_CLIENT_SECRET": "client-secret-value",
    "SLACK_SCOPES": "commands,chat:write",
    "SLACK_USER_SCOPES": "search:read",
    "SLACK_REDIRECT_URI": "https://returbot.example.org/slack/oauth_redirect",
    "SLACK_INSTALLATION_S3_BUCKET_NAME": "bucket",
    "SLACK_STATE_S3_BUCKET_NAME": "bucket",
}


def test_a_command_is_answered_with_the_webs_variables_in_the_environment(
    db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in BOLT_OAUTH.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RETURBOT_SECRET_KEY", SECRET_KEY)
    with FakeSlack() as slack, running_bot(db, clock, slack) as bot:
        reply = bot.command("/decision", "Med nettvariablene satt dept:RMA")
        assert reply.status == 200
        assert "D-1" in reply.text
        assert "installation" not in reply.text.lower()
    # the variables are back where they were, for the web's own settings
    assert os.environ["SLACK_CLIENT_ID"] == "1234.5678"
    assert os.environ["SLACK_CLIENT_SECRET"] == "client-secret-value"


def test_returbot_run_with_every_web_variable_answers_commands(tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack() as slack:
        env = environment(slack.url, f"sqlite:///{tmp_path / 'rb.db'}", port, token="xoxb-bot-ok")
        env.update(BOLT_OAUTH)
        env.update(
            RETURBOT_PUBLIC_URL=f"http://127.0.0.1:{port}",
            RETURBOT_SECRET_KEY=SECRET_KEY,
            SLACK_OAUTH_URL=slack.base + "/openid/connect/authorize",
            SLACK_OAUTH_JWKS_URL=slack.base + "/openid/connect/keys",
            PYTHONPATH=str(ROOT),
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "returbot", "run", "--no-scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, process)
            body = slackreq.slash_body("/decision", "Fra en ekte prosess dept:RMA", user_id="UK")
            status, _, answer = slackreq.post(base + "/slack/events", body)
            assert status == 200
            assert "D-1" in json.loads(answer)["text"]
            # Bolt asked who the bot token is: it authorizes with that token, not installations
            assert slack.calls_to("auth.test")[0].headers["Authorization"] == "Bearer xoxb-bot-ok"
            # and the same port serves the register, signed in with the same client ID
            slack.set_openid_client(
                BOLT_OAUTH["SLACK_CLIENT_ID"], BOLT_OAUTH["SLACK_CLIENT_SECRET"]
            )
            slack.sign_in_as("UK", name="Kari")
            page = Browser(base).get("/decisions")
            assert page.status == 200 and "D-1" in page.text and "Kari" in page.text
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert "client-secret-value" not in err
        assert "OAuth" not in err  # Bolt's "default OAuth settings loaded" never appears


def _wait_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                assert json.loads(response.read())["database"] == "ok"
                return
        except OSError:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the bot did not start"
            time.sleep(0.1)
