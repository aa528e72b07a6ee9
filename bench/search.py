"""The one search (SPEC §11): how good, against plain BM25, and how fast, at the register's size.

    python bench/search.py [--decisions 100000] [--issues 20000] [--meetings 2000]
                           [--queries 300] [--pg URL] [--relevance-only]

**Relevance** on the Norwegian set of `tests/support/relevance.py` (inflections, compounds, typos,
æøå, acronyms, English, an old best match among 300 newer partial ones): nDCG@10 (the first
group of a case graded 3, the next 2, the rest 1) and MRR@10 (the first record of the first
group), for returbot's engine and for two baselines over the same texts in SQLite's FTS5 with
its own BM25: *BM25 (any word)*, the plain one, and *BM25 (all words, then prefixes)*, the
decision search before this engine; with PostgreSQL, also its own ``norwegian`` configuration.

**Latency** of the use case (`bot.search.find`: the engine, the records and their snippets)
with 100,000 decisions, 20,000 issues with 5 notes each and 2,000 meetings with 4 agenda items,
on SQLite and on PostgreSQL (when TEST_DATABASE_URL or --pg is given; its public schema is
dropped): p50/p95/p99 over queries of 1-3 words, inflected, compound parts and typos mixed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bench.seed import WORDS, percentile
from bot import search as use_case
from storage import common, migrate, search
from storage.db import Database
from storage.models import AgendaItem, Decision, Issue, IssueNote, Meeting
from tests.support import relevance
from tests.support.postgres import empty_postgres

Ranker = Callable[[relevance.Case], list[str]]

# ---------------------------------------------------------------------------------------------
# relevance


def ndcg(case: relevance.Case, found: Sequence[str], k: int = 10) -> float:
    grades = {ref: max(1, 3 - i) for i, group in enumerate(case.groups) for ref in group}
    gained = sum(grades.get(ref, 0) / math.log2(at + 2) for at, ref in enumerate(found[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum(g / math.log2(at + 2) for at, g in enumerate(ideal))
    return gained / best if best else 0.0


def reciprocal_rank(case: relevance.Case, found: Sequence[str], k: int = 10) -> float:
    first = set(case.groups[0])
    return next((1 / (at + 1) for at, ref in enumerate(found[:k]) if ref in first), 0.0)


def ours(folder: str) -> Ranker:
    db = Database(f"sqlite:///{folder}/relevance.db")
    migrate.upgrade(db.engine)
    with db.session() as session:
        search.index(session, [document for _, document in relevance.documents()])
        session.commit()

    def rank(case: relevance.Case) -> list[str]:
        with db.session() as session:
            hits = search.search(session, case.query, kinds=case.kinds)
            return [relevance.ref_of(h) for h in hits]

    return rank


def bm25(*, all_words: bool) -> Ranker:
    """FTS5 over the same texts (unicode61, diacritics removed, no stemming), ranked by BM25."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(ref UNINDEXED, kind UNINDEXED, title, tags, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    connection.executemany(
        "INSERT INTO docs (ref, kind, title, tags, body) VALUES (?, ?, ?, ?, ?)",
        [(ref, d.kind, d.title, " ".join(d.tags), d.body) for ref, d in relevance.documents()],
    )

    def run(case: relevance.Case, words: list[str], joiner: str) -> list[str]:
        match = joiner.join(words)
        marks = ",".join("?" * len(case.kinds))
        rows = connection.execute(
            # the old engine weighed title 10, tags 5, text 1; the plain one weighs them alike
            f"SELECT ref FROM docs WHERE docs MATCH ? AND kind IN ({marks}) "
            f"ORDER BY bm25(docs, 0, 0, {'10, 5, 1' if all_words else '1, 1, 1'}), rowid DESC "
            "LIMIT 10",
            [match, *case.kinds],
        )
        return [r[0] for r in rows]

    def rank(case: relevance.Case) -> list[str]:
        words = search.query_words(case.query)
        if not all_words:
            return run(case, [f'"{w}"' for w in words], " OR ")
        found = run(case, [f'"{w}"' for w in words], " AND ")
        if len(found) < 10:
            found += [r for r in run(case, [f'"{w}"*' for w in words], " AND ") if r not in found]
        return found[:10]

    return rank


