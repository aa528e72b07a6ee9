"""Who is acting, and what time it is: the two things every use case needs besides a session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.text.i18n import Lang

if TYPE_CHECKING:
    from bot.permissions import Belonging


@dataclass(frozen=True)
class Actor:
    """A Slack user acting through a command, a button or a modal.

    ``coordinators`` names who may do coordinator-only things (for the refusal's sentence);
    ``belonging`` answers which departments the user belongs to (``bot.permissions``);
    ``team`` is the user's Slack team as the request said it (None where it did not), which
    makes a partner agency's user a member of it (Slack Connect, SPEC §8).
    """

    user_id: str
    lang: Lang
    is_coordinator: bool = False
    coordinators: tuple[str, ...] = ()
    belonging: Belonging | None = field(default=None, compare=False, repr=False)
    team: str | None = None

    def in_team(self, team: str | None, teams: Mapping[str, str]) -> Actor:
        """The same actor, known to be of Slack team ``team`` (``teams``: the departments'
        Slack teams, code -> team ID)."""
        belonging = self.belonging.in_team(team, teams) if self.belonging is not None else None
        return replace(self, team=team or None, belonging=belonging)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that tests move by hand (``clock.advance(minutes=5)``)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """Today's date in the organisation's time zone."""
    return now.astimezone(tz).date()
