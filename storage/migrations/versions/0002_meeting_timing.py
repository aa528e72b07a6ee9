"""meetings: when each was given its time; indexes for reminders, agendas and status notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timed_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_meetings_status_start", ["status", "starts_at"], unique=False)
    op.execute("UPDATE meetings SET timed_at = created_at")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_items_issue_id"), ["issue_id"], unique=False)
    with op.batch_alter_table("issue_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_notes_meeting_id"), ["meeting_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("issue_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_notes_meeting_id"))
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_issue_id"))
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_status_start")
        batch_op.drop_column("timed_at")
