"""Department codes as users type them, checked against the organisation config."""

from __future__ import annotations

from collections.abc import Iterable

from bot.errors import UserError
from bot.orgconfig import OrgConfig


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
