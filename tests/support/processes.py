"""returbot processes for tests and benchmarks: their environment, a free port, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

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


def kill_all(processes: list[subprocess.Popen[str]] | list[subprocess.Popen[bytes]]) -> None:
    """SIGKILL to every process still running, then reap them: for a test that is done with a
    process and checks nothing about its stop (a clean stop waits out its threads' time-outs)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
    for process in processes:
        process.communicate(timeout=30)


def scheduler(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "returbot", "scheduler"], cwd=cwd, env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def health(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return dict(json.loads(answer.read()))
    except OSError:
        return None


def wait_health(port: int, state: str, timeout: float) -> float:
    """Seconds until the process on ``port`` reports the scheduler ``state``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        report = health(port)
        if report is not None and report.get("scheduler") == state:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"port {port} never reported scheduler {state}: {health(port)}")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=30)[1]
