"""decisions, issues, meetings: screening from public access (SPEC §10)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("decisions", "issues", "meetings")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("screening", sa.String(length=100), nullable=True))
            batch_op.add_column(sa.Column("screened_title", sa.String(length=300), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("screened_title")
            batch_op.drop_column("screening")
