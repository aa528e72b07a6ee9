"""Channel bindings (SPEC §4.5) and the user's language choice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import outbox, permissions, settled
from bot.context import Actor
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from storage import common


def target_for(org: OrgConfig, text: str) -> str:
    """``RMA`` -> ``dept:RMA``, ``network`` -> ``series:network``, ``digest`` -> ``digest``."""
    word = text.strip().split()[0] if text.strip() else ""
    if word.lower() == "digest":
        return "digest"
    department = org.department(word) if word else None
    if department is not None:
        return f"dept:{department.code}"
    series = org.meeting_series(word) if word else None
    if series is not None:
        return f"series:{series.key}"
    valid = ", ".join([*org.department_codes, *(s.key for s in org.series), "digest"])
    raise UserError("admin.bad_target", value=word or "—", valid=valid)


def label(org: OrgConfig, target: str) -> str:
    """A binding target as people say it: ``RMA``, ``network``, ``digest``."""
    return target.split(":", 1)[1] if ":" in target else target


def bind_channel(
    session: Session, *, org: OrgConfig, actor: Actor, text: str, channel_id: str, now: datetime
) -> tuple[str, str | None]:
    """Coordinator: bind what ``text`` names (a department, a series, the digest) to the
    channel ``channel_id``; returns the target and the channel it was bound to before."""
    permissions.require_coordinator(actor)
    target = target_for(org, text)
    before = bind(session, user_id=actor.user_id, target=target, channel_id=channel_id, now=now)
    return target, before


def bind(
    session: Session, *, user_id: str, target: str, channel_id: str, now: datetime | None = None
) -> str | None:
    """Bind ``target`` to ``channel_id``; returns the channel it had before."""
    before = common.bind_channel(session, target, channel_id, user_id)
    common.audit(
        session,
        actor=user_id,
        entity="binding",
        entity_id=None,
        action="bound",
        changes={"target": target, "channel": [before, channel_id]},
        at=now,
    )
    return before


def current(session: Session, org: OrgConfig) -> dict[str, str]:
    """Every binding: the config's channels, overridden by those bound at run time (read
    once per change of the settings' stamp in each process: ``bot.settled``)."""
    out = {f"dept:{d.code}": d.channel for d in org.departments if d.channel}
    out.update({f"series:{s.key}": s.channel for s in org.series if s.channel})
    out.update(settled.read(session, "bindings", common.bindings))
    return out


def department_channels(session: Session, org: OrgConfig) -> dict[str, str]:
    """Department code -> its bound channel, for the departments that have one."""
    return {
        target.removeprefix("dept:"): channel
        for target, channel in current(session, org).items()
        if target.startswith("dept:")
    }


def set_language(session: Session, *, user_id: str, language: str) -> None:
    common.set_user_language(session, user_id, language)


def alert_unbound(
    session: Session, org: OrgConfig, *, target: str, text: str, ref_kind: str, ref_id: int,
    now: datetime,
) -> None:  # fmt: skip
    """Tell each coordinator, once per target, that a message found no channel bound to
    ``target`` (``dept:RMA``, ``series:network``): ``text`` says which and for what record."""
    for coordinator in org.coordinators:
        outbox.enqueue(
            session, kind="alert", text=text, user=coordinator, due_at=now,
            dedupe_key=f"unbound:{target}:{coordinator}", ref_kind=ref_kind, ref_id=ref_id,
        )  # fmt: skip
