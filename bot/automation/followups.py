"""Issue follow-up (SPEC §5): acknowledgement reminders, due and overdue reminders, nudges.

One sweep, run by the scheduler every 10 seconds (so a reminder goes out within 15 seconds of its
moment, SPEC §5), queues what has fallen due. Acknowledgement reminders, whose moment is exact,
are queued up to a minute ahead with that moment as their due time, and withdrawn if the
department acknowledges or the issue is closed before it. Each reminder has a dedupe key, so it
is queued once however often the sweep runs, across restarts and processes. Every query leaves
out what was queued already, so a batch limit never keeps the same rows coming back.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, literal, or_, select
from sqlalchemy.orm import Session

from bot import bindings, departments, mailing, outbox
from bot.orgconfig import OrgConfig
from storage import outbox as outbox_store
from storage.models import Issue, IssueDepartment, OutboxMessage

ACK_REMINDER = "issue_ack_reminder"
DUE_REMINDER = "issue_due_reminder"
OVERDUE = "issue_overdue"
STALE = "issue_stale"
# a due date is a day; reminders about it go out in working hours, not at midnight
DUE_TIME = time(9, 0)
BATCH = 500
LOOKAHEAD = timedelta(minutes=1)


def _not_queued(key: ColumnElement[str]) -> ColumnElement[bool]:
    return ~exists().where(OutboxMessage.dedupe_key == key)


def sweep(session: Session, org: OrgConfig, now: datetime) -> int:
    """Queue every follow-up that is due now and was not queued before; returns how many."""
    return (
        _ack_reminders(session, org, now)
        + _due_reminders(session, org, now)
        + _stale_nudges(session, org, now)
    )


def _ack_reminders(session: Session, org: OrgConfig, now: datetime) -> int:
    key = literal("ackrem:") + cast(Issue.id, String) + literal(":") + IssueDepartment.department
    stmt = (
        select(IssueDepartment.issue_id, IssueDepartment.department, Issue.number, Issue.created_at)
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(
            Issue.status == "open",
            IssueDepartment.acked_by.is_(None),
            Issue.created_at <= now + LOOKAHEAD - org.ack_within,
            _not_queued(key),
        )
        .limit(BATCH)
    )
    bound = bindings.current(session, org)
    known = mailing.mailboxes(session, org)
    queued = 0
    for issue_id, code, number, created_at in session.execute(stmt).all():
        due_at = created_at + org.ack_within
        # the department's addresses get it too (SPEC §8), with or without a channel
        queued += mailing.ack_reminders(session, org, issue_id, code, due_at, known)
        channel = bound.get(f"dept:{code}")
        if not channel:
            continue  # the coordinators were told to bind it when the issue was registered
        queued += _queue(
            session, ACK_REMINDER, f"ackrem:{issue_id}:{code}", due_at, issue_id,
            channel=channel, extra={"department": code}, text=Issue.ref_of(number),
        )  # fmt: skip
    return queued


def withdraw_ack_reminders(session: Session, issue_id: int, code: str | None = None) -> int:
    """Withdraw the issue's pending acknowledgement reminders (one department's, or all of
    them); their keys are freed, so a reopened issue's departments are reminded again."""
    kinds = (ACK_REMINDER, mailing.REMINDER)
    if code is None:
        return outbox_store.withdraw(session, ref_kind="issue", ref_id=issue_id, kinds=kinds)
    return outbox_store.withdraw(
        session, ref_kind="issue", ref_id=issue_id, kinds=kinds,
        key=f"ackrem:{issue_id}:{code}", key_prefix=f"mail:reminder:{issue_id}:{code}:",
    )  # fmt: skip


def _due_moment(due: date, org: OrgConfig) -> datetime:
    return datetime.combine(due, DUE_TIME, tzinfo=org.timezone)


def _due_reminders(session: Session, org: OrgConfig, now: datetime) -> int:
    today = now.astimezone(org.timezone).date()
    horizon = today + timedelta(days=org.due_reminder.days + 1)
    due_key = literal("duerem:") + cast(Issue.id, String) + literal(":") + cast(Issue.due, String)
    over_key = literal("overdue:") + cast(Issue.id, String) + literal(":") + cast(Issue.due, String)
    stmt = (
        select(Issue)
        .where(
            Issue.status == "open",
            Issue.due.is_not(None),
            Issue.due <= horizon,
            or_(_not_queued(due_key), _not_queued(over_key)),  # either may still be owed
        )
        .limit(BATCH)
    )
    queued = 0
    reach = departments.dm_fallback(session, org)  # a partner agency's user Slack will not DM
    for issue in session.scalars(stmt):
        assert issue.due is not None
        moment = _due_moment(issue.due, org)
        if now >= moment - org.due_reminder and issue.due >= today:
            queued += _queue(
                session, DUE_REMINDER, f"duerem:{issue.id}:{issue.due}", now, issue.id,
                user=issue.owner, text=issue.ref, extra=reach,
            )  # fmt: skip
        if issue.due < today and now >= moment + timedelta(days=1):
            queued += _queue(
                session, OVERDUE, f"overdue:{issue.id}:{issue.due}", now, issue.id,
                user=issue.owner, text=issue.ref, extra=reach,
            )  # fmt: skip
    return queued


def _stale_nudges(session: Session, org: OrgConfig, now: datetime) -> int:
    # nudged for this silence already: a nudge queued since the issue's last activity
    nudged = exists().where(
        OutboxMessage.ref_kind == "issue",
        OutboxMessage.ref_id == Issue.id,
        OutboxMessage.kind == STALE,
        OutboxMessage.due_at > Issue.last_activity_at,
    )
    stmt = (
        select(Issue)
        .where(Issue.status == "open", Issue.last_activity_at <= now - org.stale_after, ~nudged)
        .order_by(Issue.last_activity_at, Issue.id)
        .limit(BATCH)
    )
    queued = 0
    reach = departments.dm_fallback(session, org)
    for issue in session.scalars(stmt):
        stamp = issue.last_activity_at.strftime("%Y%m%dT%H%M%S")
        queued += _queue(
            session, STALE, f"stale:{issue.id}:{stamp}", now, issue.id,
            user=issue.owner, text=issue.ref, extra=reach,
        )  # fmt: skip
    return queued


def _queue(
    session: Session,
    kind: str,
    key: str,
    due_at: datetime,
    issue_id: int,
    *,
    text: str,
    channel: str | None = None,
    user: str | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    row = outbox.enqueue(
        session, kind=kind, text=text, channel=channel, user=user, due_at=due_at,
        dedupe_key=key, ref_kind="issue", ref_id=issue_id, extra=extra,
    )  # fmt: skip
    return 0 if row is None else 1
