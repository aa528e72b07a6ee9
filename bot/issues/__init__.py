"""The issue register (SPEC §3, §4.2): departments informed, acknowledged and followed up.

``writes`` holds the use cases that change issues, ``reads`` those that read them, and
``notices`` what the changes queue in the outbox (composed when sent, by renderers on the
Slack side). Every name is importable from here: ``from bot import issues; issues.close(...)``.
"""

from bot.issues.notices import (
    ASSIGNED,
    NOTICE,
    OWNER_CHANGED,
    refresh_notices,
    remember_notice,
)
from bot.issues.reads import STATUSES, by_id, decisions_for, get, listing
from bot.issues.writes import (
    PRIORITIES,
    IssueInput,
    acknowledge,
    add_note,
    assign,
    close,
    priority_of,
    register,
    reopen,
    take,
)

__all__ = [
    "ASSIGNED",
    "NOTICE",
    "OWNER_CHANGED",
    "PRIORITIES",
    "STATUSES",
    "IssueInput",
    "acknowledge",
    "add_note",
    "assign",
    "by_id",
    "close",
    "decisions_for",
    "get",
    "listing",
    "priority_of",
    "refresh_notices",
    "register",
    "remember_notice",
    "reopen",
    "take",
]
