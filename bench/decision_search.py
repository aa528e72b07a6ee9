"""`/decision search` over 100,000 decisions: latency percentiles on SQLite and PostgreSQL.

    python bench/decision_search.py [--rows 100000] [--queries 300]

PostgreSQL is measured when TEST_DATABASE_URL (or --pg URL) answers; it uses a scratch schema.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.seed import WORDS, percentile, seed_decisions
from bot import decisions
from storage import migrate
from storage.db import Database
from tests.support.postgres import empty_postgres


def measure(db: Database, queries: int) -> dict[str, float]:
    rng = random.Random(3)
    samples: list[float] = []
    hits = 0
    for i in range(queries):
        words = " ".join(rng.sample(WORDS, 1 + i % 3))
        started = time.perf_counter()
        with db.session() as session:
            hits += len(decisions.find(session, words))
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "avg_hits": hits / queries,
    }


def report(name: str, rows: int, seconds: float, figures: dict[str, float]) -> None:
    print(
        f"{name:<11} rows={rows:>7}  seeded in {seconds:5.1f}s  "
        f"search p50={figures['p50']:6.2f} ms  p95={figures['p95']:6.2f} ms  "
        f"p99={figures['p99']:6.2f} ms  (avg {figures['avg_hits']:.1f} results)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        seed_decisions(db, args.rows)
        report("SQLite", args.rows, time.perf_counter() - started, measure(db, args.queries))
        db.dispose()
    if not args.pg:
        print("PostgreSQL   skipped (set TEST_DATABASE_URL)")
        return
    db = empty_postgres(args.pg)
    started = time.perf_counter()
    seed_decisions(db, args.rows)
    report("PostgreSQL", args.rows, time.perf_counter() - started, measure(db, args.queries))
    db.dispose()


if __name__ == "__main__":
    main()
