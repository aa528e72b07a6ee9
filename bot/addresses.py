"""Departments' e-mail addresses (SPEC §8): who gets a department's notices, reminders and
meeting invitations by e-mail. The config's ``email`` list holds, until a coordinator sets the
department's addresses with `/returbot email DEPT …` (or `none`); from then that list does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import departments, permissions, settled
from bot.context import Actor
from bot.orgconfig import OrgConfig
from bot.text import emails
from storage import common
from storage.models import DepartmentEmail


def configured(org: OrgConfig) -> dict[str, tuple[str, ...]]:
    """The addresses the config gives each department (code -> addresses)."""
    return {d.code: d.email for d in org.departments}


def current(session: Session, org: OrgConfig) -> dict[str, list[str]]:
    """Every department's addresses now (code -> addresses; empty: none)."""
    out = {code: list(found) for code, found in configured(org).items()}
    for department, addresses in settled.read(session, "addresses", _stored).items():
        if department in out:  # a department that left the config is left out
            out[department] = list(addresses)
    return out


def _stored(session: Session) -> dict[str, tuple[str, ...]]:
    return {
        row.department: tuple(row.addresses) for row in session.scalars(select(DepartmentEmail))
    }


def set_addresses(
    session: Session, *, org: OrgConfig, actor: Actor, text: str, now: datetime
) -> tuple[str, list[str], list[str]]:
    """Coordinator: `/returbot email DEPT a@x.no,b@x.no` (or `none`); returns the department,
    its addresses before and after. Nothing changes on a bad department or address."""
    permissions.require_coordinator(actor)
    given, _, rest = text.strip().partition(" ")
    code = departments.resolve(org, [given], required=True)[0]
    addresses = emails.parse(rest)
    before = current(session, org).get(code, [])
    common.settings_changed(session)
    row = session.get(DepartmentEmail, code)
    if row is None:
        session.add(
            DepartmentEmail(department=code, addresses=addresses, set_by=actor.user_id, set_at=now)
        )
    else:
        row.addresses, row.set_by, row.set_at = addresses, actor.user_id, now
    common.audit(
        session, actor=actor.user_id, entity="department", entity_id=None, action="email_set",
        changes={"department": code, "addresses": [before, addresses]}, at=now,
    )  # fmt: skip
    return code, before, addresses
