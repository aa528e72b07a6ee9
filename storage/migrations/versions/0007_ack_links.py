"""one-click acknowledgement links for e-mail readers (SPEC §9)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ack_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_ack_links_issue_id_issues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ack_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ack_links_token_hash")),
    )
    with op.batch_alter_table("ack_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ack_links_issue_id"), ["issue_id"], unique=False)
    with op.batch_alter_table("issue_departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acked_address", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issue_departments", schema=None) as batch_op:
        batch_op.drop_column("acked_address")
    with op.batch_alter_table("ack_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ack_links_issue_id"))
    op.drop_table("ack_links")
