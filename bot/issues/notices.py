"""What a change to an issue tells people: a notice in each affected department's channel
(updated in place as the issue changes), DMs to its owner and to those an owner change
concerns, and the coordinators' alert when a department has no channel.

Messages are queued in the outbox in the caller's transaction; their text and blocks are
composed when they are sent (renderers registered by the Slack side), so a notice always
shows the issue as it is then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import bindings, departments, outbox
from bot.context import Actor
from bot.orgconfig import OrgConfig
from bot.text import guard
from bot.text.i18n import t
from storage import issues as store
from storage.models import Issue

NOTICE = "issue_notice"
ASSIGNED = "issue_assigned"
OWNER_CHANGED = "issue_owner_changed"  # to the reporter and the previous owner


def _fallback(issue: Issue) -> str:
    """What a queued message about ``issue`` says until it is composed (and in notifications)."""
    return f"{issue.ref}: {guard.mrkdwn(issue.title)}"


def tell_departments(
    session: Session, org: OrgConfig, issue: Issue, codes: Sequence[str], now: datetime
) -> None:
    """A notice in the channel of each of ``codes``; the coordinators hear of one without."""
    bound = bindings.current(session, org)
    for code in codes:
        channel = bound.get(f"dept:{code}")
        if channel:
            _notice(session, issue, code=code, channel=channel, now=now)
        else:
            text = t(org.language, "issue.unbound_department", code=code, ref=issue.ref)
            bindings.alert_unbound(
                session, org, target=f"dept:{code}", text=text, ref_kind="issue",
                ref_id=issue.id, now=now,
            )  # fmt: skip


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
        at_commit=True,
    )


def _reach(session: Session, org: OrgConfig | None) -> dict[str, Any] | None:
    """Where a DM goes if Slack refuses it for a partner agency's user (SPEC §8)."""
    return departments.dm_fallback(session, org) or None if org is not None else None


def tell_owner(session: Session, issue: Issue, now: datetime, org: OrgConfig | None = None) -> None:
    """A DM to the issue's owner: it is theirs now (``org``: to their department's channel
    instead if Slack refuses the DM for a partner agency's user)."""
    outbox.enqueue(
        session,
        kind=ASSIGNED,
        text=_fallback(issue),
        user=issue.owner,
        due_at=now,
        ref_kind="issue",
        ref_id=issue.id,
        extra=_reach(session, org),
        at_commit=True,
    )


def tell_owner_changed(
    session: Session, issue: Issue, *, before: str, actor: Actor, now: datetime,
    org: OrgConfig | None = None,
) -> None:  # fmt: skip
    """The reporter and the previous owner hear of a new owner, unless they made the change
    themselves (or are the new owner)."""
    owner = issue.owner
    reach = _reach(session, org) or {}
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
                extra={"before": before, "owner": owner, "by": actor.user_id, **reach},
                at_commit=True,
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
                at_commit=True,
            )


def remember_notice(session: Session, row: object) -> None:
    """Keep where a department's notice was posted, so it can be updated in place."""
    from storage.models import OutboxMessage

    assert isinstance(row, OutboxMessage)
    code = row.payload.get("extra", {}).get("department")
    if row.method != outbox.POST or row.ref_id is None or not code:
        return
    store.remember_notice(
        session, row.ref_id, code, row.result_channel or row.channel, row.result_ts
    )
