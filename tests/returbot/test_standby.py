"""Scheduler processes: one active, a standby that takes over when it dies, health says which."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres
from tests.support.processes import environment, free_port, health, scheduler, stop, wait_health


def quick(env: dict[str, str]) -> dict[str, str]:
    """A standby that looks at the lock five times a second instead of every five seconds (the
    scale-out proof in test_scale_out.py takes over with the default)."""
    return env | {"RETURBOT_TEST_LEADER_POLL": "0.2"}


@pytest.mark.slow
@pytest.mark.postgres
def test_a_standby_scheduler_takes_over_within_30_seconds_of_a_sigkill(
    tmp_path: Path, pg_url: str
) -> None:
    database = empty_postgres(pg_url)
    url = database.url
    database.dispose()
    with FakeSlack() as slack:
        ports = free_port(), free_port()
        first = scheduler(quick(environment(slack.url, url, ports[0])), tmp_path)
        second = None
        try:
            wait_health(ports[0], "active", 30)
            second = scheduler(quick(environment(slack.url, url, ports[1])), tmp_path)
            wait_health(ports[1], "standby", 30)
            report = health(ports[1])
            assert report == {"status": "ok", "database": "ok", "scheduler": "standby"}
            assert health(ports[0]) == {"status": "ok", "database": "ok", "scheduler": "active"}
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            took = wait_health(ports[1], "active", 30)
            assert took < 30
        finally:
            first.kill()
            first.communicate(timeout=10)
            if second is not None:
                err = stop(second)
                assert "xoxb-clock-token" not in err
                assert second.returncode == 0, err[-2000:]


@pytest.mark.slow
def test_on_sqlite_a_second_scheduler_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rb.db'}"
    with FakeSlack() as slack:
        port = free_port()
        first = scheduler(environment(slack.url, url, port), tmp_path)
        try:
            wait_health(port, "active", 30)
            refused = subprocess.run(
                [sys.executable, "-m", "returbot", "scheduler"],
                cwd=tmp_path,
                env=environment(slack.url, url, free_port()),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert refused.returncode == 2
            last = refused.stderr.strip().splitlines()[-1]
            assert last.startswith("Another returbot scheduler already runs on ")
            assert last.endswith(
                "(SQLite has room for one; for a standby scheduler use PostgreSQL)."
            )
            assert "Traceback" not in refused.stderr
            also = subprocess.run(
                [sys.executable, "-m", "returbot", "run"],
                cwd=tmp_path,
                env=environment(slack.url, url, free_port()),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert also.returncode == 2 and "Another returbot scheduler" in also.stderr
        finally:
            err = stop(first)
        assert first.returncode == 0, err[-2000:]
