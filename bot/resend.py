"""The resend guard (SPEC §6): a command or form sent again by the same user within a minute
makes no second record.

A request that made a record leaves a receipt under its fingerprint (the command or form with
the values as sent); the same fingerprint within ``WINDOW`` names that record instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage import common

WINDOW = timedelta(seconds=60)


def made_moments_ago(
    session: Session, *, user_id: str, fingerprint: str, now: datetime
) -> str | None:
    """The record the same request made within the last minute, if any; concurrent resends
    wait for each other here (the fingerprint is locked until the transaction ends)."""
    common.lock_fingerprint(session, user_id, fingerprint)
    return common.recent_receipt(session, user_id, fingerprint, now - WINDOW)


def remember(
    session: Session, *, user_id: str, fingerprint: str, receipt: str, now: datetime
) -> None:
    """Keep that the request ``fingerprint`` made the record ``receipt`` (``I-3``)."""
    common.add_receipt(session, user_id, fingerprint, receipt, now)
