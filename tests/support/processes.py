"""returbot processes for tests and benchmarks: their environment, a free port, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

from tests.support import slackreq

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(
    slack_url: str, database_url: str, port: int | None = None, *, token: str = "xoxb-test"
) -> dict[str, str]:
    """This environment without Slack or returbot settings, plus what a process needs to run
    against ``database_url`` and the fake Slack at ``slack_url`` (coordinator UCOORD)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RETURBOT_"))},
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "RETURBOT_COORDINATORS": "UCOORD",
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    if port is not None:
        env["PORT"] = str(port)
    return env


def stop_all(processes: list[subprocess.Popen[str]] | list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every process still running, then wait (a kill after 30 s)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
