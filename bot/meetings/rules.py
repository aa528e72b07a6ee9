"""What a meeting may be: its series, how long it lasts, how it repeats, when it is still open,
and how a coordinator-only use case is handed what to do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeAlias, TypeVar

from bot.errors import UserError
from bot.orgconfig import MeetingSeries, OrgConfig
from storage import meetings as store
from storage.models import Meeting

DEFAULT_DURATION = timedelta(hours=2)
MAX_DURATION = timedelta(days=3)
REPEAT = {
    "weekly": "weekly", "ukentlig": "weekly", "hver-uke": "weekly", "week": "weekly",
    "uke": "weekly",
    "monthly": "monthly", "månedlig": "monthly", "maanedlig": "monthly", "month": "monthly",
    "måned": "monthly",
    "quarterly": "quarterly", "kvartalsvis": "quarterly", "quarter": "quarterly",
    "kvartal": "quarterly",
    "none": None, "no": None, "ingen": None, "nei": None, "": None,
}  # fmt: skip
ANSWERS = ("attend", "skip")

T = TypeVar("T")
# what a coordinator-only use case is asked to do: the value, or a function that reads it from
# the request; a function is called after the permission check, so somebody who may not act is
# told so, not what is wrong with what they typed
Deferred: TypeAlias = T | Callable[[], T]


def read(given: Deferred[T]) -> T:
    """The value a use case was handed, read now (after its permission check)."""
    return given() if callable(given) else given


def series_of(org: OrgConfig, key: str) -> MeetingSeries:
    found = org.meeting_series(key.strip()) if key.strip() else None
    if found is None:
        valid = ", ".join(s.key for s in org.series)
        raise UserError("meeting.unknown_series", value=key.strip()[:40] or "—", valid=valid)
    return found


def rule_of(value: str | None) -> str | None:
    """``kvartalsvis`` / ``quarterly`` -> ``quarterly``; none -> None; unknown ones refused."""
    if value is None:
        return None
    word = value.strip().lower()
    if word not in REPEAT:
        raise UserError("meeting.bad_repeat", value=value.strip()[:40])
    return REPEAT[word]


def duration_of(value: timedelta | None) -> timedelta:
    """The length asked for (two hours if none), refused past ``MAX_DURATION``."""
    duration = value or DEFAULT_DURATION
    if duration > MAX_DURATION:
        raise UserError("meeting.too_long", hours=int(MAX_DURATION.total_seconds() // 3600))
    return duration


def require_open(meeting: Meeting, now: datetime) -> None:
    """A meeting that is cancelled or over takes no changes."""
    if meeting.status == store.CANCELLED:
        raise UserError("meeting.is_cancelled", ref=meeting.ref)
    if meeting.ends_at <= now:
        raise UserError("meeting.is_over", ref=meeting.ref)


def all_departments(series: MeetingSeries) -> list[str]:
    """A series' departments, the optional ones included, each once."""
    return list(dict.fromkeys([*series.departments, *series.optional]))
