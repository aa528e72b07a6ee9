"""The meeting messages the outbox sends, composed when they are sent from the meeting as it
is then: reminders, invitations, status requests, the notices of a move or a cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import meetings, outbox
from bot.automation import meeting_reminders
from bot.runtime import Runtime
from handlers.common import Rendered, RenderWith, bind_renderers
from handlers.views import meeting_messages as views
from storage.models import Meeting, OutboxMessage


def _meeting(session: Session, row: OutboxMessage) -> Meeting:
    found = session.get(Meeting, row.ref_id) if row.ref_id else None
    if found is None:
        raise LookupError(f"meeting #{row.ref_id} is gone")
    return found


def _extra(row: OutboxMessage) -> dict[str, Any]:
    return dict(row.payload.get("extra") or {})


def reminder(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """A reminder in the series' channel, ``offset`` before the meeting, with its agenda."""
    meeting = _meeting(session, row)
    offset = timedelta(seconds=int(_extra(row).get("offset", 0)))
    issues = meetings.agenda_issues(session, meeting)
    return views.reminder(meeting, issues, rt.org.language, rt.org.timezone, offset)


def invite(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """An optional department's invitation, with its attend and skip buttons."""
    meeting = _meeting(session, row)
    code = str(_extra(row).get("department", ""))
    issues = meetings.agenda_issues(session, meeting)
    return views.invite(meeting, code, issues, rt.org.language, rt.org.timezone)


def status_request(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """An owner's DM: the open issues they own, each with a button for a status note."""
    meeting = _meeting(session, row)
    owner = row.user or ""
    mine = meetings.issues_owned(session, org=rt.org, meeting=meeting, owner=owner)
    return views.status_request(meeting, mine, rt.actor(session, owner).lang, rt.org.timezone)


def moved(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    before = datetime.fromisoformat(str(_extra(row).get("before")))
    return views.moved_notice(_meeting(session, row), before, rt.org.language, rt.org.timezone)


def cancelled(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    return views.cancelled_notice(_meeting(session, row), rt.org.language, rt.org.timezone)


RENDERERS: dict[str, RenderWith] = {
    meeting_reminders.REMINDER: reminder,
    meeting_reminders.INVITE: invite,
    meeting_reminders.STATUS_REQUEST: status_request,
    meeting_reminders.MOVED: moved,
    meeting_reminders.CANCELLED: cancelled,
}


def renderers(rt: Runtime) -> outbox.Renderers:
    """Compose the meeting messages when they are sent, from the meeting as it is then."""
    return bind_renderers(rt, RENDERERS)
