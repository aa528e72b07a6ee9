"""The audit trail of the records (SPEC §3): who changed what, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.context import Actor
from storage import common
from storage.models import Decision, Issue, Meeting

_ENTITY: dict[type[Decision | Issue | Meeting], str] = {
    Decision: "decision",
    Issue: "issue",
    Meeting: "meeting",
}


def change(
    session: Session,
    actor: Actor,
    record: Decision | Issue | Meeting,
    action: str,
    changes: dict[str, object],
    now: datetime,
) -> None:
    """Keep that ``actor`` did ``action`` to ``record`` at ``now`` (``changes``: what, before
    and after where it matters)."""
    common.audit(
        session, actor=actor.user_id, entity=_ENTITY[type(record)], entity_id=record.id,
        action=action, changes=changes, at=now,
    )  # fmt: skip
