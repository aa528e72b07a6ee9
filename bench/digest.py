"""The weekly digest (compose + render) with 100,000 decisions, 20,000 issues and 2,000 meetings,
and the same week on a 10,000-decision history: its cost must not grow with history.

    python bench/digest.py [--histories 10000,100000] [--week-decisions 300] [--issues 20000]
                           [--old-issues 0] [--meetings 2000] [--runs 50] [--show] [--pg URL]

The clock stands at Wednesday 25 November 2026 09:30 UTC (ISO week 2026-W48). Each history size
gets a fresh database: ``history`` decisions from 2020 (``bench.seed``), then the same week on
top — ``--week-decisions`` decisions logged since Monday, the 20,000 issues of the issue-list
bench spread over the last two and a half years (about 60 opened this week, the closed half
given closing times, so some closed this week; thousands open, a couple of thousand overdue,
a few hundred waiting for a department's acknowledgement) and the meetings bench's 2,000
meetings (about twenty in the next 14 days). ``--old-issues N`` adds N closed, acknowledged issues
from the years before, to see whether the issue queries grow with the issue history as well.
PostgreSQL is vacuumed and analysed after seeding.

Measured in-process on the real database: ``bot.digest.compose(session, org, now)`` followed by
``handlers.views.digest.render(digest, org, "nb")``, each run in its own session, ``--runs``
runs after a warm-up (the target: under 300 ms at 100,000 decisions, and no growth from 10,000);
then each ``storage.digest`` query on its own, to tell which one moves.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from bench.issue_list import seed_issues
from bench.meetings import seed_meetings
from bench.seed import DEPARTMENTS, TAGS, percentile, seed_decisions, sentence
from bot import digest, orgconfig
from bot import settings as settings_module
from bot.orgconfig import OrgConfig
from bot.text.i18n import Lang
from handlers.views import digest as views
from returbot.console import render_blocks
from storage import common, migrate
from storage import digest as store
from storage.db import Database
from storage.models import (
    Decision,
    DecisionDepartment,
    DecisionTag,
    Issue,
    IssueDepartment,
)
from tests.support.postgres import empty_postgres

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # a Wednesday, ISO week 2026-W48
LANG: Lang = "nb"
ISSUE_STEP = timedelta(minutes=60)  # one issue an hour: 20,000 issues over ~2.3 years
WARMUP = 5


def seed_week_decisions(db: Database, org: OrgConfig, first: int, count: int) -> None:
    """``count`` decisions (numbers from ``first``) logged between Monday 00:00 and now."""
    rng = random.Random(48)
    week = digest.week_of(NOW, org)
    span = NOW - timedelta(minutes=1) - week.start
    numbers = range(first, first + count)
    created = {n: week.start + span * ((n - first + 1) / count) for n in numbers}
    with db.session() as session:
        session.execute(
            insert(Decision),
            [
                {
                    "id": n,
                    "number": n,
                    "title": sentence(rng, rng.randint(4, 9)),
                    "details": sentence(rng, rng.randint(15, 60)),
                    "decided_by": rng.choice(("AUAs ledermøte", "linjen", "styringsgruppen")),
                    "basis": "",
                    "decided_on": created[n].astimezone(org.timezone).date(),
                    "author": f"U{rng.randint(1, 400):05d}",
                    "status": "active",
                    "created_at": created[n],
                }
                for n in numbers
            ],
        )
        session.execute(
            insert(DecisionDepartment),
            [
                {"decision_id": n, "department": code}
                for n in numbers
                for code in rng.sample(DEPARTMENTS, rng.randint(1, 3))
            ],
        )
        session.execute(
            insert(DecisionTag),
            [
                {"decision_id": n, "tag": tag}
                for n in numbers
                for tag in rng.sample(TAGS, rng.randint(0, 2))
            ],
        )
        last = first + count - 1
        common.set_numbering(session, "D", last)
        if db.dialect == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('decisions', 'id'), :n)"), {"n": last}
            )


def shape_issues(db: Database, count: int) -> None:
    """Give ``seed_issues``' rows a history: one opened an hour up to now, closing times for the
    closed ones, and acknowledgements from every department but a few (5 % of the issues, and
    RMA and PU on the last week's)."""
    rng = random.Random(13)
    with db.session() as session:
        statuses = {n: status for n, status in session.execute(select(Issue.id, Issue.status))}
        rows = []
        for n in range(1, count + 1):
            created = NOW - ISSUE_STEP * (count - n) - timedelta(minutes=1)
            closed = None
            if statuses[n] == "closed":
                closed = created + timedelta(hours=rng.uniform(1, 45 * 24))
                if closed >= NOW:
                    closed = created + (NOW - created) * rng.random()
            rows.append(
                {
                    "id": n,
                    "created_at": created,
                    "last_activity_at": closed or created,
                    "closed_at": closed,
                    "closed_by": f"U{rng.randint(1, 200):05d}" if closed else None,
                }
            )
        for at in range(0, len(rows), 5000):
            session.execute(update(Issue), rows[at : at + 5000])
        session.execute(
            update(IssueDepartment).values(acked_by="U00001", acked_at=NOW - timedelta(days=1))
        )
        recent = count - 7 * 24  # opened in the last seven days
        session.execute(
            update(IssueDepartment)
            .where(
                (IssueDepartment.issue_id % 20 == 0)
                | (
                    (IssueDepartment.issue_id > recent)
                    & IssueDepartment.department.in_(("RMA", "PU"))
                )
            )
            .values(acked_by=None, acked_at=None)
        )
        if db.dialect == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('issues', 'id'), :n)"), {"n": count}
            )


