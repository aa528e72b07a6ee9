"""The outbox's claim and its record of a message sent (``storage.outbox``), on a real SQLite
file and a real PostgreSQL: on PostgreSQL each is one statement (``storage.hot``), and both
databases must come to the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import outbox as store
from storage.db import Database
from storage.models import OutboxMessage

NOW = datetime(2026, 12, 1, 9, 0, 0, 250000, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def row(number: int, **fields: object) -> OutboxMessage:
    values: dict[str, object] = {
        "kind": "notice", "channel": "CNET", "payload": {"text": f"Melding {number}"},
        "due_at": NOW - timedelta(minutes=number), "next_attempt_at": NOW - timedelta(minutes=1),
    }  # fmt: skip
    values.update(fields)
    return OutboxMessage(**values)


def add(db: Database, *rows: OutboxMessage) -> list[int]:
    with db.session() as session:
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def stored(db: Database) -> dict[int, OutboxMessage]:
    with db.session() as session:
        return {r.id: r for r in session.scalars(select(OutboxMessage))}


def test_a_claim_takes_the_oldest_due_up_to_the_limit_and_leases_them(db: Database) -> None:
    oldest, middle, newest = add(db, row(3), row(2), row(1))
    later, taken, done = add(
        db,
        row(9, next_attempt_at=NOW + timedelta(seconds=1)),  # not due yet
        row(8, claimed_by="other", claimed_until=NOW + timedelta(minutes=1)),  # leased
        row(7, status=store.SENT),
    )
    with db.session() as session:
        claimed = store.claim_due(session, NOW, "me", LEASE, 2)
        assert [r.id for r in claimed] == [oldest, middle]
        assert all(r.claimed_until == NOW + LEASE and r.claimed_by == "me" for r in claimed)
        assert claimed[0].payload == {"text": "Melding 3"} and claimed[0].due_at.tzinfo is UTC
    rows = stored(db)
    assert [(rows[i].claimed_by, rows[i].claimed_until) for i in (oldest, middle)] == [
        ("me", NOW + LEASE)
    ] * 2
    assert rows[newest].claimed_by is None and rows[later].claimed_by is None
    assert rows[taken].claimed_by == "other" and rows[done].claimed_by is None
    assert all(r.unsure_since is None for r in rows.values())


def test_a_lease_run_out_is_taken_over_and_marked_unsure_since_its_claim(db: Database) -> None:
    ran_out = NOW - timedelta(seconds=30)
    first, second = add(
        db,
        row(2, claimed_by="gone", claimed_until=ran_out),
        # marked by an earlier take-over already: the first time it may have gone out stands
        row(1, claimed_by="gone", claimed_until=ran_out, unsure_since=NOW - timedelta(hours=1)),
    )
    with db.session() as session:
        claimed = store.claim_due(session, NOW, "me", LEASE, 10)
        assert [r.id for r in claimed] == [first, second]
        assert claimed[0].unsure_since == ran_out - LEASE
    rows = stored(db)
    assert rows[first].unsure_since == ran_out - LEASE
    assert rows[second].unsure_since == NOW - timedelta(hours=1)
    assert rows[first].claimed_by == rows[second].claimed_by == "me"


def test_a_message_sent_is_recorded_once_even_if_cancelled_on_its_way(db: Database) -> None:
    pending, cancelled, sent = add(
        db,
        row(1, claimed_by="me", claimed_until=NOW + LEASE),
        row(2, status=store.CANCELLED, claimed_by="me", claimed_until=NOW + LEASE),
        row(3, status=store.SENT, result_ts="1.000", sent_at=NOW - timedelta(days=1)),
    )
    with db.session() as session:
        first = store.mark_sent(session, pending, now=NOW, ts="2.000", channel="CNET")
        assert first is not None and (first.status, first.result_ts) == (store.SENT, "2.000")
        assert first.sent_at == NOW and first.kind == "notice"
        assert store.mark_sent(session, cancelled, now=NOW, ts="3.000", channel="CNET")
        assert store.mark_sent(session, sent, now=NOW, ts="4.000", channel="CNET") is None
        assert store.mark_sent(session, 987654, now=NOW, ts="5.000", channel="CNET") is None
    rows = stored(db)
    assert [(rows[i].status, rows[i].result_ts) for i in (pending, cancelled, sent)] == [
        (store.SENT, "2.000"),
        (store.SENT, "3.000"),
        (store.SENT, "1.000"),
    ]
    assert rows[pending].claimed_by is None and rows[pending].claimed_until is None
    assert rows[sent].sent_at == NOW - timedelta(days=1)


def test_a_row_in_the_session_shows_what_the_statement_stored(db: Database) -> None:
    (only,) = add(db, row(1, claimed_by="me", claimed_until=NOW + LEASE))
    with db.session() as session:
        loaded = session.get(OutboxMessage, only)
        assert loaded is not None and loaded.status == store.PENDING
        again = store.mark_sent(session, only, now=NOW, ts="9.000", channel="CNET")
        assert again is loaded
        assert (loaded.status, loaded.result_ts, loaded.claimed_by) == (store.SENT, "9.000", None)
        assert not session.dirty