def postgres_norwegian(url: str) -> Ranker:
    """PostgreSQL's own ``norwegian`` text search configuration (its Snowball stemmer and stop
    words, every word required, ``ts_rank_cd`` with title A, tags B, text C), over the same
    texts: the other way the issue named, measured beside ours."""
    db = empty_postgres(url)
    with db.engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE plain (ref text, kind text, document tsvector, n serial)")
        )
        connection.execute(
            text(
                "INSERT INTO plain (ref, kind, document) VALUES (:ref, :kind, "
                "setweight(to_tsvector('norwegian', :title), 'A') || "
                "setweight(to_tsvector('norwegian', :tags), 'B') || "
                "setweight(to_tsvector('norwegian', :body), 'C'))"
            ),
            [
                {
                    "ref": r,
                    "kind": d.kind,
                    "title": d.title,
                    "tags": " ".join(d.tags),
                    "body": d.body,
                }
                for r, d in relevance.documents()
            ],
        )

    def rank(case: relevance.Case) -> list[str]:
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT ref FROM plain, plainto_tsquery('norwegian', :q) AS q "
                    "WHERE document @@ q AND kind = ANY(:kinds) "
                    "ORDER BY ts_rank_cd(document, q) DESC, n DESC LIMIT 10"
                ),
                {"q": case.query, "kinds": list(case.kinds)},
            )
            return [r[0] for r in rows]

    return rank


def relevance_report(folder: str, pg: str) -> None:
    rankers = {
        "returbot": ours(folder),
        "BM25 (any word)": bm25(all_words=False),
        "BM25 (all words, then prefixes)": bm25(all_words=True),
    }
    if pg:
        rankers["PostgreSQL 'norwegian' + ts_rank_cd"] = postgres_norwegian(pg)
    cases = relevance.CASES
    print(f"relevance: {len(cases)} queries, {len(list(relevance.documents()))} records")
    for name, rank in rankers.items():
        found = {case.query: rank(case) for case in cases}
        n = sum(ndcg(c, found[c.query]) for c in cases) / len(cases)
        mrr = sum(reciprocal_rank(c, found[c.query]) for c in cases) / len(cases)
        misses = sum(1 for c in cases if not found[c.query])
        print(f"  {name:<36} nDCG@10 {n:.3f}  MRR@10 {mrr:.3f}  queries with no result {misses}")


# ---------------------------------------------------------------------------------------------
# latency at size

SUFFIXES = ("", "", "en", "er", "ene", "et")
SERIES = ("nettverk", "kvartal", "styringsgruppe", "ledermøte")


def inflected(rng: random.Random) -> str:
    word = rng.choice(WORDS)
    if rng.random() < 0.15:  # a compound of two words
        word += rng.choice(WORDS)
    return word + rng.choice(SUFFIXES)


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(inflected(rng) for _ in range(n)).capitalize()