def seed_old_issues(db: Database, first: int, count: int) -> None:
    """``count`` closed, acknowledged issues (numbers from ``first``) from the years before."""
    rng = random.Random(17)
    end = NOW - ISSUE_STEP * first
    with db.session() as session:
        for chunk in range(first, first + count, 5000):
            numbers = range(chunk, min(chunk + 5000, first + count))
            created = {n: end - timedelta(minutes=30) * (first + count - n) for n in numbers}
            session.execute(
                insert(Issue),
                [
                    {
                        "id": n,
                        "number": n,
                        "title": sentence(rng, rng.randint(4, 9)),
                        "description": sentence(rng, 20),
                        "reporter": f"U{rng.randint(1, 200):05d}",
                        "owner": f"U{rng.randint(1, 200):05d}",
                        "priority": "normal",
                        "due": created[n].date() + timedelta(days=30) if n % 2 else None,
                        "status": "closed",
                        "created_at": created[n],
                        "last_activity_at": created[n] + timedelta(days=3),
                        "closed_at": created[n] + timedelta(days=3),
                        "closed_by": "U00001",
                    }
                    for n in numbers
                ],
            )
            session.execute(
                insert(IssueDepartment),
                [
                    {
                        "issue_id": n,
                        "department": code,
                        "acked_by": "U00001",
                        "acked_at": created[n] + timedelta(days=1),
                    }
                    for n in numbers
                    for code in rng.sample(DEPARTMENTS, rng.randint(1, 3))
                ],
            )
        last = first + count - 1
        common.set_numbering(session, "I", last)
        if db.dialect == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('issues', 'id'), :n)"), {"n": last}
            )


def prepare(db: Database, org: OrgConfig, history: int, args: argparse.Namespace) -> None:
    migrate.upgrade(db.engine)
    seed_decisions(db, history)
    seed_week_decisions(db, org, history + 1, args.week_decisions)
    seed_issues(db, args.issues)
    shape_issues(db, args.issues)
    if args.old_issues:
        seed_old_issues(db, args.issues + 1, args.old_issues)
    seed_meetings(db, args.meetings)
    if db.dialect == "postgresql":
        # the bulk updates leave dead row versions, stale index entries and an unset visibility
        # map, which autovacuum clears on a live server at a time of its choosing: clear them
        # now, so that the figures do not depend on whether it ran during the measurement
        with db.engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.execute(text("VACUUM ANALYZE"))


def build(db: Database, org: OrgConfig) -> tuple[digest.Digest, list[dict[str, Any]]]:
    with db.session() as session:
        found = digest.compose(session, org, NOW)
        _, blocks = views.render(found, org, LANG)
    return found, blocks


def _section_chars(block: dict[str, Any]) -> int:
    if block.get("type") != "section":
        return 0
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(f["text"]) for f in block.get("fields", []))


def _queries(org: OrgConfig) -> dict[str, Callable[[Session], object]]:
    """Each storage.digest call of ``compose``, with the arguments it gets there."""
    week = digest.week_of(NOW, org)
    start, end, shown = week.start, week.end, digest.SHOWN
    today = NOW.astimezone(org.timezone).date()
    ahead = NOW + timedelta(days=org.lookahead_days)
    return {
        "decisions_logged": lambda s: store.decisions_logged(s, start, end, shown),
        "decisions_per_department": lambda s: store.decisions_per_department(s, start, end),
        "issues_opened": lambda s: store.issues_opened(s, start, end, shown),
        "issues_closed": lambda s: store.issues_closed(s, start, end, shown),
        "issues_overdue": lambda s: store.issues_overdue(s, today, shown),
        "waiting_for_ack": lambda s: store.waiting_for_ack(s, shown),
        "open_per_department": lambda s: store.open_per_department(s, today),
        "meetings_ahead": lambda s: store.meetings_ahead(s, NOW, ahead, shown),
    }


