"""The Home tab of a user with 500 open issues, in a database of 20,000 issues, 100,000
decisions and 2,000 meetings, with eight department channels of 300 members each.

    python bench/home.py [--issues 20000] [--decisions 100000] [--meetings 2000] [--runs 200]
                         [--pg URL]

Figures, in milliseconds:
- view: compose and render the tab (department channels' members cached, as after the first open);
- publish: the same plus ``views.publish`` through the real WebClient to a local fake Slack;
- cold: the first view of a process, reading the eight channels' members from Slack;
- event: the ``app_home_opened`` request through Bolt (signed) until its HTTP answer, against a
  bare Bolt app acknowledging the same event (the tab is published after the answer).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import select, text, update

from bench.bare_bolt import bare_bolt
from bench.issue_list import seed_issues
from bench.meetings import NOW, seed_meetings
from bench.seed import DEPARTMENTS, percentile, seed_decisions
from bot import settings as settings_module
from bot.context import ManualClock
from handlers.app import make_client
from handlers.home import HomeTab
from returbot import wiring
from storage import home as home_store
from storage import migrate
from storage.common import bind_channel
from storage.db import Database
from storage.models import Issue
from tests.support import slackreq
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres

USER = "UHOME"
OPEN_ISSUES = 500


def seed(db: Database, slack: FakeSlack, args: argparse.Namespace) -> None:
    seed_issues(db, args.issues)
    seed_decisions(db, args.decisions)
    seed_meetings(db, args.meetings)
    with db.session() as session:
        mine = session.scalars(
            select(Issue.id).where(Issue.status == "open").order_by(Issue.id).limit(OPEN_ISSUES)
        ).all()
        session.execute(update(Issue).where(Issue.id.in_(mine)).values(owner=USER))
        for code in DEPARTMENTS:
            bind_channel(session, f"dept:{code}", f"C{code}", "UCOORD")
        home_store.record_opened(session, USER, NOW.isoformat())
    for n, code in enumerate(DEPARTMENTS):
        members = [f"U{n}{m:05d}" for m in range(300)]
        slack.set_members(f"C{code}", [*members, USER] if code in ("RMA", "PU") else members)
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def timed(fn: Callable[[], object], runs: int, warm: int = 10) -> list[float]:
    out = []
    for i in range(runs + warm):
        started = time.perf_counter()
        fn()
        if i >= warm:
            out.append((time.perf_counter() - started) * 1000)
    return out


def line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<30} n={len(values):<4} p50={percentile(values, 50):7.2f} ms  "
        f"p95={percentile(values, 95):7.2f} ms  p99={percentile(values, 99):7.2f} ms"
    )


def measure(db: Database, slack: FakeSlack, runs: int, label: str) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "RETURBOT_COORDINATORS": "UCOORD",
    }
    rt = wiring.runtime(settings_module.load(env), db=db, clock=ManualClock(NOW))
    client = make_client("xoxb-bench", slack.url)
    tab = HomeTab(rt, client)
    view = tab.view(USER)
    blocks = view["blocks"]
    longest = max(len(b.get("text", {}).get("text", "")) for b in blocks)
    print(f"{label}: {len(blocks)} blocks, longest section {longest} characters")
    print(line("view (members cached)", timed(lambda: tab.view(USER), runs)))
    print(line("view + views.publish", timed(lambda: tab.publish(USER), runs)))

    def cold() -> None:
        HomeTab(rt, client).view(USER)

    print(line("cold (8 × conversations.members)", timed(cold, max(20, runs // 10), warm=2)))

    app = wiring.slack_app(rt)
    bare = bare_bolt(slack.url)
    event = {"type": "app_home_opened", "user": USER, "channel": "DHOME", "tab": "home"}

    def dispatch(target: App) -> Callable[[], object]:
        def once() -> None:
            body = slackreq.event_body(event)
            headers: dict[str, str | Sequence[str]] = {
                k.lower(): [v] for k, v in slackreq.sign(body).items()
            }
            response = target.dispatch(BoltRequest(body=body, headers=headers))
            assert response.status == 200, response.body

        return once

    ours = timed(dispatch(app), runs)
    assert rt.home is not None and rt.home.wait_idle(60)
    theirs = timed(dispatch(bare), runs)
    print(line("event answered (returbot)", ours))
    print(line("event answered (bare Bolt)", theirs))
    print(f"  p50 ratio returbot / bare Bolt = {percentile(ours, 50) / percentile(theirs, 50):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--meetings", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with FakeSlack() as slack:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{folder}/bench.db")
            migrate.upgrade(db.engine)
            seed(db, slack, args)
            measure(db, slack, args.runs, "SQLite")
            db.dispose()
        if args.pg:
            db = empty_postgres(args.pg)
            seed(db, slack, args)
            with db.session() as session:
                for table, count in (("issues", args.issues), ("meetings", args.meetings)):
                    session.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                        {"n": count},
                    )
            measure(db, slack, args.runs, "PostgreSQL")
            db.dispose()


if __name__ == "__main__":
    main()
