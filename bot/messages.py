"""Every kind of message the core queues in the outbox, and what the dispatcher needs for each.

A *composed* kind is composed when it is sent, from the record as it is then, so each process
that sends must have a renderer for it (``returbot.wiring`` refuses to start without one); a
*carried* kind holds its own text and blocks from the moment it is queued.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import digest, issues, mailing
from bot.automation import followups, meeting_reminders
from bot.outbox import SentHook

COMPOSED: frozenset[str] = frozenset(
    {
        issues.NOTICE,
        issues.ASSIGNED,
        issues.OWNER_CHANGED,
        followups.ACK_REMINDER,
        followups.DUE_REMINDER,
        followups.OVERDUE,
        followups.STALE,
        meeting_reminders.REMINDER,
        meeting_reminders.INVITE,
        meeting_reminders.STATUS_REQUEST,
        meeting_reminders.MOVED,
        meeting_reminders.CANCELLED,
        digest.KIND,
        *mailing.COMPOSED,
    }
)
CARRIED: frozenset[str] = frozenset(
    {"alert", "confirmation", "fallback", meeting_reminders.ICS, *mailing.CARRIED}
)
# what runs in the transaction that records a kind as sent
SENT_HOOKS: Mapping[str, Sequence[SentHook]] = {issues.NOTICE: (issues.remember_notice,)}
