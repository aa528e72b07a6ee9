"""the run-time settings' change stamp: a counter row a change to a binding, a language or a
department's addresses moves, so that every process can keep what it read of them while the
stamp stands (issue 19)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COUNTERS = sa.table("counters", sa.column("kind", sa.String), sa.column("value", sa.Integer))


def upgrade() -> None:
    op.bulk_insert(COUNTERS, [{"kind": "S", "value": 0}])


def downgrade() -> None:
    op.execute(COUNTERS.delete().where(COUNTERS.c.kind == "S"))
