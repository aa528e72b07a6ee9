"""The register in a browser (SPEC §9): how fast each page is, and how heavy, at the register's
size.

    python bench/web.py [--decisions 100000] [--issues 20000] [--meetings 2000] [--runs 30]
                        [--pg URL]

The records are bulk-inserted with their search index (``bench/search.py``'s ``seed``), then
given what the pages and reports read: one to three departments and up to two tags a
decision; one to three departments an issue, registered over the last two years, most closed,
most departments acknowledged hours to days later, a third with a due date; meetings from two
years back to half a year ahead. Each page is asked ``--runs`` times through the Flask app (the
WSGI call a waitress thread makes, signed in), after one warm-up; p50 and p95 in milliseconds,
the page's weight in KiB (the HTML; for /reports also its four SVG charts), and whether it is
within its goal (150 ms; 400 ms for /reports). On SQLite, and on PostgreSQL when
TEST_DATABASE_URL or --pg is given (its public schema is dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text, update

from bench.search import seed as seed_records
from bench.seed import DEPARTMENTS, TAGS, percentile
from bot import acklinks, issues
from bot.context import ManualClock
from returbot import wiring
from storage import migrate
from storage.db import Database
from storage.models import (
    Decision,
    DecisionDepartment,
    DecisionTag,
    Issue,
    IssueDepartment,
    Meeting,
)
from tests.conftest import COORDINATOR, make_settings
from tests.support.postgres import empty_postgres

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
PAGE_GOAL, REPORTS_GOAL = 150.0, 400.0
CHUNK = 5000


def shape(db: Database, decisions: int, issue_count: int, meetings: int) -> str:
    """Departments, tags, dates, closings and acknowledgements on the bulk records; a one-click
    link's token for the /ack page."""
    rng = random.Random(3)
    with db.session() as session:
        first_day = (NOW - timedelta(days=5 * 365)).date()
        rows: list[dict[str, Any]] = []
        departments: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        for n in range(1, decisions + 1):
            decided = first_day + timedelta(days=(n * 5 * 365) // decisions)
            rows.append({"id": n, "decided_on": min(decided, NOW.date())})
            for code in rng.sample(DEPARTMENTS, rng.randint(1, 3)):
                departments.append({"decision_id": n, "department": code})
            for tag in rng.sample(TAGS, rng.randint(0, 2)):
                tags.append({"decision_id": n, "tag": tag})
        for at in range(0, len(rows), CHUNK):
            session.execute(update(Decision), rows[at : at + CHUNK])
        session.execute(insert(DecisionDepartment), departments)
        session.execute(insert(DecisionTag), tags)

        rows, departments = [], []
        for n in range(1, issue_count + 1):
            created = NOW - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
            closed = rng.random() < 0.8 and created < NOW - timedelta(days=3)
            closed_at = created + timedelta(days=rng.uniform(1, 60)) if closed else None
            if closed_at is not None and closed_at >= NOW:
                closed_at = None
            due = (created + timedelta(days=rng.randint(3, 60))).date()
            rows.append(
                {"id": n, "created_at": created, "last_activity_at": created,
                 "status": "closed" if closed_at else "open", "closed_at": closed_at,
                 "due": due if rng.random() < 0.33 else None,
                 "priority": rng.choice(("low", "normal", "normal", "high"))}
            )  # fmt: skip
            for code in rng.sample(DEPARTMENTS, rng.randint(1, 3)):
                acked = rng.random() < 0.7
                at = created + timedelta(hours=rng.expovariate(1 / 20)) if acked else None
                departments.append(
                    {"issue_id": n, "department": code,
                     "acked_by": "U00003" if at and at < NOW else None,
                     "acked_at": at if at and at < NOW else None}
                )  # fmt: skip
        for at in range(0, len(rows), CHUNK):
            session.execute(update(Issue), rows[at : at + CHUNK])
        for at in range(0, len(departments), CHUNK):
            session.execute(insert(IssueDepartment), departments[at : at + CHUNK])

        rows = []
        for n in range(1, meetings + 1):
            starts = NOW - timedelta(days=730) + timedelta(hours=(n * 913 * 24) // meetings)
            rows.append({"id": n, "starts_at": starts, "ends_at": starts + timedelta(hours=2)})
        session.execute(update(Meeting), rows)
        session.commit()
        issue = issues.get(session, issue_count)
        token = acklinks.make(
            session, issue=issue, department=issue.departments[0].department,
            address="vakt@pu.no", now=NOW,
        )  # fmt: skip
        session.commit()
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return token


def pages(decisions: int, issue_count: int, meetings: int, token: str) -> list[str]:
    return [
        "/decisions",
        f"/decisions?page={max(1, decisions // 500)}",
        "/decisions?department=RMA&tag=retur",
        "/decisions?status=active&since=2026-01-01",
        "/decisions?q=dublin",
        f"/decisions/D-{decisions // 2}",
        "/issues",
        f"/issues?page={max(1, issue_count // 1000)}",
        f"/issues/I-{issue_count // 2}",
        "/meetings",
        "/meetings?when=past",
        f"/meetings/M-{meetings // 2}",
        "/search?q=tolk",
        "/search?q=retur+dublin&kind=decision",
        "/reports",
        "/reports/open.svg",
        "/reports/ack.svg",
        "/reports/decisions.svg",
        "/reports/overdue.svg",
        f"/ack/{token}",
    ]


def measure(db: Database, runs: int, decisions: int, issue_count: int, meetings: int) -> None:
    token = shape(db, decisions, issue_count, meetings)
    settings = make_settings(
        RETURBOT_PUBLIC_URL="http://127.0.0.1:3000",
        SLACK_CLIENT_ID="1.2",
        SLACK_CLIENT_SECRET="bench-client-secret",
        RETURBOT_SECRET_KEY="a-secret-key-for-the-benchmark-session",
    )
    rt = wiring.runtime(settings, db=db, clock=ManualClock(NOW))
    app = wiring.web_app(rt)
    assert app is not None
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = {"id": COORDINATOR, "team": "T1", "name": "Bench", "at": NOW.timestamp()}
    print(f"  {'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'KiB':>7}  goal")
    weight_reports = 0.0
    for path in pages(decisions, issue_count, meetings, token):
        first = client.get(path)
        assert first.status_code == 200, (
            path,
            first.status_code,
            first.get_data(as_text=True)[:300],
        )
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            answer = client.get(path)
            answer.get_data()
            times.append((time.perf_counter() - began) * 1000)
        kib = len(first.get_data()) / 1024
        if path.startswith("/reports"):
            weight_reports += kib
        goal = REPORTS_GOAL if path == "/reports" else PAGE_GOAL
        p95 = percentile(times, 95)
        shown = path if not path.startswith("/ack/") else "/ack/<token>"
        print(
            f"  {shown:<44} {percentile(times, 50):8.1f} {p95:8.1f} {kib:7.1f}  "
            f"{'ok' if p95 < goal else 'OVER'} (< {goal:.0f})"
        )
    css = client.get("/static/style.css")
    print(
        f"  /reports with its four charts: {weight_reports:.1f} KiB; "
        f"the stylesheet {len(css.get_data()) / 1024:.1f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--meetings", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    sizes = (args.decisions, args.issues, args.meetings)
    print(
        f"{args.decisions} decisions, {args.issues} issues, {args.meetings} meetings; "
        f"{args.runs} runs a page"
    )
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        began = time.perf_counter()
        seed_records(db, *sizes)
        print(f"SQLite (seeded in {time.perf_counter() - began:.0f} s):")
        measure(db, args.runs, *sizes)
        db.dispose()
    if not args.pg:
        print("PostgreSQL: skipped (set TEST_DATABASE_URL or --pg)")
        return
    db = empty_postgres(args.pg)
    began = time.perf_counter()
    seed_records(db, *sizes)
    print(f"PostgreSQL (seeded in {time.perf_counter() - began:.0f} s):")
    measure(db, args.runs, *sizes)
    db.dispose()


if __name__ == "__main__":
    main()
