"""record numbers from sequences on PostgreSQL: a decision's and an issue's D-n and I-n are
taken with nextval() instead of a row lock on the counter that each creator held until its
commit (issue 19: with four request threads, that lock was what PostgreSQL's sessions waited
on more than half the time). SQLite keeps the counter rows: its writers are serial anyway.
Meetings keep theirs too: a series takes a block of consecutive numbers in one statement.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEQUENCES = {"D": "record_numbers_d", "I": "record_numbers_i"}


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for kind, name in SEQUENCES.items():
        op.execute(f"CREATE SEQUENCE {name} START WITH 1 MINVALUE 1")
        op.execute(f"SELECT setval('{name}', value + 1, false) FROM counters WHERE kind = '{kind}'")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for kind, name in SEQUENCES.items():
        # the counter row takes up where the sequence is
        op.execute(
            f"UPDATE counters SET value = (SELECT last_value - CASE WHEN is_called THEN 0 "
            f"ELSE 1 END FROM {name}) WHERE kind = '{kind}'"
        )
        op.execute(f"DROP SEQUENCE {name}")
