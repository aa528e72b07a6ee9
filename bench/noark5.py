"""The Noark 5 package of a busy year: 10,000 decisions, 2,000 issues, 200 meetings (issue 17).

The year is made through the use cases, as people would make it (every issue with a note, an
acknowledgement and a closing decision; every meeting held with two agenda items), so the audit
trail and the search index are the real ones. Prints how long the seeding and the export took,
the package's size by file, and its counts.

    python bench/noark5.py [--pg postgresql+psycopg://…] [--decisions N] [--issues N] [--meetings N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from archive.noark5 import default_schemas_dir, write_package
from bot import decisions, issues, meetings
from bot.context import Actor, ManualClock
from bot.decisions import DecisionInput
from bot.issues import IssueInput
from bot.meetings import MeetingInput
from bot.runtime import Runtime
from bot.settings import load
from storage import migrate
from storage.db import Database

KARI = Actor("UKARI", "nb")
COORD = Actor("UCOORD", "nb", is_coordinator=True)
DEPARTMENTS = ("AUA", "RMA", "OPA", "ASA")
YEAR_START = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def runtime(url: str) -> Runtime:
    env = {"DATABASE_URL": url, "RETURBOT_COORDINATORS": COORD.user_id}
    db = Database(url)
    migrate.upgrade(db.engine)
    return Runtime(settings=load(env, need_slack=False), db=db, clock=ManualClock(YEAR_START))


def seed(rt: Runtime, n_decisions: int, n_issues: int, n_meetings: int) -> None:
    clock = rt.clock
    assert isinstance(clock, ManualClock)
    minutes = int(360 * 24 * 60 / max(1, n_decisions + n_issues + n_meetings))
    for i in range(n_issues):
        clock.advance(minutes=minutes)
        code = DEPARTMENTS[i % len(DEPARTMENTS)]
        with rt.db.session() as s:
            data = IssueInput(title=f"Sak {i} om returarbeid i {code}", departments=[code])
            number = issues.register(s, org=rt.org, actor=KARI, data=data, now=clock.now()).number
            issues.add_note(s, actor=KARI, number=number, text="Fulgt opp; æøå.", now=clock.now())
            issues.acknowledge(
                s, org=rt.org, actor=COORD, number=number, code=code, now=clock.now()
            )
            closing = decisions.log(
                s, org=rt.org, actor=KARI, now=clock.now(),
                data=DecisionInput(title=f"Løsning for sak {i}", issue=number),
            ).number  # fmt: skip
            issues.close(s, actor=KARI, number=number, decision=closing, text="", now=clock.now())
    for _ in range(n_meetings):
        clock.advance(minutes=minutes)
        with rt.db.session() as s:
            data = MeetingInput(series="network", start=clock.now() + timedelta(hours=2))
            made = meetings.schedule(s, org=rt.org, actor=COORD, data=data, now=clock.now())
            for item in ("Status", "Eventuelt"):
                meetings.add_agenda(
                    s, org=rt.org, actor=KARI, number=made.meeting.number, text=item,
                    now=clock.now(),
                )  # fmt: skip
    for i in range(n_decisions - n_issues):
        clock.advance(minutes=minutes)
        with rt.db.session() as s:
            title = f"Beslutning {i}: felles rutine for mottak og retur"
            decisions.log(s, org=rt.org, actor=KARI, data=DecisionInput(title=title),
                          now=clock.now())  # fmt: skip
    clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--issues", type=int, default=2_000)
    parser.add_argument("--meetings", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="noark5-bench-"))
    try:
        rt = runtime(args.pg or f"sqlite:///{work / 'bench.db'}")
        started = time.perf_counter()
        seed(rt, args.decisions, args.issues, args.meetings)
        seeded = time.perf_counter() - started
        out = work / "uttrekk-2026"
        started = time.perf_counter()
        with rt.db.session() as session:
            report = write_package(
                session, rt.org, start=date(2026, 1, 1), end=date(2026, 12, 31), out_dir=out,
                schemas_dir=default_schemas_dir(), now=rt.clock.now(),
            )  # fmt: skip
        took = time.perf_counter() - started
        sizes: Counter[str] = Counter()
        for path in out.rglob("*"):
            if path.is_file():
                top = path.relative_to(out).parts[0]
                sizes["DOKUMENT/" if top == "DOKUMENT" else top] += path.stat().st_size
        print(f"database: {rt.db.dialect}; seeded through the use cases in {seeded:.1f} s")
        print(
            f"export: {took:.1f} s; {report.folders} mapper, {report.registrations} "
            f"registreringer, {report.documents} documents, {report.journal_posts} journal "
            f"posts, {report.changes} changes; {len(report.left_out)} left out"
        )
        print(f"package: {sum(sizes.values()) / 1e6:.1f} MB")
        for name, size in sizes.most_common():
            print(f"  {name:28} {size / 1e6:8.2f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
