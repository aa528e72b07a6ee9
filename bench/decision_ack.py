"""Ack latency of the write commands through the HTTP server, against both floors of a bare Bolt
app in the same run (issue 19): the *no-op* floor (acks at once) and the *durable* floor (inserts
and commits one row through SQLAlchemy first, on the same kind of database).

    python bench/decision_ack.py [--rows 100000] [--requests 300] [--pg URL]

Measured, one request at a time, each command alternating with the two floors: `/decision new`,
`/issue new` (a notice queued for a bound department channel) and `/issue ack`. All apps run
behind the same waitress set-up, talk to the same local fake Slack, and get requests signed with
the real algorithm. SQLite always; PostgreSQL with --pg or TEST_DATABASE_URL (its public
schema is dropped).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.bare_bolt import bare_bolt
from bench.seed import percentile, seed_decisions
from bot import settings as settings_module
from returbot import wiring
from returbot.web_server import WebApp, make_server, serve_until_closed
from storage import migrate
from storage.db import Database
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres

COORDINATOR = "UBENCH"
WARM_UP = 20


def serve(wsgi: Any) -> tuple[Any, str]:
    server = make_server(wsgi, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=serve_until_closed, args=(server,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}/slack/events"


def timed(url: str, command: str, text: str, *, wrote: bool) -> float:
    """One signed command's time to its ack; a write of returbot's must answer in the channel."""
    body = slackreq.slash_body(command, text, user_id=COORDINATOR, channel_id="CRMA")
    began = time.perf_counter()
    status, _headers, payload = slackreq.post(url, body)
    elapsed = (time.perf_counter() - began) * 1000
    if status != 200 or (wrote and b'"in_channel"' not in payload):
        raise SystemExit(f"{command} {text!r} answered {status}: {payload[:300]!r}")
    return elapsed


def run(name: str, db: Database, requests: int) -> None:
    with FakeSlack() as slack:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "RETURBOT_COORDINATORS": COORDINATOR,
        }
        rt = wiring.runtime(settings_module.load(env), db=db)
        ours, ours_url = serve(WebApp(wiring.slack_app(rt), rt))
        bare, bare_url = serve(WebApp(bare_bolt(slack.url, db), rt))
        timed(ours_url, "/returbot", "channel RMA", wrote=True)
        commands: dict[str, Callable[[int], tuple[str, str]]] = {
            "/decision new": lambda i: (
                "/decision",
                f"Beslutning nummer {i} om felles rutine dept:RMA,PU tags:retur by:linjen",
            ),
            "/issue new": lambda i: ("/issue", f"Mangler tolk i region {i} dept:RMA"),
            "/issue ack": lambda i: ("/issue", f"ack I-{i + 1} dept:RMA"),
        }
        print(f"{name}:")
        for label, make in commands.items():
            samples: dict[str, list[float]] = {label: [], "no-op floor": [], "durable floor": []}
            for i in range(requests + WARM_UP):
                command, text = make(i)
                for key, url, cmd, words in (
                    (label, ours_url, command, text),
                    ("no-op floor", bare_url, "/noop", text),
                    ("durable floor", bare_url, "/durable", text),
                ):
                    elapsed = timed(url, cmd, words, wrote=url == ours_url)
                    if i >= WARM_UP:  # the first requests warm caches and connections
                        samples[key].append(elapsed)
            noop = percentile(samples["no-op floor"], 50)
            durable = percentile(samples["durable floor"], 50)
            for key, values in samples.items():
                p50 = percentile(values, 50)
                print(
                    f"  {key:<14} n={len(values)}  p50={p50:6.2f} ms  "
                    f"p90={percentile(values, 90):6.2f} ms  p99={percentile(values, 99):6.2f} ms"
                    + (
                        f"   ×{p50 / noop:.2f} no-op, ×{p50 / durable:.2f} durable (goal ≤ 1.5)"
                        if key == label
                        else ""
                    )
                )
        time.sleep(0.2)  # the last answers' connections finish closing first
        ours.close()
        bare.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        seed_decisions(db, args.rows)
        print(f"seeded {args.rows} decisions in {time.perf_counter() - started:.1f}s")
        run("SQLite (WAL, synchronous=NORMAL)", db, args.requests)
        db.dispose()
    if args.pg:
        db = empty_postgres(args.pg)
        seed_decisions(db, args.rows)
        run("PostgreSQL", db, args.requests)
        db.dispose()


if __name__ == "__main__":
    main()
