"""Meetings (SPEC §3, §4.3): series, recurrence, agendas, attendance, moves and cancellations.

``rules`` says what a meeting may be; ``scheduling`` makes meetings, one or a recurring series
of them (each occurrence an ``M-n`` of its own); ``changes`` changes a meeting that is still
open; ``reads`` reads them. Every name is importable from here:
``from bot import meetings; meetings.schedule(...)``.
"""

from bot.meetings.changes import (
    CancelInput,
    Change,
    MoveInput,
    add_agenda,
    answer_attendance,
    cancel,
    move,
)
from bot.meetings.reads import (
    Details,
    Upcoming,
    agenda_issues,
    channel_for,
    details,
    get,
    issues_owned,
    next_per_series,
    suggestions,
    upcoming,
)
from bot.meetings.rules import (
    ANSWERS,
    DEFAULT_DURATION,
    MAX_DURATION,
    REPEAT,
    Deferred,
    all_departments,
    rule_of,
    series_of,
)
from bot.meetings.scheduling import (
    HORIZON,
    MeetingInput,
    Moved,
    Scheduled,
    extend_series,
    schedule,
)

__all__ = [
    "ANSWERS",
    "DEFAULT_DURATION",
    "HORIZON",
    "MAX_DURATION",
    "REPEAT",
    "CancelInput",
    "Change",
    "Deferred",
    "Details",
    "MeetingInput",
    "MoveInput",
    "Moved",
    "Scheduled",
    "Upcoming",
    "add_agenda",
    "agenda_issues",
    "all_departments",
    "answer_attendance",
    "cancel",
    "channel_for",
    "details",
    "extend_series",
    "get",
    "issues_owned",
    "move",
    "next_per_series",
    "rule_of",
    "schedule",
    "series_of",
    "suggestions",
    "upcoming",
]
