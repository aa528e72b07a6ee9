"""Start-up: the time from `returbot run` to a healthy ``/healthz`` (200, database ok), on an
empty database and on one with 100,000 decisions and 20,000 issues (issue 19: goal < 1.5 s).

    python bench/startup.py [--decisions 100000] [--issues 20000] [--runs 5] [--pg URL]

Each run is a new process (with its scheduler, as `returbot run` is deployed), polled every
5 ms; the figures are the median and the worst of ``--runs`` after one to warm the file cache,
beside the interpreter's own start (``python -c pass``). SQLite always; PostgreSQL with --pg
or TEST_DATABASE_URL (its public schema is dropped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.issue_list import seed_issues
from bench.seed import seed_decisions
from storage import migrate
from storage.db import Database
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres
from tests.support.processes import environment, free_port, health, stop_all

GOAL = 1.5  # seconds


def healthy(port: int) -> bool:
    report = health(port)  # None until it answers 200
    return report is not None and report.get("database") == "ok"


def one_start(url: str, slack_url: str, folder: str) -> float:
    """Seconds from the process's start to its first healthy answer."""
    port = free_port()
    env = environment(slack_url, url) | {"PORT": str(port)}
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "returbot", "run"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not healthy(port):
            if process.poll() is not None:
                raise SystemExit(f"returbot run exited: {process.communicate()[1][-2000:]!r}")
            if time.perf_counter() - began > 60:
                raise SystemExit("returbot run did not become healthy within 60 s")
            time.sleep(0.005)
        return time.perf_counter() - began
    finally:
        stop_all([process])


def measure(name: str, url: str, runs: int, folder: str) -> None:
    with FakeSlack() as slack:
        one_start(url, slack.url, folder)  # the first start warms the file cache
        times = [one_start(url, slack.url, folder) for _ in range(runs)]
    median, worst = statistics.median(times), max(times)
    print(
        f"  {name:<36} median {median:5.2f} s  worst {worst:5.2f} s  "
        f"({'within' if worst < GOAL else 'OVER'} the {GOAL} s goal)"
    )


def python_floor(runs: int) -> float:
    """The interpreter alone starting and exiting (what no app can go below)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    print(f"python -c pass: {python_floor(args.runs):.3f} s")
    with tempfile.TemporaryDirectory() as folder:
        empty = f"sqlite:///{folder}/empty.db"
        migrate.upgrade(Database(empty).engine)
        full = f"sqlite:///{folder}/full.db"
        db = Database(full)
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        seed_decisions(db, args.decisions)
        seed_issues(db, args.issues)
        db.dispose()
        print(
            f"seeded {args.decisions} decisions and {args.issues} issues "
            f"in {time.perf_counter() - started:.0f} s"
        )
        print("SQLite:")
        measure("empty", empty, args.runs, folder)
        measure(f"{args.decisions + args.issues:,} records", full, args.runs, folder)
        if args.pg:
            pg = empty_postgres(args.pg)
            url = pg.engine.url.render_as_string(hide_password=False)
            print("PostgreSQL:")
            measure("empty", url, args.runs, folder)
            seed_decisions(pg, args.decisions)
            seed_issues(pg, args.issues)
            pg.dispose()
            measure(f"{args.decisions + args.issues:,} records", url, args.runs, folder)


if __name__ == "__main__":
    main()
