"""The issue messages the outbox sends, composed when they are sent from the issue as it is
then: a department's notice, the follow-up reminders, the owner's DMs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import issues, outbox
from bot.automation import followups
from bot.runtime import Runtime
from handlers.common import Rendered, RenderWith, bind_renderers, today
from handlers.views import issues as views
from storage.models import Issue, OutboxMessage

# the reminder kinds the follow-ups queue, and the sentence each one is
REMINDERS = {
    followups.ACK_REMINDER: "ack_reminder",
    followups.DUE_REMINDER: "due_reminder",
    followups.OVERDUE: "overdue_reminder",
    followups.STALE: "stale_reminder",
}


def _issue(session: Session, row: OutboxMessage) -> Issue:
    found = issues.by_id(session, row.ref_id) if row.ref_id else None
    if found is None:
        raise LookupError(f"issue #{row.ref_id} is gone")
    return found


def _department(row: OutboxMessage) -> str:
    return str(row.payload.get("extra", {}).get("department", ""))


def notice(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """The notice in an affected department's channel, with its buttons."""
    code = _department(row)
    return views.notice(
        _issue(session, row), code, rt.org.language, today(rt), rt.org.timezone, rt.org.web_url
    )


def reminder(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """An acknowledgement reminder to a channel, or a due, overdue or stale one to the owner."""
    issue = _issue(session, row)
    lang = rt.actor(session, row.user).lang if row.user else rt.org.language
    return views.reminder(
        issue, REMINDERS[row.kind], lang, code=_department(row), days=rt.org.stale_after.days
    )


def owner_changed(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """To the reporter and the previous owner: who owns the issue now, and who changed it."""
    lang = rt.actor(session, row.user or "").lang
    extra = row.payload.get("extra", {})
    return views.owner_changed_dm(
        _issue(session, row),
        lang,
        before=str(extra.get("before", "")),
        owner=str(extra.get("owner", "")),
        by=str(extra.get("by", "")),
    )


def assigned(rt: Runtime, session: Session, row: OutboxMessage) -> Rendered:
    """To a new owner whom somebody else named."""
    lang = rt.actor(session, row.user or "").lang
    return views.assigned_dm(_issue(session, row), lang, today(rt))


RENDERERS: dict[str, RenderWith] = {
    issues.NOTICE: notice,
    **{kind: reminder for kind in REMINDERS},
    issues.OWNER_CHANGED: owner_changed,
    issues.ASSIGNED: assigned,
}


def renderers(rt: Runtime) -> outbox.Renderers:
    """Compose notices and owner DMs when they are sent, from the issue as it is then."""
    return bind_renderers(rt, RENDERERS)
