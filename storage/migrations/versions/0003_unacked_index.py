"""issue_departments: a partial index on the rows still waiting for an acknowledgement

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue_departments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issue_departments_unacked",
            ["issue_id"],
            unique=False,
            postgresql_where=sa.text("acked_by IS NULL"),
            sqlite_where=sa.text("acked_by IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("issue_departments", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_departments_unacked")