def seed(db: Database, decisions: int, issues: int, meetings: int) -> tuple[float, float]:
    """The records (bulk inserts) and then their index (as the use cases write it); the seconds."""
    rng = random.Random(11)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    documents: list[search.Document] = []
    began = time.perf_counter()
    with db.session() as session:
        rows = []
        for n in range(1, decisions + 1):
            title, details = sentence(rng, rng.randint(4, 9)), sentence(rng, rng.randint(15, 60))
            rows.append(
                {"id": n, "number": n, "title": title, "details": details, "decided_by": "",
                 "basis": "", "decided_on": date(2020, 1, 1) + timedelta(days=n // 50),
                 "author": "U00001", "status": "active", "created_at": start + timedelta(minutes=n)}
            )  # fmt: skip
            documents.append(
                search.decision_document(
                    n, title=title, tags=(), details=details, decided_by="", basis=""
                )
            )
        for first in range(0, len(rows), 5000):
            session.execute(insert(Decision), rows[first : first + 5000])
        rows, notes = [], []
        for n in range(1, issues + 1):
            title, body = sentence(rng, rng.randint(4, 9)), sentence(rng, rng.randint(10, 30))
            said = [sentence(rng, rng.randint(5, 20)) for _ in range(5)]
            moment = start + timedelta(minutes=decisions + n)
            rows.append(
                {"id": n, "number": n, "title": title, "description": body, "reporter": "U00001",
                 "owner": "U00001", "priority": "normal", "status": "open",
                 "created_at": moment, "last_activity_at": moment}
            )  # fmt: skip
            notes += [
                {"issue_id": n, "author": "U00002", "text": s, "created_at": moment} for s in said
            ]
            documents.append(search.issue_document(n, title=title, description=body, notes=said))
        for first in range(0, len(rows), 5000):
            session.execute(insert(Issue), rows[first : first + 5000])
        for first in range(0, len(notes), 5000):
            session.execute(insert(IssueNote), notes[first : first + 5000])
        rows, items = [], []
        for n in range(1, meetings + 1):
            title, series = sentence(rng, rng.randint(2, 4)), rng.choice(SERIES)
            agenda = [sentence(rng, rng.randint(4, 12)) for _ in range(4)]
            moment = start + timedelta(minutes=decisions + issues + n)
            rows.append(
                {"id": n, "number": n, "series_key": series, "title": title, "starts_at": moment,
                 "ends_at": moment + timedelta(hours=2), "place": "Møterom 3",
                 "status": "scheduled", "sequence": 0, "created_by": "U00001",
                 "created_at": moment, "updated_at": moment}
            )  # fmt: skip
            items += [
                {"meeting_id": n, "text": a, "author": "U00001", "created_at": moment}
                for a in agenda
            ]
            documents.append(
                search.meeting_document(
                    n, title=title, place="Møterom 3", series=series, agenda=agenda
                )
            )
        session.execute(insert(Meeting), rows)
        session.execute(insert(AgendaItem), items)
        for kind, value in (("D", decisions), ("I", issues), ("M", meetings)):
            common.set_numbering(session, kind, value)
        session.commit()
        records = time.perf_counter() - began
        began = time.perf_counter()
        for first in range(0, len(documents), 2000):
            search.index(session, documents[first : first + 2000])
        session.commit()
        indexed = time.perf_counter() - began
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return records, indexed


def queries(count: int) -> Iterator[tuple[str, str]]:
    """(kind of query, query): inflected words, compound parts, typos; 1 to 3 words."""
    rng = random.Random(5)
    for i in range(count):
        shape = ("words", "words", "inflected", "part", "typo")[i % 5]
        n = 1 + i % 3
        if shape == "words":
            yield shape, " ".join(rng.sample(WORDS, n))
        elif shape == "inflected":
            yield shape, " ".join(w + rng.choice(("en", "ene", "er")) for w in rng.sample(WORDS, n))
        elif shape == "part":
            yield shape, rng.choice([w for w in WORDS if len(w) >= 6])[:5]
        else:
            word = rng.choice([w for w in WORDS if len(w) >= 7])
            at = rng.randrange(1, len(word) - 1)
            yield shape, word[:at] + word[at + 1 :] + "x" * (i % 2)


def measure(db: Database, count: int) -> None:
    samples: dict[str, list[float]] = {}
    hits = 0
    for shape, query in queries(count):
        began = time.perf_counter()
        with db.session() as session:
            hits += len(use_case.find(session, words=query))
        samples.setdefault(shape, []).append((time.perf_counter() - began) * 1000)
    every = [s for values in samples.values() for s in values]
    print(
        f"  all {len(every)} queries: p50 {percentile(every, 50):6.2f} ms  "
        f"p95 {percentile(every, 95):6.2f} ms  p99 {percentile(every, 99):6.2f} ms  "
        f"(avg {hits / len(every):.1f} hits)"
    )
    for shape, values in samples.items():
        print(
            f"  {shape:<9} {len(values):>4}:  p50 {percentile(values, 50):6.2f} ms  "
            f"p95 {percentile(values, 95):6.2f} ms  p99 {percentile(values, 99):6.2f} ms"
        )


def size(db: Database) -> None:
    with db.session() as session:
        vocabulary = session.scalar(text("SELECT count(*) FROM search_vocab"))
        docs = session.scalar(text("SELECT count(*) FROM search_docs"))
    print(f"  index: {docs} records, vocabulary of {vocabulary} word forms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--meetings", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--relevance-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        relevance_report(folder, args.pg)
        if args.relevance_only:
            return
        print(
            f"latency: {args.decisions} decisions, {args.issues} issues (5 notes each), "
            f"{args.meetings} meetings (4 agenda items each), {args.queries} queries"
        )
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db.engine)
        records, indexed = seed(db, args.decisions, args.issues, args.meetings)
        print(f"SQLite: records {records:.1f} s, index {indexed:.1f} s")
        size(db)
        measure(db, args.queries)
        db.dispose()
    if not args.pg:
        print("PostgreSQL: skipped (set TEST_DATABASE_URL or --pg)")
        return
    db = empty_postgres(args.pg)
    records, indexed = seed(db, args.decisions, args.issues, args.meetings)
    print(f"PostgreSQL: records {records:.1f} s, index {indexed:.1f} s")
    size(db)
    measure(db, args.queries)
    db.dispose()


if __name__ == "__main__":
    main()
