"""One-click acknowledgement links for people who read e-mail (SPEC §9, §8).

A link is made for one issue, one department and one address, and is good for one
acknowledgement within 14 days. The token is 256 random bits; only its SHA-256 is stored, so the
database cannot hand one out again. Opening the link shows the issue (``look_up``); the button on
that page records the acknowledgement (``acknowledge``), as `/issue ack` would for the
department, by the address the link was sent to.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit, permissions
from bot.automation import followups
from bot.context import Actor
from bot.errors import UserError
from bot.issues.notices import refresh_notices
from bot.orgconfig import OrgConfig
from storage.models import ACKED_BY_LINK, AckLink, Issue, IssueDepartment

VALID_FOR = timedelta(days=14)
TOKEN_BYTES = 32  # 256 bits; SPEC §9 asks for at least 128
_MAX_TOKEN = 128  # a longer "token" in a URL is not one of ours: refused before hashing


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make(session: Session, *, issue: Issue, department: str, address: str, now: datetime) -> str:
    """A new link's token for ``department`` of ``issue``, sent to ``address``."""
    if all(d.department != department for d in issue.departments):
        raise ValueError(f"{issue.ref} does not affect {department}: no link for it")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        AckLink(
            token_hash=_hash(token), issue_id=issue.id, department=department, address=address,
            created_at=now, expires_at=now + VALID_FOR,
        )
    )  # fmt: skip
    return token


@dataclass(frozen=True)
class Opened:
    """What a link's page shows: the issue, the department, whether it is already done."""

    link: AckLink
    issue: Issue
    row: IssueDepartment

    @property
    def acknowledged(self) -> bool:
        return self.row.acked_at is not None


def look_up(session: Session, *, token: str, now: datetime, lock: bool = False) -> Opened:
    """The link of ``token``, still good; a sentence when it is unknown, used or expired
    (``lock``: its row locked, so that two clicks at once use it once)."""
    link = None
    if 0 < len(token) <= _MAX_TOKEN:
        statement = select(AckLink).where(AckLink.token_hash == _hash(token))
        link = session.scalar(statement.with_for_update() if lock else statement)
    permissions.require_ack_link(link, now)
    assert link is not None  # the rule above refuses a missing one
    row = next((d for d in link.issue.departments if d.department == link.department), None)
    if row is None:  # the department is no longer one the issue affects
        raise UserError("ack.unknown")
    return Opened(link, link.issue, row)


def acknowledge(session: Session, *, org: OrgConfig, token: str, now: datetime) -> Opened:
    """Acknowledge the link's issue for its department, once; the link is used up."""
    opened = look_up(session, token=token, now=now, lock=True)
    link, issue, row = opened.link, opened.issue, opened.row
    link.used_at = now
    if row.acked_at is None:
        row.acked_by, row.acked_address, row.acked_at = ACKED_BY_LINK, link.address, now
        followups.withdraw_ack_reminders(session, issue.id, row.department)
        actor = Actor(user_id=ACKED_BY_LINK, lang=org.language)
        audit.change(
            session, actor, issue, "acknowledged",
            {"department": row.department, "by_email": link.address}, now,
        )  # fmt: skip
        refresh_notices(session, issue, now)
    return opened
