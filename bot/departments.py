"""Department codes as users type them, checked against the organisation config."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from bot import bindings
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from bot.outbox.alerts import DM_FALLBACK


def resolve(org: OrgConfig, codes: Iterable[str], *, required: bool = False) -> list[str]:
    """Upper-cased, known, de-duplicated codes in the order given; unknown ones are refused."""
    out: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        if org.department(code) is None:
            raise UserError(
                "common.unknown_department", code=raw.strip(), valid=", ".join(org.department_codes)
            )
        if code not in out:
            out.append(code)
    if required and not out:
        raise UserError("common.department_required", valid=", ".join(org.department_codes))
    return out


def dm_fallback(session: Session, org: OrgConfig) -> dict[str, Any]:
    """The payload extra of a DM: the channel of each partner agency with a Slack team, where
    the DM goes, with a mention, if Slack refuses it for a user of that team (SPEC §8)."""
    teams = org.slack_teams
    if not teams:
        return {}
    bound = bindings.department_channels(session, org)
    reach = {team: [code, bound[code]] for code, team in teams.items() if bound.get(code)}
    return {DM_FALLBACK: reach} if reach else {}
