"""The changes to issues (SPEC §4.2): register, note, assign or take, close, reopen,
acknowledge; each audited, and the people it concerns told (``bot.issues.notices``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot import audit, departments, mailing, permissions, screening
from bot.automation import followups
from bot.context import Actor, local_today
from bot.decisions import SourceLink
from bot.errors import UserError
from bot.issues.notices import refresh_notices, tell_departments, tell_owner, tell_owner_changed
from bot.issues.reads import get
from bot.orgconfig import OrgConfig
from bot.text import guard
from storage import common, hot, search
from storage import decisions as decision_store
from storage import issues as issue_store
from storage.models import Decision, Issue, IssueDepartment, IssueNote

PRIORITIES = {
    "low": "low", "lav": "low", "låg": "low", "lag": "low",
    "normal": "normal",
    "high": "high", "høy": "high", "hoy": "high", "hoey": "high", "høg": "high", "hog": "high",
}  # fmt: skip


@dataclass(frozen=True)
class IssueInput:
    title: str
    departments: Sequence[str]
    description: str = ""
    owner: str | None = None
    priority: str = "normal"
    due: date | None = None
    source: SourceLink | None = field(default=None)
    screening: str | None = None  # the legal basis to screen it with (SPEC §10), None: none


def priority_of(value: str) -> str:
    """``høy`` / ``high`` -> ``high``; unknown values are refused."""
    found = PRIORITIES.get(value.strip().lower())
    if found is None:
        raise UserError("issue.bad_priority", value=value.strip()[:40])
    return found


def register(
    session: Session, *, org: OrgConfig, actor: Actor, data: IssueInput, now: datetime
) -> Issue:
    """Register I-n (screened if asked), queue a notice to each affected department and tell a
    named owner."""
    typed, screen = screening.asked(data.title, data.screening)
    title = guard.check_text(typed, "title", limit=guard.TITLE_LIMIT, required=True)
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
    _link_source(issue, data.source)
    hot.add(session, issue, "departments")
    audit.change(session, actor, issue, "registered", {"title": title, "departments": codes}, now)
    screening.screen_new(session, actor=actor, record=issue, asked=screen, now=now)
    search.index(session, [search.of_issue(issue, notes=())])
    tell_departments(session, org, issue, codes, now)
    mailing.issue_notices(session, org, issue, codes, now)
    if owner != actor.user_id:
        tell_owner(session, issue, now, org)
    return issue


def _link_source(issue: Issue, source: SourceLink | None) -> None:
    """The Slack message the issue was registered from, if it was."""
    if source is not None:
        issue.source_channel = source.channel
        issue.source_ts = source.ts
        issue.source_permalink = source.permalink


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
    search.index(session, [search.of_issue(issue)])
    return issue


def assign(
    session: Session, *, actor: Actor, number: int, owner: str, now: datetime,
    org: OrgConfig | None = None,
) -> Issue:  # fmt: skip
    """Owner, reporter or coordinator: a new owner for an open issue (SPEC §4.2)."""
    issue = get(session, number)
    permissions.require_issue_steward(actor, issue, ref=issue.ref)
    return _change_owner(session, actor, issue, owner, now, org)


def take(
    session: Session, *, actor: Actor, number: int, now: datetime, org: OrgConfig | None = None
) -> Issue:
    """A member of an affected department or a coordinator takes ownership of an open issue."""
    issue = get(session, number)
    permissions.require_issue_taker(actor, issue, ref=issue.ref)
    return _change_owner(session, actor, issue, actor.user_id, now, org)


def _change_owner(
    session: Session, actor: Actor, issue: Issue, owner: str, now: datetime,
    org: OrgConfig | None,
) -> Issue:  # fmt: skip
    if issue.status == "closed":
        raise UserError("issue.assign_closed", ref=issue.ref)
    if owner == issue.owner:
        raise UserError("issue.already_owner", ref=issue.ref, owner=owner)
    before = issue.owner
    issue.owner = owner
    issue.last_activity_at = now
    audit.change(session, actor, issue, "assigned", {"owner": [before, owner]}, now)
    if owner != actor.user_id:
        tell_owner(session, issue, now, org)
    tell_owner_changed(session, issue, before=before, actor=actor, now=now, org=org)
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
    issue = get(session, number, notes=False)
    wanted = departments.resolve(org, [code], required=True)[0]
    row = next((d for d in issue.departments if d.department == wanted), None)
    if row is None:
        affected = ", ".join(d.department for d in issue.departments)
        raise UserError("issue.not_affected", ref=issue.ref, code=wanted, affected=affected)
    permissions.require_department_member(actor, wanted, key="issue.ack_not_allowed", ref=issue.ref)
    if row.acked_by:
        raise UserError("issue.already_acked", ref=issue.ref, code=wanted, by=row.acked_by)
    if not issue_store.acknowledge(session, row, actor.user_id, now):  # a moment ago
        raise UserError("issue.already_acked", ref=issue.ref, code=wanted, by=row.acked_by)
    followups.withdraw_ack_reminders(session, issue.id, wanted)
    audit.change(session, actor, issue, "acknowledged", {"department": wanted}, now)
    refresh_notices(session, issue, now)
    return issue, row
