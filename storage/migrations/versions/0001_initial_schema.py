"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "channel_bindings",
        sa.Column("target", sa.String(length=48), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("bound_by", sa.String(length=32), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("target", name=op.f("pk_channel_bindings")),
    )
    op.create_table(
        "command_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_command_receipts")),
    )
    with op.batch_alter_table("command_receipts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_receipts_lookup", ["user_id", "fingerprint", "created_at"], unique=False
        )

    op.create_table(
        "counters",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_counters")),
    )
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("posted_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint("week", name=op.f("uq_digest_runs_week")),
    )
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("source_channel", sa.String(length=32), nullable=True),
        sa.Column("source_ts", sa.String(length=32), nullable=True),
        sa.Column("source_permalink", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_issues_decision_id_decisions"),
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
        sa.UniqueConstraint("number", name=op.f("uq_issues_number")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issues_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_status"), ["status"], unique=False)

    op.create_table(
        "key_values",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_key_values")),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("user", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("result_ts", sa.String(length=32), nullable=True),
        sa.Column("result_channel", sa.String(length=32), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("ref_kind", sa.String(length=16), nullable=True),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbox_ref", ["ref_kind", "ref_id"], unique=False)

    op.create_table(
        "recurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("first_start", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("generated_until", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurrences")),
    )
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=4), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_preferences")),
    )
    op.create_table(
        "issue_departments",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("acked_by", sa.String(length=32), nullable=True),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.Column("notice_channel", sa.String(length=32), nullable=True),
        sa.Column("notice_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_issue_departments_issue_id_issues")
        ),
        sa.PrimaryKeyConstraint("issue_id", "department", name=op.f("pk_issue_departments")),
    )
    with op.batch_alter_table("issue_departments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issue_departments_department"), ["department"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("recurrence_id", sa.Integer(), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=True),
        sa.Column("moved_from", sa.Date(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recurrence_id"],
            ["recurrences.id"],
            name=op.f("fk_meetings_recurrence_id_recurrences"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("number", name=op.f("uq_meetings_number")),
        sa.UniqueConstraint("recurrence_id", "occurrence", name=op.f("uq_meetings_recurrence_id")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_series_key"), ["series_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_agenda_items_issue_id_issues")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("answered_by", sa.String(length=32), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_attendance_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "department", name=op.f("pk_attendance")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("source_channel", sa.String(length=32), nullable=True),
        sa.Column("source_ts", sa.String(length=32), nullable=True),
        sa.Column("source_permalink", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_decisions_issue_id_issues")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_decisions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["decisions.id"], name=op.f("fk_decisions_supersedes_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("number", name=op.f("uq_decisions_number")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_decisions_supersedes_id")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_decided_on"), ["decided_on"], unique=False)
        batch_op.create_index("ix_decisions_order", ["decided_on", "id"], unique=False)

    op.create_table(
        "issue_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_issue_notes_issue_id_issues")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_issue_notes_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_notes")),
    )
    with op.batch_alter_table("issue_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_notes_issue_id"), ["issue_id"], unique=False)

    op.create_table(
        "decision_departments",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_departments_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("decision_id", "department", name=op.f("pk_decision_departments")),
    )
    with op.batch_alter_table("decision_departments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_departments_department"), ["department"], unique=False
        )

    op.create_table(
        "decision_tags",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_decision_tags_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("decision_id", "tag", name=op.f("pk_decision_tags")),
    )
    with op.batch_alter_table("decision_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_tags_tag"), ["tag"], unique=False)

    # decisions and issues point at each other: the side is added now that both exist
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_issues_decision_id_decisions"), "decisions", ["decision_id"], ["id"]
        )

    op.bulk_insert(
        sa.table("counters", sa.column("kind", sa.String), sa.column("value", sa.Integer)),
        [{"kind": "D", "value": 0}, {"kind": "I", "value": 0}, {"kind": "M", "value": 0}],
    )

    # full-text search over decisions: FTS5 on SQLite, tsvector + GIN on PostgreSQL
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE decision_fts USING fts5("
            "title, details, tags, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE decision_search ("
            "decision_id INTEGER PRIMARY KEY REFERENCES decisions (id), "
            "document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_decision_search_document ON decision_search USING GIN (document)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE decision_fts")
    else:
        op.execute("DROP TABLE decision_search")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_issues_decision_id_decisions"), type_="foreignkey")

    with op.batch_alter_table("decision_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_tags_tag"))

    op.drop_table("decision_tags")
    with op.batch_alter_table("decision_departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_departments_department"))

    op.drop_table("decision_departments")
    with op.batch_alter_table("issue_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_notes_issue_id"))

    op.drop_table("issue_notes")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_order")
        batch_op.drop_index(batch_op.f("ix_decisions_decided_on"))
        batch_op.drop_index(batch_op.f("ix_decisions_created_at"))

    op.drop_table("decisions")
    op.drop_table("attendance")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_starts_at"))
        batch_op.drop_index(batch_op.f("ix_meetings_series_key"))

    op.drop_table("meetings")
    with op.batch_alter_table("issue_departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_departments_department"))

    op.drop_table("issue_departments")
    op.drop_table("user_preferences")
    op.drop_table("recurrences")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_ref")
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    op.drop_table("leases")
    op.drop_table("key_values")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_status"))
        batch_op.drop_index(batch_op.f("ix_issues_owner"))
        batch_op.drop_index(batch_op.f("ix_issues_created_at"))
        batch_op.drop_index(batch_op.f("ix_issues_closed_at"))

    op.drop_table("issues")
    op.drop_table("digest_runs")
    op.drop_table("counters")
    with op.batch_alter_table("command_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_receipts_lookup")

    op.drop_table("command_receipts")
    op.drop_table("channel_bindings")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit")