@dataclass
class Result:
    total: list[float] = field(default_factory=list)  # compose + render, ms
    render: list[float] = field(default_factory=list)
    queries: dict[str, list[float]] = field(default_factory=dict)
    blocks: int = 0
    longest: int = 0  # characters of the longest section block
    found: digest.Digest | None = None
    shown: str = ""  # the digest as a reader sees it


def measure(db: Database, org: OrgConfig, runs: int) -> Result:
    out = Result()
    for i in range(WARMUP + runs):
        started = time.perf_counter()
        found, blocks = build(db, org)
        elapsed = (time.perf_counter() - started) * 1000
        if i >= WARMUP:
            out.total.append(elapsed)
    out.found, out.blocks = found, len(blocks)
    out.longest = max(_section_chars(b) for b in blocks)
    out.shown = render_blocks(blocks)
    for _ in range(runs):
        started = time.perf_counter()
        views.render(found, org, LANG)
        out.render.append((time.perf_counter() - started) * 1000)
    for name, query in _queries(org).items():
        samples = out.queries.setdefault(name, [])
        with db.session() as session:
            for i in range(WARMUP + runs):
                started = time.perf_counter()
                query(session)
                elapsed = (time.perf_counter() - started) * 1000
                session.expunge_all()  # every call loads its rows afresh, as in a new session
                if i >= WARMUP:
                    samples.append(elapsed)
    return out


def _figures(values: list[float]) -> str:
    return (
        f"n={len(values):<3} p50={percentile(values, 50):7.2f} ms  "
        f"p95={percentile(values, 95):7.2f} ms  p99={percentile(values, 99):7.2f} ms"
    )


def report(label: str, results: dict[int, Result]) -> None:
    print(label)
    for history, result in results.items():
        found = result.found
        assert found is not None and not found.is_empty
        print(f"  {history:>7,} decisions of history: compose+render {_figures(result.total)}")
    for history, result in results.items():
        found = result.found
        assert found is not None
        print(
            f"  {history:>7,}: week {found.week.label}: {found.decisions_total} decisions, "
            f"{found.opened_total} opened, {found.closed_total} closed, "
            f"{found.overdue_total} overdue, {found.waiting_total} waiting for ack, "
            f"{found.meetings_total} meetings ahead; {result.blocks} blocks, "
            f"longest section {result.longest:,} characters"
        )
    sizes = sorted(results)
    small, large = results[sizes[0]], results[sizes[-1]]
    if len(sizes) > 1:
        ratios = "  ".join(
            f"p{p}={percentile(large.total, p) / percentile(small.total, p):.2f}x"
            for p in (50, 95, 99)
        )
        print(f"  ratio {sizes[-1]:,} / {sizes[0]:,}: {ratios}")
    worst = percentile(large.total, 99)
    verdict = "within" if worst < 300 else "OVER"
    print(f"  p99 at {sizes[-1]:,} decisions: {worst:.2f} ms, {verdict} the 300 ms target")
    print(f"  render alone (p50): {percentile(large.render, 50):.2f} ms")
    print(f"  storage.digest queries, p50 at {sizes[0]:,} -> {sizes[-1]:,} decisions:")
    for name in large.queries:
        before = percentile(small.queries[name], 50)
        after = percentile(large.queries[name], 50)
        print(f"    {name:<26} {before:7.2f} ms -> {after:7.2f} ms  ({after / before:.2f}x)")


def run(label: str, make_db: Callable[[], Database], args: argparse.Namespace) -> None:
    org = orgconfig.load()
    results: dict[int, Result] = {}
    for history in args.histories:
        db = make_db()
        try:
            prepare(db, org, history, args)
            results[history] = measure(db, org, args.runs)
        finally:
            db.dispose()
    report(label, results)
    if args.show:
        print(results[max(results)].shown)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--histories",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[10_000, 100_000],
        help="decision history sizes, comma-separated",
    )
    parser.add_argument("--week-decisions", type=int, default=300)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument(
        "--old-issues",
        type=int,
        default=0,
        help="closed, acknowledged issues from the years before, on top of --issues",
    )
    parser.add_argument("--meetings", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--show", action="store_true", help="print the largest run's digest")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        made = iter(range(len(args.histories)))
        run("SQLite", lambda: Database(f"sqlite:///{folder}/bench{next(made)}.db"), args)
    if args.pg:
        url = settings_module.normalise_database_url(args.pg)

        def fresh_pg() -> Database:
            return empty_postgres(url)

        run("PostgreSQL", fresh_pg, args)


if __name__ == "__main__":
    main()
