"""Latency of `/healthz` and a signed slash command while N connections are held stalled.

    python bench/slowloris.py [--stalled 0,110,300,1000] [--servers before,after] [--rounds 3]
                              [--give-up 10] [--settle 12]

For each N a fresh server starts and N connections (a third idle, a third in the middle of a
header, a third in the middle of a body; a byte a second, opened again when the server closes
them) are held for ``--settle`` seconds, past the read deadlines, so that the probes meet the
churn of closed and reopened connections. "before" is the server `returbot run` made until
issue 13 (waitress's defaults: 100 connections, 120 s idle, no read deadlines, a stop at the
limit); "after" is `returbot.web_server.make_server` as it is now. A probe that gets no answer
within ``--give-up`` seconds counts as none.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import settings as settings_module
from returbot import wiring
from returbot.web_server import MAX_BODY, REQUEST_THREADS, WebApp, make_server, serve_until_closed
from storage import migrate
from storage.db import Database
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.stalled import Stalled


def before(web: WebApp) -> Any:
    """The server of `returbot run` before issue 13."""
    from waitress.server import create_server

    return create_server(
        web,
        host="127.0.0.1",
        port=0,
        threads=REQUEST_THREADS,
        max_request_body_size=MAX_BODY,
        ident="returbot",
        clear_untrusted_proxy_headers=True,
        asyncore_loop_timeout=1.0,
    )


def after(web: WebApp) -> Any:
    return make_server(web, host="127.0.0.1", port=0)


@contextmanager
def serving(make: Callable[[WebApp], Any], web: WebApp) -> Iterator[int]:
    server = make(web)
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        server.close()
        thread.join(timeout=5)


def probe(send: Callable[[], int], give_up: float) -> float | None:
    """Milliseconds until ``send`` had its 200, or None (no answer within ``give_up``)."""
    started = time.perf_counter()
    try:
        status = send()
    except OSError:
        return None
    elapsed = time.perf_counter() - started
    return elapsed * 1000 if status == 200 and elapsed <= give_up else None


def figures(values: list[float | None]) -> str:
    answered = sorted(v for v in values if v is not None)
    if not answered:
        return f"no answer ({len(values)} of {len(values)})"
    worst = f"max {answered[-1]:8.1f} ms"
    missed = len(values) - len(answered)
    return f"p50 {answered[len(answered) // 2]:7.1f} ms  {worst}" + (
        f"  ({missed} unanswered)" if missed else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stalled", default="0,110,300,1000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--give-up", type=float, default=10.0)
    parser.add_argument("--servers", default="before,after")
    parser.add_argument("--settle", type=float, default=12.0, help="seconds before the probes")
    args = parser.parse_args()
    counts = [int(n) for n in args.stalled.split(",")]
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        }
        rt = wiring.runtime(settings_module.load(env), db=db)
        web = WebApp(wiring.slack_app(rt), rt)
        print(
            f"{'server':<7} {'stalled':>7} {'held':>5} {'closed':>6}  {'/healthz':<44} "
            "signed /decision list"
        )
        makers = {"before": before, "after": after}
        for name in args.servers.split(","):
            make = makers[name]
            for count in counts:
                with serving(make, web) as port, Stalled("127.0.0.1", port, count) as held:
                    base = f"http://127.0.0.1:{port}"
                    time.sleep(args.settle)

                    def health(base: str = base) -> int:
                        with urllib.request.urlopen(  # noqa: S310 (our own server)
                            base + "/healthz", timeout=args.give_up
                        ) as response:
                            return int(response.status)

                    def command(base: str = base) -> int:
                        body = slackreq.slash_body("/decision", "list", user_id="UBENCH")
                        status, _, _ = slackreq.post(
                            base + "/slack/events", body, timeout=args.give_up
                        )
                        return status

                    healths, commands = [], []
                    for _ in range(args.rounds):
                        healths.append(probe(health, args.give_up))
                        commands.append(probe(command, args.give_up))
                    print(
                        f"{name:<7} {count:>7} {held.open:>5} {held.closed_by_server:>6}  "
                        f"{figures(healths):<44} "
                        f"{figures(commands)}",
                        flush=True,
                    )
        db.dispose()


if __name__ == "__main__":
    main()
