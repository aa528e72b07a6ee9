"""Typed models for every record of SPEC §3, and the bot's own bookkeeping."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow

USER = 32  # Slack user and channel IDs
CODE = 16  # department codes
ADDRESS = 254  # an e-mail address (RFC 5321's limit on a path)
ACKED_BY_LINK = "link"  # IssueDepartment.acked_by of an acknowledgement made by e-mail


class Counter(Base):
    """The last human number given per kind ("D", "I", "M"): gapless, never reused."""

    __tablename__ = "counters"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Numbered:
    """A record with a short human ID (SPEC §3): ``D-12``, ``I-3``, ``M-7``."""

    PREFIX: ClassVar[str]
    if TYPE_CHECKING:  # each record maps its own column
        number: int

    @property
    def ref(self) -> str:
        """The record's ID as people write it, ``I-3``."""
        return f"{self.PREFIX}-{self.number}"

    @classmethod
    def ref_of(cls, number: int) -> str:
        """The ID of number ``number`` of this kind, ``I-3``."""
        return f"{cls.PREFIX}-{number}"


class SourceMessage:
    """A link to the Slack message a record was made from (message shortcuts)."""

    source_channel: Mapped[str | None] = mapped_column(String(USER))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(String(500))


SCREENING = 100  # the legal basis of a screening, "Offl. § 14"


class Screened:
    """A record screened from public access (SPEC §10): the legal basis, and which words.

    ``screening`` is the basis (None: not screened); ``screened_title`` is the title with the
    screened words in ``**double stars**`` (None: the whole title is screened).
    """

    screening: Mapped[str | None] = mapped_column(String(SCREENING))
    screened_title: Mapped[str | None] = mapped_column(String(300))


class Decision(Numbered, SourceMessage, Screened, Base):
    __tablename__ = "decisions"
    PREFIX = "D"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date] = mapped_column(Date, index=True)
    author: Mapped[str] = mapped_column(String(USER))
    status: Mapped[str] = mapped_column(String(16), default="active")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(USER))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    departments: Mapped[list[DecisionDepartment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DecisionDepartment.department"
    )
    tags: Mapped[list[DecisionTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DecisionTag.tag"
    )
    supersedes: Mapped[Decision | None] = relationship(
        remote_side=[id], foreign_keys=[supersedes_id], back_populates="superseded_by"
    )
    superseded_by: Mapped[Decision | None] = relationship(
        foreign_keys=[supersedes_id], back_populates="supersedes", uselist=False
    )
    meeting: Mapped[Meeting | None] = relationship(foreign_keys=[meeting_id])
    issue: Mapped[Issue | None] = relationship(foreign_keys=[issue_id])

    __table_args__ = (Index("ix_decisions_order", "decided_on", "id"),)


class DecisionDepartment(Base):
    __tablename__ = "decision_departments"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(CODE), primary_key=True, index=True)


class DecisionTag(Base):
    __tablename__ = "decision_tags"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


# an issue's priority as the order of urgency: high, normal, low (anything else as normal),
# and the same as SQL (the indexes of migration 0012 are on it)
PRIORITY_ORDER = {"high": 0, "normal": 1, "low": 2}
URGENCY = (
    "CASE priority "
    + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in PRIORITY_ORDER.items())
    + f" ELSE {PRIORITY_ORDER['normal']} END"
)
OPEN = text("status = 'open'")
# indexes on expressions: each database writes them back its own way ('high'::text), so a
# schema comparison cannot hold them to the models; tests/storage/test_schema.py reads them
EXPRESSION_INDEXES = frozenset({"ix_issues_open_urgency"})


