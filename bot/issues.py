"""The issue register (SPEC §3, §4.2): departments informed, acknowledged and followed up.

Messages are queued in the outbox in the caller's transaction; their text and blocks are
composed when they are sent (renderers registered by the Slack side), so a notice always
shows the issue as it is then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot import audit, bindings, departments, outbox, permissions
from bot.automation import followups
from bot.context import Actor, local_today
from bot.decisions import SourceLink
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from bot.text import guard
from bot.text.i18n import t
from storage import common
from storage import decisions as decision_store
from storage import issues as store
from storage.models import Decision, Issue, IssueDepartment, IssueNote

PRIORITIES = {
    "low": "low", "lav": "low",
    "normal": "normal",
    "high": "high", "høy": "high", "hoy": "high", "hoey": "high",
}  # fmt: skip
NOTICE = "issue_notice"
ASSIGNED = "issue_assigned"
OWNER_CHANGED = "issue_owner_changed"  # to the reporter and the previous owner


@dataclass(frozen=True)
class IssueInput:
    title: str
    departments: Sequence[str]
    description: str = ""
    owner: str | None = None
    priority: str = "normal"
    due: date | None = None
    source: SourceLink | None = field(default=None)


def priority_of(value: str) -> str:
    """``høy`` / ``high`` -> ``high``; unknown values are refused."""
    found = PRIORITIES.get(value.strip().lower())
    if found is None:
        raise UserError("issue.bad_priority", value=value.strip()[:40])
    return found


def get(session: Session, number: int) -> Issue:
    issue = store.by_number(session, number)
    if issue is None:
        raise UserError("common.issue_not_found", ref=Issue.ref_of(number))
    return issue


STATUSES = ("open", "closed", "all")


def listing(
    session: Session,
    *,
    org: OrgConfig,
    today: date,
    department: str | None = None,
    status: str = "open",
    user: str | None = None,
) -> tuple[list[Issue], int]:
    """``/issue list``: the issues with ``status`` (open, closed, all), of one department or
    reported by or owned by ``user`` if asked, most urgent first, and how many match in all."""
    if status not in STATUSES:
        raise UserError("issue.bad_status", value=status)
    code = departments.resolve(org, [department], required=True)[0] if department else None
    return store.listing(session, today=today, department=code, status=status, user=user)


def decisions_for(session: Session, issue: Issue) -> list[Decision]:
    """The decisions linked to ``issue``: the one that resolved it, and those logged on it."""
    return store.decisions_for(session, issue)


def register(
    session: Session, *, org: OrgConfig, actor: Actor, data: IssueInput, now: datetime
) -> Issue:
    """Register I-n, queue a notice to each affected department and tell a named owner."""
    title = guard.check_text(data.title, "title", limit=guard.TITLE_LIMIT, required=True)
    description = guard.check_text(data.description, "details")
    codes = departments.resolve(org, data.departments, required=True)
    priority = priority_of(data.priority)
    if data.due is not None and data.due < local_today(now, org.timezone):
        raise UserError("issue.due_in_past")
    owner = data.owner or actor.user_id
    issue = Issue(
        number=common.next_number(session, "I"),
        title=title,
        description=description,
        reporter=actor.user_id,
        owner=owner,
        priority=priority,
        due=data.due,
        status="open",
        created_at=now,
        last_activity_at=now,
        departments=[IssueDepartment(department=c) for c in codes],
    )
    if data.source is not None:
        issue.source_channel = data.source.channel
        issue.source_ts = data.source.ts
        issue.source_permalink = data.source.permalink
    session.add(issue)
    session.flush()
    audit.change(session, actor, issue, "registered", {"title": title, "departments": codes}, now)
    bound = bindings.current(session, org)
    for code in codes:
        channel = bound.get(f"dept:{code}")
        if channel:
            _notice(session, issue, code=code, channel=channel, now=now)
        else:
            _unbound(session, org, issue, code, now)
    if owner != actor.user_id:
        _tell_owner(session, issue, now)
    return issue


def _fallback(issue: Issue) -> str:
    """What a queued message about ``issue`` says until it is composed (and in notifications)."""
    return f"{issue.ref}: {guard.mrkdwn(issue.title)}"


def _notice(session: Session, issue: Issue, *, code: str, channel: str, now: datetime) -> None:
    outbox.enqueue(
        session,
        kind=NOTICE,
        text=_fallback(issue),
        channel=channel,
        due_at=now,
        ref_kind="issue",
        ref_id=issue.id,
        extra={"department": code},
    )


def _unbound(session: Session, org: OrgConfig, issue: Issue, code: str, now: datetime) -> None:
    for coordinator in org.coordinators:
        outbox.enqueue(
            session,
            kind="alert",
            text=t(org.language, "issue.unbound_department", code=code, ref=issue.ref),
            user=coordinator,
            due_at=now,
            dedupe_key=f"unbound:dept:{code}:{coordinator}",
            ref_kind="issue",
            ref_id=issue.id,
        )


def _tell_owner(session: Session, issue: Issue, now: datetime) -> None:
    outbox.enqueue(
        session,
        kind=ASSIGNED,
        text=_fallback(issue),
        user=issue.owner,
        due_at=now,
        ref_kind="issue",
        ref_id=issue.id,
    )


def refresh_notices(session: Session, issue: Issue, now: datetime) -> None:
    """Queue an in-place update of every notice already posted for the issue."""
    for row in issue.departments:
        if row.notice_channel and row.notice_ts:
            outbox.enqueue(
                session,
                kind=NOTICE,
                text=_fallback(issue),
                channel=row.notice_channel,
                method=outbox.UPDATE,
                ts=row.notice_ts,
                due_at=now,
                ref_kind="issue",
                ref_id=issue.id,
                extra={"department": row.department},
            )


def add_note(
    session: Session, *, actor: Actor, number: int, text: str, now: datetime,
    meeting_id: int | None = None,
) -> Issue:  # fmt: skip
    """Anyone: a progress note on I-n."""
    issue = get(session, number)
    body = guard.check_text(text, "note", required=True)
    issue.notes.append(
        IssueNote(author=actor.user_id, text=body, created_at=now, meeting_id=meeting_id)
    )
    issue.last_activity_at = now
    audit.change(session, actor, issue, "noted", {"note": body}, now)
    return issue


def assign(session: Session, *, actor: Actor, number: int, owner: str, now: datetime) -> Issue:
    """Owner, reporter or coordinator: a new owner for an open issue (SPEC §4.2)."""
    issue = get(session, number)
    permissions.require_issue_steward(actor, issue, ref=issue.ref)
    return _change_owner(session, actor, issue, owner, now)


def take(session: Session, *, actor: Actor, number: int, now: datetime) -> Issue:
    """A member of an affected department or a coordinator takes ownership of an open issue."""
    issue = get(session, number)
    permissions.require_issue_taker(actor, issue, ref=issue.ref)
    return _change_owner(session, actor, issue, actor.user_id, now)


def _change_owner(session: Session, actor: Actor, issue: Issue, owner: str, now: datetime) -> Issue:
    if issue.status == "closed":
        raise UserError("issue.assign_closed", ref=issue.ref)
    if owner == issue.owner:
        raise UserError("issue.already_owner", ref=issue.ref, owner=owner)
    before = issue.owner
    issue.owner = owner
    issue.last_activity_at = now
    audit.change(session, actor, issue, "assigned", {"owner": [before, owner]}, now)
    if owner != actor.user_id:
        _tell_owner(session, issue, now)
    # the reporter and the previous owner hear of it, unless they made the change themselves
    for user in dict.fromkeys((issue.reporter, before)):
        if user and user not in (actor.user_id, owner):
            outbox.enqueue(
                session,
                kind=OWNER_CHANGED,
                text=_fallback(issue),
                user=user,
                due_at=now,
                ref_kind="issue",
                ref_id=issue.id,
                extra={"before": before, "owner": owner, "by": actor.user_id},
            )
    refresh_notices(session, issue, now)
    return issue


def close(
    session: Session, *, actor: Actor, number: int, now: datetime,
    decision: int | None = None, text: str = "",
) -> Issue:  # fmt: skip
    """Owner, reporter or coordinator: close I-n, optionally with the resolving decision."""
    issue = get(session, number)
    permissions.require_issue_steward(actor, issue, ref=issue.ref)
    if issue.status == "closed":
        raise UserError("issue.already_closed", ref=issue.ref)
    if decision is not None:
        found = decision_store.by_number(session, decision)
        if found is None:
            raise UserError("decision.not_found", ref=Decision.ref_of(decision))
        issue.decision_id = found.id
    if text.strip():
        add_note(session, actor=actor, number=number, text=text, now=now)
    issue.status = "closed"
    followups.withdraw_ack_reminders(session, issue.id)
    issue.closed_at = now
    issue.closed_by = actor.user_id
    issue.last_activity_at = now
    audit.change(
        session, actor, issue, "closed", {"status": ["open", "closed"], "decision": decision}, now
    )
    refresh_notices(session, issue, now)
    return issue


def reopen(session: Session, *, actor: Actor, number: int, now: datetime) -> Issue:
    """Owner, reporter or coordinator: open a closed issue again."""
    issue = get(session, number)
    permissions.require_issue_steward(actor, issue, ref=issue.ref)
    if issue.status == "open":
        raise UserError("issue.already_open", ref=issue.ref)
    issue.status = "open"
    issue.closed_at = issue.closed_by = None
    issue.last_activity_at = now
    audit.change(session, actor, issue, "reopened", {"status": ["closed", "open"]}, now)
    refresh_notices(session, issue, now)
    return issue


def acknowledge(
    session: Session, *, org: OrgConfig, actor: Actor, number: int, code: str, now: datetime
) -> tuple[Issue, IssueDepartment]:
    """Acknowledge I-n for one affected department."""
    issue = get(session, number)
    wanted = departments.resolve(org, [code], required=True)[0]
    row = next((d for d in issue.departments if d.department == wanted), None)
    if row is None:
        affected = ", ".join(d.department for d in issue.departments)
        raise UserError("issue.not_affected", ref=issue.ref, code=wanted, affected=affected)
    permissions.require_department_member(actor, wanted, key="issue.ack_not_allowed", ref=issue.ref)
    if row.acked_by:
        raise UserError("issue.already_acked", ref=issue.ref, code=wanted, by=row.acked_by)
    row.acked_by, row.acked_at = actor.user_id, now
    followups.withdraw_ack_reminders(session, issue.id, wanted)
    audit.change(session, actor, issue, "acknowledged", {"department": wanted}, now)
    refresh_notices(session, issue, now)
    return issue, row


def remember_notice(session: Session, row: object) -> None:
    """Keep where a department's notice was posted, so it can be updated in place."""
    from storage.models import OutboxMessage

    assert isinstance(row, OutboxMessage)
    code = row.payload.get("extra", {}).get("department")
    if row.method != outbox.POST or row.ref_id is None or not code:
        return
    found = store.department_row(session, row.ref_id, code)
    if found is not None:
        found.notice_channel = row.result_channel or row.channel
        found.notice_ts = row.result_ts
