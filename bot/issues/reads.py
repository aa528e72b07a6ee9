"""What is read about issues: one issue, a list of them, the decisions linked to one."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot import departments
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from storage import issues as store
from storage.models import Decision, Issue

STATUSES = ("open", "closed", "all")


def get(session: Session, number: int, *, notes: bool = True) -> Issue:
    """I-``number`` (its notes loaded unless ``notes=False``); a sentence if there is none."""
    issue = store.by_number(session, number, notes=notes)
    if issue is None:
        raise UserError("common.issue_not_found", ref=Issue.ref_of(number))
    return issue


def by_id(session: Session, issue_id: int) -> Issue | None:
    """The issue of that id with its departments (for a message composed from it), if any."""
    return store.by_id(session, issue_id)


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
