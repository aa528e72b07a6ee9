"""Socket Mode under drops: how long `returbot run` takes to reconnect, and the CPU it burns
while it is idle and in the seconds after each kind of drop.

    python bench/socket_mode.py [--window 10] [--give-up 90] [--drops fin,rst,close,refresh,stall]

For each kind of drop a fresh `returbot run --no-scheduler` (SQLite, the fake Web API, the fake
Socket Mode server) connects; its CPU is read from /proc/<pid>/stat over ``--window`` seconds of
idle, then the server drops the connection and the CPU is read over the ``--window`` seconds
after the drop. The reconnect time runs from the drop to the next WebSocket handshake (given up
after ``--give-up`` seconds), then a slash command proves the new connection answers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.fakesocket import Connection, FakeSocketMode
from tests.support.processes import ROOT, environment, free_port, stop_all

TICK = os.sysconf("SC_CLK_TCK")
DROPS = {
    "fin": Connection.drop_fin,
    "rst": Connection.drop_rst,
    "close": Connection.close,
    "refresh": Connection.disconnect,
    "stall": Connection.stall,
}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_share(pid: int, seconds: float) -> float:
    """The share of one core ``pid`` used over the next ``seconds``."""
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - start)


def one(drop: str, window: float, give_up: float) -> tuple[float, float, float | None, bool]:
    """(idle CPU share, CPU share after the drop, seconds to reconnect or None, answered)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSlack() as slack,
        FakeSocketMode() as sm,
    ):
        slack.set_socket_mode(sm.open_url)
        env = environment(slack.url, f"sqlite:///{tmp}/rb.db", free_port())
        env["SLACK_APP_TOKEN"] = "xapp-1-A000FAKE-bench"
        process = subprocess.Popen(
            [sys.executable, "-m", "returbot", "run", "--no-scheduler"],
            cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            first = sm.wait_connection(1, timeout=60)
            sm.ask(sm.slash, slackreq.slash_body("/decision", "list", user_id="UB"))
            idle = cpu_share(process.pid, window)
            DROPS[drop](first)
            dropped = time.monotonic()
            after = cpu_share(process.pid, window)
            reconnect: float | None = None
            with contextlib.suppress(AssertionError):
                left = max(0.0, give_up - (time.monotonic() - dropped))
                reconnect = float(sm.wait_connection(2, timeout=left).opened_at or 0) - dropped
            answered = False
            if reconnect is not None:
                body = slackreq.slash_body("/decision", "list", user_id="UB")
                try:
                    sm.ask(sm.slash, body, timeout=10)
                    answered = True
                except AssertionError:
                    pass
            return idle, after, reconnect, answered
        finally:
            stop_all([process])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--give-up", type=float, default=90.0)
    parser.add_argument("--drops", default=",".join(DROPS))
    args = parser.parse_args()
    os.chdir(ROOT)
    print(f"{'drop':8} {'idle CPU':>9} {'CPU after':>10} {'reconnect':>10}  answers after")
    for drop in args.drops.split(","):
        idle, after, reconnect, answered = one(drop, args.window, args.give_up)
        took = f"{reconnect:9.1f}s" if reconnect is not None else f"{'> ' + str(args.give_up):>9}s"
        print(f"{drop:8} {idle:9.1%} {after:10.1%} {took}  {'yes' if answered else 'no'}")


if __name__ == "__main__":
    main()
