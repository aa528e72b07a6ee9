"""Changes to a meeting that is still open (SPEC §4.3): its agenda, a new time, a
cancellation, an optional department's attendance.

Messages about a meeting are queued in the outbox in the caller's transaction and composed
when they are sent (renderers on the Slack side).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import audit, departments, mailing, permissions
from bot.automation import meeting_reminders
from bot.context import Actor
from bot.errors import UserError
from bot.meetings.reads import get
from bot.meetings.rules import ANSWERS, Deferred, read, require_open, series_of
from bot.orgconfig import OrgConfig
from bot.text import guard
from bot.text.holidays import holiday
from storage import issues as issue_store
from storage import meetings as store
from storage import search
from storage.models import AgendaItem, Attendance, Issue, Meeting


@dataclass(frozen=True)
class MoveInput:
    number: int
    start: datetime


@dataclass(frozen=True)
class CancelInput:
    number: int
    reason: str = ""


@dataclass(frozen=True)
class Change:
    meeting: Meeting
    before: datetime
    holiday: str | None = None
    withdrawn: int = 0


def add_agenda(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    number: int,
    text: str,
    now: datetime,
    department: str | None = None,
    issue: int | None = None,
) -> tuple[Meeting, AgendaItem]:
    """Anyone: an agenda item on M-n, optionally for a department and about an issue."""
    meeting = get(session, number)
    require_open(meeting, now)
    body = guard.check_text(text, "agenda", required=True)
    code = departments.resolve(org, [department], required=True)[0] if department else None
    issue_id = None
    if issue is not None:
        found = issue_store.by_number(session, issue)
        if found is None:
            raise UserError("common.issue_not_found", ref=Issue.ref_of(issue))
        issue_id = found.id
    item = AgendaItem(
        text=body, author=actor.user_id, department=code, issue_id=issue_id, created_at=now
    )
    meeting.agenda.append(item)
    meeting.updated_at = now
    session.flush()
    audit.change(
        session, actor, meeting, "agenda_added",
        {"text": body, "department": code, "issue": Issue.ref_of(issue) if issue else None},
        now,
    )  # fmt: skip
    search.index(session, [search.of_meeting(meeting)])
    meeting_reminders.refresh_invites(session, meeting, now)
    return meeting, item


def move(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    data: Deferred[MoveInput],
    now: datetime,
    typed_in: str | None = None,
) -> Change:
    """Coordinator: M-n at a new time; pending reminders are withdrawn and planned anew."""
    permissions.require_coordinator(actor)
    data = read(data)
    start = data.start
    meeting = get(session, data.number)
    require_open(meeting, now)
    if start <= now:
        raise UserError("meeting.in_past")
    if start == meeting.starts_at:
        raise UserError("meeting.same_time", ref=meeting.ref)
    before = meeting.starts_at
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = start, start + length
    meeting.moved_from = None
    meeting.sequence += 1
    meeting.timed_at = meeting.updated_at = now
    withdrawn = meeting_reminders.withdraw(session, meeting)
    audit.change(
        session, actor, meeting, "moved",
        {"starts_at": [before.isoformat(), start.isoformat()]},
        now,
    )  # fmt: skip
    meeting_reminders.tell_channel(
        session, org, meeting, meeting_reminders.MOVED, now, typed_in=typed_in,
        extra={"before": before.isoformat()},
    )  # fmt: skip
    meeting_reminders.refresh_invites(session, meeting, now)
    meeting_reminders.plan(session, org, now, [meeting])
    mailing.invitations(session, org, [meeting], now)  # the same UID, a higher SEQUENCE
    local = start.astimezone(org.timezone).date()
    return Change(meeting, before, holiday=holiday(local), withdrawn=withdrawn)


def cancel(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    data: Deferred[CancelInput],
    now: datetime,
    typed_in: str | None = None,
) -> Change:
    """Coordinator: cancel M-n; its pending reminders are withdrawn and the channel is told."""
    permissions.require_coordinator(actor)
    data = read(data)
    meeting = get(session, data.number)
    require_open(meeting, now)
    why = guard.check_text(data.reason, "reason")
    meeting.status = store.CANCELLED
    meeting.cancel_reason = why or None
    meeting.sequence += 1
    meeting.updated_at = now
    withdrawn = meeting_reminders.withdraw(session, meeting)
    audit.change(session, actor, meeting, "cancelled", {"reason": why or None}, now)
    meeting_reminders.tell_channel(
        session, org, meeting, meeting_reminders.CANCELLED, now, typed_in=typed_in
    )
    meeting_reminders.refresh_invites(session, meeting, now)
    mailing.invitations(session, org, [meeting], now)  # a CANCEL
    return Change(meeting, meeting.starts_at, withdrawn=withdrawn)


def answer_attendance(
    session: Session,
    *,
    org: OrgConfig,
    actor: Actor,
    number: int,
    code: str,
    answer: str,
    now: datetime,
) -> Meeting:
    """An optional department's answer for one meeting (the last answer counts)."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown attendance answer {answer!r}")
    meeting = get(session, number)
    require_open(meeting, now)
    series = series_of(org, meeting.series_key)
    wanted = departments.resolve(org, [code], required=True)[0]
    if wanted not in series.optional:
        raise UserError("meeting.not_optional", code=wanted, ref=meeting.ref)
    permissions.require_department_member(
        actor, wanted, key="meeting.answer_not_allowed", ref=meeting.ref
    )
    row = next((a for a in meeting.attendance if a.department == wanted), None)
    if row is None:
        meeting.attendance.append(
            Attendance(department=wanted, answer=answer, answered_by=actor.user_id, answered_at=now)
        )
    else:
        row.answer, row.answered_by, row.answered_at = answer, actor.user_id, now
    meeting.updated_at = now
    session.flush()
    audit.change(
        session, actor, meeting, "attendance", {"department": wanted, "answer": answer}, now
    )
    meeting_reminders.refresh_invites(session, meeting, now)
    return meeting
