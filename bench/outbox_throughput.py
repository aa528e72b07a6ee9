"""Dispatcher throughput: 1,000 due messages over 50 channels to a fake Slack that takes 50 ms
to answer each call. Prints messages per second and the share sent within 15 s of due time.

    python bench/outbox_throughput.py [--messages 1000] [--channels 50] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.seed import percentile
from bot import outbox
from bot import settings as settings_module
from returbot import wiring
from returbot.clock import start_dispatch_threads
from storage import migrate
from storage.db import Database
from storage.models import OutboxMessage
from tests.support.fakeslack import FakeSlack


def run(workers: int, messages: int, channels: int, latency: float) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        slack.set_latency(latency)
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        due = datetime.now(UTC)
        with db.session() as session:
            for i in range(messages):
                outbox.enqueue(
                    session, kind="bench", text=f"Melding {i}", channel=f"C{i % channels:04d}",
                    due_at=due,
                )  # fmt: skip
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": slack.url,
        }
        dispatcher = wiring.dispatcher(wiring.runtime(settings_module.load(env), db=db))
        stop = threading.Event()
        started = time.perf_counter()
        start_dispatch_threads(dispatcher, stop, interval=0.5, workers=workers)
        while len(slack.posted()) < messages and time.perf_counter() - started < 120:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        dispatcher.wake()
        with db.session() as session:
            sent = session.scalars(
                select(OutboxMessage.sent_at).where(OutboxMessage.sent_at.is_not(None))
            ).all()
        delays = [(moment - due).total_seconds() for moment in sent]
        within = sum(1 for d in delays if d <= 15) / messages
        print(
            f"workers={workers}  sent {len(sent)}/{messages} in {elapsed:5.1f}s  "
            f"{len(sent) / elapsed:6.1f} msg/s  within 15 s: {within:6.1%}  "
            f"delay p50={percentile(delays, 50):5.1f}s p99={percentile(delays, 99):5.1f}s  "
            f"duplicates={len(slack.posted()) - len(sent)}"
        )
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 4, 8])
    args = parser.parse_args()
    for workers in args.workers:
        run(workers, args.messages, args.channels, args.latency)


if __name__ == "__main__":
    main()
