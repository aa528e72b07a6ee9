"""`/issue list` over 20,000 issues: latency percentiles through Bolt (signed request, in-process
dispatch, real database), for the default list and filtered ones.

    python bench/issue_list.py [--issues 20000] [--requests 300] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt.request import BoltRequest
from sqlalchemy import insert, text

from bench.seed import DEPARTMENTS, percentile, sentence
from bot import settings as settings_module
from returbot import wiring
from storage import common, migrate
from storage.db import Database
from storage.models import Issue, IssueDepartment
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres


def seed_issues(db: Database, count: int, users: int = 200) -> None:
    rng = random.Random(11)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    with db.session() as session:
        for first in range(1, count + 1, 5000):
            numbers = range(first, min(first + 5000, count + 1))
            session.execute(
                insert(Issue),
                [
                    {
                        "id": n,
                        "number": n,
                        "title": sentence(rng, rng.randint(4, 9)),
                        "description": sentence(rng, 20),
                        "reporter": f"U{rng.randint(1, users):05d}",
                        "owner": f"U{rng.randint(1, users):05d}",
                        "priority": rng.choice(("low", "normal", "normal", "high")),
                        "due": (date(2026, 10, 1) + timedelta(days=rng.randint(0, 150)))
                        if rng.random() < 0.6
                        else None,
                        "status": "open" if rng.random() < 0.5 else "closed",
                        "created_at": now - timedelta(minutes=count - n),
                        "last_activity_at": now - timedelta(minutes=count - n),
                    }
                    for n in numbers
                ],
            )
            session.execute(
                insert(IssueDepartment),
                [
                    {"issue_id": n, "department": code}
                    for n in numbers
                    for code in rng.sample(DEPARTMENTS, rng.randint(1, 3))
                ],
            )
        common.set_numbering(session, "I", count)
    if db.dialect == "postgresql":
        with db.session() as session:  # new issues are numbered after the seeded ones
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('issues', 'id'), :n)"), {"n": count}
            )
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def measure(db: Database, slack: FakeSlack, requests: int, label: str) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
    }
    rt = wiring.runtime(settings_module.load(env), db=db)
    app = wiring.slack_app(rt)
    rng = random.Random(5)
    forms = ["list", "list dept:RMA", "list mine", "list status:all", "list dept:PU status:closed"]
    samples: dict[str, list[float]] = {form: [] for form in forms}
    for i in range(requests + 20):
        form = forms[i % len(forms)]
        body = slackreq.slash_body("/issue", form, user_id=f"U{rng.randint(1, 200):05d}")
        headers = {k.lower(): [v] for k, v in slackreq.sign(body).items()}
        started = time.perf_counter()
        response = app.dispatch(BoltRequest(body=body, headers=headers))
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status == 200 and "I-" in response.body, response.body[:200]
        if i >= 20:
            samples[form].append(elapsed)
    everything = [v for values in samples.values() for v in values]
    print(
        f"{label:<11} all forms n={len(everything)}  p50={percentile(everything, 50):6.2f} ms  "
        f"p95={percentile(everything, 95):6.2f} ms  p99={percentile(everything, 99):6.2f} ms"
    )
    for form, values in samples.items():
        print(f"{'':<11} {form:<28} p95={percentile(values, 95):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with FakeSlack() as slack:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{folder}/bench.db")
            migrate.upgrade(db.engine)
            seed_issues(db, args.issues)
            measure(db, slack, args.requests, "SQLite")
            db.dispose()
        if args.pg:
            db = empty_postgres(args.pg)
            seed_issues(db, args.issues)
            measure(db, slack, args.requests, "PostgreSQL")
            db.dispose()


if __name__ == "__main__":
    main()