def compared(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    """Alembic ``include_object``: everything but :data:`EXPRESSION_INDEXES`."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


class Issue(Numbered, SourceMessage, Screened, Base):
    __tablename__ = "issues"
    PREFIX = "I"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    reporter: Mapped[str] = mapped_column(String(USER))
    owner: Mapped[str] = mapped_column(String(USER), index=True)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    # decisions and issues point at each other; this side is added after both tables exist
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by: Mapped[str | None] = mapped_column(String(USER))

    departments: Mapped[list[IssueDepartment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IssueDepartment.department"
    )
    notes: Mapped[list[IssueNote]] = relationship(
        cascade="all, delete-orphan", order_by="IssueNote.id"
    )
    decision: Mapped[Decision | None] = relationship(foreign_keys=[decision_id])

    # /issue list reads the open issues most urgent first on PostgreSQL: the overdue (a range
    # of the first) and the rest (the second, in its order), each as far as one page, and
    # counts them from the first, never sorting them all (migration 0012). The urgency is
    # written as the list's statement writes it, or the database will not see that the index
    # serves it. SQLite has them too, one schema for both, but sorts faster than it reads them.
    __table_args__ = (
        Index("ix_issues_open_due", "due", postgresql_where=OPEN, sqlite_where=OPEN),
        Index(
            "ix_issues_open_urgency",
            text(f"({URGENCY})"),
            "due",
            text("number DESC"),
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
    )


class IssueDepartment(Base):
    """An affected department, its acknowledgement, and where its notice was posted."""

    __tablename__ = "issue_departments"
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(CODE), primary_key=True, index=True)
    acked_by: Mapped[str | None] = mapped_column(String(USER))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the e-mail address that acknowledged through a one-click link (SPEC §9); acked_by then
    # holds ACKED_BY_LINK, so that "acknowledged" stays one column to test
    acked_address: Mapped[str | None] = mapped_column(String(ADDRESS))
    notice_channel: Mapped[str | None] = mapped_column(String(USER))
    notice_ts: Mapped[str | None] = mapped_column(String(32))

    # the few rows still waiting for an acknowledgement, however long the history grows
    __table_args__ = (
        Index(
            "ix_issue_departments_unacked",
            "issue_id",
            postgresql_where=text("acked_by IS NULL"),
            sqlite_where=text("acked_by IS NULL"),
        ),
    )


class AckLink(Base):
    """A one-click acknowledgement link (SPEC §9): for one issue, one department, one address.

    Only the SHA-256 of the token is kept: the link in an e-mail is the only copy of it.
    """

    __tablename__ = "ack_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    department: Mapped[str] = mapped_column(String(CODE))
    address: Mapped[str] = mapped_column(String(ADDRESS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issue: Mapped[Issue] = relationship()


class IssueNote(Base):
    __tablename__ = "issue_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    author: Mapped[str] = mapped_column(String(USER))
    text: Mapped[str] = mapped_column(Text)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Recurrence(Base):
    """A recurring meeting: the rule its occurrences (real meetings) were generated from."""

    __tablename__ = "recurrences"
    id: Mapped[int] = mapped_column(primary_key=True)
    series_key: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(16))  # weekly | monthly | quarterly
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    generated_until: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(USER))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(Numbered, Screened, Base):
    __tablename__ = "meetings"
    PREFIX = "M"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    series_key: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    recurrence_id: Mapped[int | None] = mapped_column(ForeignKey("recurrences.id"))
    occurrence: Mapped[int | None] = mapped_column(Integer)
    moved_from: Mapped[date | None] = mapped_column(Date)  # a holiday the occurrence moved off
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    # when it was last given its time (scheduled or moved): reminder moments before are skipped
    timed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(USER))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agenda: Mapped[list[AgendaItem]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaItem.id"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        cascade="all, delete-orphan", order_by="Attendance.department"
    )
    recurrence: Mapped[Recurrence | None] = relationship()

    __table_args__ = (
        UniqueConstraint("recurrence_id", "occurrence"),
        Index("ix_meetings_status_start", "status", "starts_at"),
    )


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(USER))
    department: Mapped[str | None] = mapped_column(String(CODE))
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issue: Mapped[Issue | None] = relationship()


class Attendance(Base):
    """An optional department's answer for one meeting."""

    __tablename__ = "attendance"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    answer: Mapped[str] = mapped_column(String(8))  # attend | skip
    answered_by: Mapped[str] = mapped_column(String(USER))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who changed what, when: every change to a record."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(USER))
    entity: Mapped[str] = mapped_column(String(16))  # decision | issue | meeting | binding | ...
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class OutboxMessage(Base):
    """A message the bot sends on its own: due in the database, sent once by the dispatcher."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32), default="chat.postMessage")
    channel: Mapped[str | None] = mapped_column(String(USER))  # None: a DM to `user`
    user: Mapped[str | None] = mapped_column(String(USER))
    address: Mapped[str | None] = mapped_column(String(ADDRESS))  # an e-mail's (SPEC §8)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # set when an attempt may have reached Slack though no answer came back (a time-out, a
    # dropped connection, a 5xx): the next attempt first looks for the message in the channel
    unsure_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_ts: Mapped[str | None] = mapped_column(String(32))
    result_channel: Mapped[str | None] = mapped_column(String(USER))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    ref_kind: Mapped[str | None] = mapped_column(String(16))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_ref", "ref_kind", "ref_id"),
    )


class UserPreference(Base):
    __tablename__ = "user_preferences"
    user_id: Mapped[str] = mapped_column(String(USER), primary_key=True)
    language: Mapped[str] = mapped_column(String(4))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelBinding(Base):
    """A channel bound at run time to a department, a meeting series or the digest."""

    __tablename__ = "channel_bindings"
    target: Mapped[str] = mapped_column(
        String(48), primary_key=True
    )  # dept:RMA | series:x | digest
    channel_id: Mapped[str] = mapped_column(String(USER))
    bound_by: Mapped[str] = mapped_column(String(USER))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DepartmentEmail(Base):
    """A department's e-mail addresses set at run time (``/returbot email``, SPEC §8): they
    replace the config's ``email`` list for it; an empty list is "none"."""

    __tablename__ = "department_emails"
    department: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    addresses: Mapped[list[str]] = mapped_column(JSON)
    set_by: Mapped[str] = mapped_column(String(USER))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommandReceipt(Base):
    """A create command as received, to answer a resend within 60 s with the first record."""

    __tablename__ = "command_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(USER))
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_receipts_lookup", "user_id", "fingerprint", "created_at"),)


class DigestRun(Base):
    """A digest that was posted; ``week`` is set (and unique) for scheduled ones only."""

    __tablename__ = "digest_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str | None] = mapped_column(String(10), unique=True)  # "2026-W48"
    trigger: Mapped[str] = mapped_column(String(16))  # scheduled | manual
    posted_by: Mapped[str | None] = mapped_column(String(USER))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lease(Base):
    """A named lease (the active scheduler) held until it expires unless renewed."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KeyValue(Base):
    """Small pieces of state the bot keeps for itself (the calendar feed token, ...)."""

    __tablename__ = "key_values"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
