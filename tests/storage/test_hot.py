"""The hot path's statements (``storage.hot``) on a real SQLite file and a real PostgreSQL: rows
written as the ORM writes them, new records that behave as loaded ones, SQLAlchemy's errors,
and a commit hook that sees what was made."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import common, hot
from storage.db import Database
from storage.models import AuditEntry, Decision, DecisionDepartment, DecisionTag, Issue
from tests.support.database import statements

MOMENT = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)


def decision(number: int) -> Decision:
    return Decision(
        number=number, title="Felles rutine", decided_on=date(2026, 3, 28),
        author="U1", created_at=MOMENT,
        departments=[DecisionDepartment(department=c) for c in ("RMA", "PU")],
        tags=[DecisionTag(tag="retur")],
    )  # fmt: skip


def stored(session: Session, table: str, where: str, *but: str) -> dict[str, object]:
    """A row as the database keeps it (no type processing on the way out), but ``but``."""
    sql = f"SELECT * FROM {table} WHERE {where}"
    row = session.connection().exec_driver_sql(sql).mappings().one()
    return {k: v for k, v in row.items() if k not in ("id", *but)}


def test_a_compiled_insert_stores_what_the_orm_stores(db: Database) -> None:
    """Moments, JSON and dates are processed by the columns' own types: the two rows are the
    same in storage, byte for byte, but for their keys."""
    changes = {"title": "Tolk – æøå", "departments": ["RMA"]}
    with db.session() as session:
        common.audit(session, actor="U1", entity="decision", entity_id=7, action="logged",
                     changes=changes, at=MOMENT)  # fmt: skip
        session.add(AuditEntry(at=MOMENT, actor="U2", entity="decision", entity_id=7,
                               action="logged", changes=changes))  # fmt: skip
    with db.session() as session:
        ours = stored(session, "audit", "actor = 'U1'", "actor")
        assert ours == stored(session, "audit", "actor = 'U2'", "actor")
        entry = session.scalars(select(AuditEntry).where(AuditEntry.actor == "U1")).one()
        assert entry.at == MOMENT and entry.changes == changes


def test_a_record_added_reads_back_as_the_orm_would_have_written_it(db: Database) -> None:
    with db.session() as session:
        hot.add(session, decision(1), "departments", "tags")
        session.add(decision(2))
    with db.session() as session:
        ours = stored(session, "decisions", "number = 1", "number")
        assert ours == stored(session, "decisions", "number = 2", "number")
        found = session.scalars(select(Decision).where(Decision.number == 1)).one()
        assert [d.department for d in found.departments] == ["PU", "RMA"]
        assert [t.tag for t in found.tags] == ["retur"]
        assert found.created_at == MOMENT and found.status == "active" and found.details == ""


def test_a_record_added_is_in_the_session_as_loaded(db: Database) -> None:
    """Nothing about it is asked of the database again; a later change to it is the ORM's."""
    with db.session() as session:
        made = hot.add(session, decision(3), "departments", "tags")
        with statements(db) as seen:
            assert made.id and made.superseded_by is None and made.supersedes is None
            assert made.meeting is None and made.issue is None
            assert [d.department for d in made.departments] == ["RMA", "PU"]
            assert session.get(Decision, made.id) is made
        assert seen == []
        made.status = "revoked"
    with db.session() as session:
        assert session.scalars(select(Decision.status).where(Decision.number == 3)).one() == (
            "revoked"
        )


def test_a_failed_insert_is_sqlalchemys_error_and_leaves_nothing(db: Database) -> None:
    with db.session() as session:
        hot.add(session, decision(4), "departments", "tags")

    def twice() -> None:
        with db.session() as session:
            hot.add(session, decision(5), "departments", "tags")
            hot.add(session, decision(4), "departments", "tags")  # the number is taken

    with pytest.raises(IntegrityError):
        twice()
    with db.session() as session:
        numbers = session.scalars(select(Decision.number).order_by(Decision.number)).all()
        assert numbers == [4]
        assert session.scalar(text("SELECT count(*) FROM decision_departments")) == 2


def test_a_commit_hook_sees_what_was_added_and_a_rollback_forgets_it(db: Database) -> None:
    seen: list[list[str]] = []

    def after_commit(session: Session) -> None:
        seen.append([type(o).__name__ for o in hot.added(session)])

    event.listen(db.factory, "after_commit", after_commit)
    try:
        with db.session() as session:
            issue = Issue(number=1, title="Mangler tolk", reporter="U1", owner="U1",
                          created_at=MOMENT, last_activity_at=MOMENT)  # fmt: skip
            hot.add(session, issue, "departments")
            assert issue.notes == [] and issue.departments == []

        def failing() -> None:
            with db.session() as session:
                hot.add(session, decision(6), "departments", "tags")
                raise RuntimeError("the command failed")

        with pytest.raises(RuntimeError):
            failing()
        with db.session() as session:
            common.audit(session, actor="U1", entity="issue", entity_id=1, action="noted")
        assert seen == [["Issue"], []]
    finally:
        event.remove(db.factory, "after_commit", after_commit)


def test_writes_put_off_are_seen_by_the_next_statement_and_kept_by_the_commit(
    db: Database,
) -> None:
    with db.session() as session:
        common.audit(session, actor="U1", entity="issue", entity_id=1, action="noted")
        common.add_receipt(session, "U1", "f" * 64, "I-1", MOMENT)
        assert session.scalar(text("SELECT count(*) FROM audit")) == 1  # sent before it
        common.audit(session, actor="U1", entity="issue", entity_id=1, action="closed")
    with db.session() as session:
        assert session.scalar(text("SELECT count(*) FROM audit")) == 2
        assert common.recent_receipt(session, "U1", "f" * 64, MOMENT) == "I-1"


def test_a_write_put_off_that_fails_fails_the_commit_as_sqlalchemys_error(db: Database) -> None:
    with db.session() as session:
        hot.add(session, decision(7), "departments", "tags")
    made = []

    def again() -> None:
        with db.session() as session:
            found = session.scalars(select(Decision).where(Decision.number == 7)).one()
            common.audit(session, actor="U1", entity="decision", entity_id=found.id, action="x")
            made.append(found.id)
            hot.Statement(
                lambda: text("INSERT INTO decision_tags (decision_id, tag) VALUES (:id, 'retur')")
            ).later(session, {"id": found.id})  # the tag is there: the key is taken

    with pytest.raises(IntegrityError):
        again()
    with db.session() as session:  # the connection works; nothing of the failed one is kept
        assert session.scalar(text("SELECT count(*) FROM audit WHERE action = 'x'")) == 0
        assert session.scalar(text("SELECT count(*) FROM decision_tags")) == 1


def test_writes_put_off_and_rolled_back_are_gone(db: Database) -> None:
    def failing() -> None:
        with db.session() as session:
            common.audit(session, actor="U1", entity="issue", entity_id=1, action="noted")
            raise RuntimeError("the command failed")

    with pytest.raises(RuntimeError):
        failing()
    with db.session() as session:
        session.scalar(text("SELECT 1"))
        common.audit(session, actor="U2", entity="issue", entity_id=1, action="noted")
    with db.session() as session:
        assert session.scalars(text("SELECT actor FROM audit")).all() == ["U2"]
