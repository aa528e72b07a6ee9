"""Ack latency of `/decision new` through the HTTP server with 100,000 decisions in SQLite,
against a bare Bolt app answering a no-op command in the same run.

    python bench/decision_ack.py [--rows 100000] [--requests 400]

Both apps run behind the same waitress server setup, talk to the same local fake Slack, and get
requests signed with the real algorithm; requests alternate between them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
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


def serve(wsgi: Any) -> tuple[Any, str]:
    server = make_server(wsgi, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=serve_until_closed, args=(server,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}/slack/events"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        seed_decisions(db, args.rows)
        print(f"seeded {args.rows} decisions in {time.perf_counter() - started:.1f}s")
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
        }
        rt = wiring.runtime(settings_module.load(env), db=db)
        ours, ours_url = serve(WebApp(wiring.slack_app(rt), rt))
        bare, bare_url = serve(WebApp(bare_bolt(slack.url), rt))
        timings: dict[str, list[float]] = {"returbot": [], "bare": []}
        for i in range(args.requests + 20):
            text = f"Beslutning nummer {i} om felles rutine dept:RMA,PU tags:retur by:linjen"
            for name, url, body in (
                ("returbot", ours_url, slackreq.slash_body("/decision", text, user_id="UBENCH")),
                ("bare", bare_url, slackreq.slash_body("/noop", text, user_id="UBENCH")),
            ):
                t0 = time.perf_counter()
                status, _headers, payload = slackreq.post(url, body)
                elapsed = (time.perf_counter() - t0) * 1000
                if status != 200:
                    raise SystemExit(f"{name} answered {status}: {payload[:200]!r}")
                if i >= 20:  # the first requests warm caches and connections
                    timings[name].append(elapsed)
        ours.close()
        bare.close()
        for name, values in timings.items():
            print(
                f"{name:<9} n={len(values)}  p50={percentile(values, 50):6.2f} ms  "
                f"p90={percentile(values, 90):6.2f} ms  p99={percentile(values, 99):6.2f} ms"
            )
        ratio = percentile(timings["returbot"], 50) / percentile(timings["bare"], 50)
        print(f"p50 ratio returbot / bare Bolt = {ratio:.2f}  (goal ≤ 1.5; p99 goal < 100 ms)")


if __name__ == "__main__":
    main()
