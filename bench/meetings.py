"""Meetings: the calendar feed with 2,000 meetings over HTTP, and scheduling a series.

    python bench/meetings.py [--meetings 2000] [--requests 200] [--series 100] [--pg URL]

Feed: ``GET /calendar/<token>.ics`` through the real WSGI server (waitress, port 0), measured
three ways: unchanged since the last request (the cached body), and after a meeting changed
before every request (a full rebuild), and the first request of a process (cold).
Series: ``/meeting schedule quarterly … repeat:quarterly`` (and weekly, 52 meetings) as signed
slash commands dispatched through Bolt into the real database, in milliseconds per command.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt.request import BoltRequest
from sqlalchemy import insert, text, update

from bench.seed import percentile, sentence
from bot import calendar
from bot import settings as settings_module
from bot.context import ManualClock
from bot.runtime import Runtime
from returbot import wiring
from returbot.web_server import WebApp, make_server, serve_until_closed
from storage import common, migrate
from storage.db import Database
from storage.models import AgendaItem, Meeting
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
COORDINATOR = "UCOORD"
SERIES = ("network", "quarterly", "steering", "seminar")


def seed_meetings(db: Database, count: int) -> None:
    """``count`` meetings from a year back to about three years ahead, 0–4 agenda items each."""
    rng = random.Random(3)
    span = timedelta(days=4 * 365)
    first = NOW - timedelta(days=365)
    with db.session() as session:
        rows = []
        items = []
        for n in range(1, count + 1):
            start = first + span * (n / count)
            start = start.replace(minute=0, second=0, microsecond=0)
            rows.append(
                {
                    "id": n,
                    "number": n,
                    "series_key": rng.choice(SERIES),
                    "title": sentence(rng, 3),
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=2),
                    "place": "Møterom 3",
                    "status": "cancelled" if rng.random() < 0.05 else "scheduled",
                    "sequence": rng.randint(0, 2),
                    "created_by": COORDINATOR,
                    "created_at": NOW - timedelta(days=400),
                    "updated_at": NOW - timedelta(days=1),
                    "timed_at": NOW - timedelta(days=400),
                }
            )
            items += [
                {"meeting_id": n, "text": sentence(rng, 6), "author": "UKARI", "created_at": NOW}
                for _ in range(rng.randint(0, 4))
            ]
        session.execute(insert(Meeting), rows)
        session.execute(insert(AgendaItem), items)
        common.set_numbering(session, "M", count)
    if db.dialect == "postgresql":
        with db.session() as session:
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('meetings', 'id'), :n)"), {"n": count}
            )
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def _runtime(db: Database, slack: FakeSlack, clock: ManualClock) -> Runtime:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "RETURBOT_COORDINATORS": COORDINATOR,
    }
    return wiring.runtime(settings_module.load(env), db=db, clock=clock)


def _get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own server)
        body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 200 and body.count(b"BEGIN:VEVENT") > 0
    return elapsed


def _line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<34} n={len(values):<4} p50={percentile(values, 50):7.2f} ms  "
        f"p95={percentile(values, 95):7.2f} ms  p99={percentile(values, 99):7.2f} ms"
    )


def bench_feed(db: Database, slack: FakeSlack, count: int, requests: int) -> None:
    clock = ManualClock(NOW)
    rt = _runtime(db, slack, clock)
    app = wiring.slack_app(rt)
    with db.session() as session:
        token = calendar.feed_token(session)
    web = WebApp(app, rt)
    server = make_server(web, host="127.0.0.1", port=0)  # as `returbot run` serves
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/calendar/{token}.ics"
    try:
        cold = [_get(url)]
        with db.session() as session:
            size = len(web.feed.body(session, clock.now()))
        cached = [_get(url) for _ in range(requests)]
        rebuilt = []
        for i in range(max(20, requests // 4)):
            with db.session() as session:
                session.execute(
                    update(Meeting)
                    .where(Meeting.number == 1 + i % count)
                    .values(
                        updated_at=NOW + timedelta(seconds=i + 1), sequence=Meeting.sequence + 1
                    )
                )
            rebuilt.append(_get(url))
    finally:
        server.close()
        thread.join(timeout=5)
    print(f"  feed: {count} meetings in the window, {size / 1024:.0f} KiB of iCalendar")
    print(_line("first request (cold build)", cold))
    print(_line("unchanged (cached body)", cached))
    print(_line("after a change (full rebuild)", rebuilt))


def bench_schedule(db: Database, slack: FakeSlack, series: int) -> None:
    clock = ManualClock(NOW)
    rt = _runtime(db, slack, clock)
    app = wiring.slack_app(rt)
    rng = random.Random(9)
    for rule, label in (("quarterly", "quarterly series (4–5 meetings)"),
                        ("weekly", "weekly series (52–53 meetings)")):  # fmt: skip
        samples = []
        for i in range(series + 5):
            day = NOW + timedelta(days=rng.randint(2, 300))
            when = day.astimezone(rt.org.timezone).strftime("%d.%m.%Y") + " 10:00"
            command = f'schedule quarterly {when} repeat:{rule} title:"Serie {rule} {i}"'
            body = slackreq.slash_body("/meeting", command, user_id=COORDINATOR)
            headers = {k.lower(): [v] for k, v in slackreq.sign(body).items()}
            started = time.perf_counter()
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status == 200 and "M-" in response.body, response.body[:300]
            if i >= 5:
                samples.append(elapsed)
        print(_line(label, samples))


def run(db: Database, label: str, args: argparse.Namespace) -> None:
    migrate.upgrade(db.engine)
    seed_meetings(db, args.meetings)
    print(f"{label}")
    with FakeSlack() as slack:
        bench_feed(db, slack, args.meetings, args.requests)
        bench_schedule(db, slack, args.series)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        run(db, "SQLite", args)
        db.dispose()
    if args.pg:
        db = empty_postgres(args.pg)
        run(db, "PostgreSQL", args)
        db.dispose()


if __name__ == "__main__":
    main()
