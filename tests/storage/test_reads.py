"""Reads the hot paths lean on, on a real SQLite file and a real PostgreSQL: the issue the
outbox composes a notice from (compiled once, its rows made objects as the ORM would load
them), the page of upcoming meetings with their count in one statement, and the open issues'
list read from its two indexes in the order of the whole list."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect

from storage import issues, meetings
from storage.db import Database
from storage.models import Issue, IssueDepartment, Meeting
from tests.support.database import statements

MOMENT = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)


def issue(number: int, *departments: str) -> Issue:
    return Issue(
        number=number, title=f"Mangler tolk {number}", reporter="U1", owner="U2",
        created_at=MOMENT, last_activity_at=MOMENT,
        departments=[IssueDepartment(department=code) for code in departments],
    )  # fmt: skip


def test_an_issue_by_id_comes_with_its_departments_as_loaded(db: Database) -> None:
    with db.session() as session:
        made = [issue(1, "RMA", "AUA", "PU"), issue(2)]
        session.add_all(made)
        session.flush()
        made[0].departments[2].acked_by, made[0].departments[2].acked_at = "U3", MOMENT  # PU
        ids = [one.id for one in made]
    with db.session() as session:
        found = issues.by_id(session, ids[0])
        assert found is not None and found.ref == "I-1" and found.title == "Mangler tolk 1"
        assert found.created_at == MOMENT  # aware, as the column's type gives it
        assert [d.department for d in found.departments] == ["AUA", "PU", "RMA"]
        acked = {d.department: (d.acked_by, d.acked_at) for d in found.departments}
        assert acked["AUA"] == (None, None) and acked["PU"] == ("U3", MOMENT)
        state = inspect(found)
        assert state.persistent and not session.dirty and state.key is not None
        assert found is issues.by_id(session, ids[0])  # the same object, read again
        alone = issues.by_id(session, ids[1])
        assert alone is not None and alone.departments == []
        assert issues.by_id(session, ids[1] + 100) is None
        found.title = "Endret"  # an object the session tracks: a change is written
    with db.session() as session:
        again = issues.by_id(session, ids[0])
        assert again is not None and again.title == "Endret"


def test_upcoming_meetings_and_their_count_come_in_one_statement(db: Database) -> None:
    now = MOMENT
    with db.reading() as session, statements(db) as seen:
        assert meetings.upcoming(session, now=now) == ([], 0)
        assert len(seen) == 1  # none found: no agenda to read
    with db.session() as session:
        for n in range(1, 6):
            starts = now + timedelta(days=n - 2)  # M-1 has ended, M-2 is under way
            series = "network" if n % 2 else "ledere"
            ends = starts + timedelta(hours=1)
            meeting = Meeting(number=n, series_key=series, title=f"Møte {n}", starts_at=starts,
                              ends_at=ends, created_by="U1")  # fmt: skip
            session.add(meeting)
    with db.reading() as session:
        page, total = meetings.upcoming(session, now=now - timedelta(days=30), limit=2)
        assert [m.number for m in page] == [1, 2] and total == 5
        page, total = meetings.upcoming(session, now=now, limit=2)
        assert [m.number for m in page] == [2, 3] and total == 4
        page, total = meetings.upcoming(session, now=now, series="network")
        assert [m.number for m in page] == [3, 5] and total == 2
        until = now + timedelta(days=1)
        page, total = meetings.upcoming(session, now=now, series="ledere", until=until)
        assert [m.number for m in page] == [2] and total == 1
        assert meetings.upcoming(session, now=now, series="")[1] == 4  # no series: all


def test_the_open_issues_come_in_the_order_of_the_whole_list(db: Database) -> None:
    """On PostgreSQL the open list reads the overdue and the rest apart (each from its
    index): put together, they are the order the whole list sorts all issues in, at any page
    length and with each filter."""
    rng = random.Random(19)
    today = date(2026, 12, 1)
    with db.session() as session:
        for n in range(1, 61):
            made = issue(n, *rng.sample(["RMA", "AUA", "PU"], rng.randint(0, 2)))
            made.priority = rng.choice(["high", "normal", "low"])
            made.due = rng.choice([None, today, *(today + timedelta(days=d) for d in (-9, -1, 3))])
            made.status = rng.choice(["open", "open", "closed"])
            made.owner = rng.choice(["U2", "U3"])
            session.add(made)
    with db.reading() as session:
        everything, _ = issues.listing(session, today=today, status="all", limit=100)
        order = [found.number for found in everything if found.status == "open"]
        for limit in (1, 5, 20, 100):
            page, total = issues.listing(session, today=today, limit=limit)
            assert [found.number for found in page] == order[:limit] and total == len(order)
        mine = [found.number for found in everything if found.status == "open"
                and found.owner == "U3"]  # fmt: skip
        page, total = issues.listing(session, today=today, user="U3", limit=100)
        assert [found.number for found in page] == mine and total == len(mine)
        rma = [found.number for found in everything if found.status == "open"
               and "RMA" in {d.department for d in found.departments}]  # fmt: skip
        page, total = issues.listing(session, today=today, department="RMA", limit=7)
        assert [found.number for found in page] == rma[:7] and total == len(rma)
        late = [found for found in page if found.due is not None and found.due < today]
        assert page[: len(late)] == late  # the overdue first
