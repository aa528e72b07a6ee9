"""Who may do what (SPEC §4.1, §4.2, §4.3, §4.5): every rule in one place.

Use cases call these functions before they change anything, so a slash command, a button and a
form reach the same rule through the same code; handlers never decide a permission. A refusal
is a ``UserError`` whose sentence names who may.

A user belongs to a department when they are a member of the department's bound channel (SPEC
§2). Channel members are read from Slack through ``ChannelMembers`` (the Slack side implements
it, with a cache); a cached "not a member" is asked again before it refuses, so somebody who has
just joined the channel is not turned away by a stale list.

Slack Connect (SPEC §8): a partner agency may name its Slack team (``slack_team``); a user of
that team belongs to it, beside the members of its bound channel. A user of a team the network
does not know (neither the home team, the bot's own, nor a department's) belongs to no
department at all, whatever channels they are in, and a refusal tells them so. The user's team
comes from the request (``Actor.team``); the home team from Slack (``ChannelMembers.home_team``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.errors import UserError
from bot.text.guard import Markup

if TYPE_CHECKING:
    from datetime import datetime

    from bot.context import Actor
    from storage.models import AckLink, Decision, Issue


class ChannelMembers(Protocol):
    """The Slack side: the members of a channel (``fresh`` asks Slack again instead of a cached
    list), and the home team (the bot's own workspace; None while Slack cannot say)."""

    def members(self, channel: str, *, fresh: bool = False) -> frozenset[str]: ...

    def home_team(self) -> str | None: ...


class Belonging:
    """The departments one user belongs to, asked lazily: most actions never need to know.

    ``team`` is the user's Slack team (None: not known, channel membership alone counts);
    ``teams`` the departments' Slack teams (code -> team ID)."""

    def __init__(
        self,
        user: str,
        channels: Callable[[], Mapping[str, str]],
        members: ChannelMembers | None,
        *,
        team: str | None = None,
        teams: Mapping[str, str] | None = None,
    ) -> None:
        self.user = user
        self.team = team or None
        self._read_channels = channels
        self._channels: Mapping[str, str] | None = None  # read once, on the first question
        self._members = members
        self._teams: Mapping[str, str] = dict(teams or {})
        self._known: dict[str, bool] = {}

    def in_team(self, team: str | None, teams: Mapping[str, str]) -> Belonging:
        """The same user, known to be of Slack team ``team`` (``teams``: code -> team ID)."""
        return Belonging(self.user, self._read_channels, self._members, team=team, teams=teams)

    @property
    def stranger(self) -> bool:
        """Whether the user is of a Slack team the network does not know: neither the home
        team nor any department's. Such a user belongs to no department."""
        if self.team is None or self.team in self._teams.values() or self._members is None:
            return False
        home = self._members.home_team()
        return home is not None and self.team != home

    def belongs_to(self, code: str) -> bool:
        """Whether the user belongs to department ``code``: a user of its Slack team, or a
        member of its bound channel (unless of a team the network does not know)."""
        if code not in self._known:
            self._known[code] = self._by_team(code) or (not self.stranger and self._ask(code))
        return self._known[code]

    def _by_team(self, code: str) -> bool:
        return self.team is not None and self._teams.get(code) == self.team

    def departments(self, codes: Iterable[str]) -> list[str]:
        """The codes among ``codes`` that the user belongs to, in their order."""
        return [code for code in codes if self.belongs_to(code)]

    def _ask(self, code: str) -> bool:
        if self._channels is None:
            self._channels = self._read_channels()
        channel = self._channels.get(code)
        if not channel or self._members is None:
            return False
        if self.user in self._members.members(channel):
            return True
        return self.user in self._members.members(channel, fresh=True)


def _coordinators(actor: Actor) -> str:
    # the bot's own mentions: an error sentence keeps them live (guard.Markup)
    return Markup(", ".join(f"<@{user}>" for user in actor.coordinators))


def require_coordinator(actor: Actor) -> None:
    """Coordinator-only actions; the sentence names the coordinators, or how to configure one."""
    if actor.is_coordinator:
        return
    if not actor.coordinators:
        raise UserError("common.no_coordinator")
    raise UserError("common.coordinator_only", who=_coordinators(actor))


def require_decision_author(actor: Actor, decision: Decision, *, ref: str, action: str) -> None:
    """Revoking or superseding D-n: its author or a coordinator (``action``: revoke|supersede)."""
    if actor.user_id == decision.author or actor.is_coordinator:
        return
    raise UserError(f"decision.{action}_not_allowed", ref=ref, author=decision.author)


def require_issue_steward(actor: Actor, issue: Issue, *, ref: str) -> None:
    """Assign, close, reopen: the owner, the reporter or a coordinator."""
    if actor.user_id in (issue.owner, issue.reporter) or actor.is_coordinator:
        return
    raise UserError("issue.not_allowed", ref=ref, owner=issue.owner, reporter=issue.reporter)


def _refuse_stranger(actor: Actor, codes: list[str]) -> None:
    """A user of a Slack team the network does not know is told so, and which department
    they would need to belong to (SPEC §8)."""
    belonging = actor.belonging
    if belonging is None or not belonging.stranger:
        return
    team = str(belonging.team)
    if len(codes) == 1:
        raise UserError("connect.unknown_team", code=codes[0], team=team)
    raise UserError("connect.unknown_team_any", codes=", ".join(codes), team=team)


def require_issue_taker(actor: Actor, issue: Issue, *, ref: str) -> None:
    """Take ownership: a member of an affected department or a coordinator."""
    if actor.is_coordinator:
        return
    affected = [row.department for row in issue.departments]
    if actor.belonging is not None and actor.belonging.departments(affected):
        return
    _refuse_stranger(actor, affected)
    raise UserError("issue.take_not_allowed", ref=ref, affected=", ".join(affected))


def require_department_member(actor: Actor, code: str, *, key: str, **params: object) -> None:
    """Acting for a department (acknowledging, answering attendance): a member or a coordinator.

    ``key`` is the refusal's sentence; it is given ``code`` and ``params``.
    """
    if actor.is_coordinator:
        return
    if actor.belonging is not None and actor.belonging.belongs_to(code):
        return
    _refuse_stranger(actor, [code])
    raise UserError(key, code=code, **params)


def require_author_or_coordinator(actor: Actor, author: str, *, ref: str) -> None:
    """Screening a record from public access (SPEC §10): its author or a coordinator."""
    if actor.user_id == author or actor.is_coordinator:
        return
    raise UserError("screening.not_allowed", ref=ref, author=author)


def require_ack_link(link: AckLink | None, now: datetime) -> None:
    """Whoever holds a one-click link may acknowledge with it (SPEC §9): while it is unused and
    not yet expired. A missing, used or expired link is refused with a sentence."""
    if link is None:
        raise UserError("ack.unknown")
    if link.used_at is not None:
        raise UserError("ack.used", ref=link.issue.ref, code=link.department)
    if link.expires_at <= now:
        raise UserError("ack.expired", ref=link.issue.ref, code=link.department)


@dataclass(frozen=True)
class Viewer:
    """Who reads the register in a browser (SPEC §9): ``departments`` None for a user of the home
    team, who sees the whole register; else the partner agency's departments whose records
    alone they see."""

    user_id: str
    team: str
    departments: frozenset[str] | None = None

    def sees(self, codes: Iterable[str]) -> bool:
        """Whether a record concerning the departments ``codes`` is shown to this reader."""
        return self.departments is None or not self.departments.isdisjoint(codes)


def viewer_for(
    *, user_id: str, team: str, home_team: str, teams: Mapping[str, str]
) -> Viewer | None:
    """Who may sign in to the register: the home team's users (everything) and the users of a
    partner agency's Slack team (``teams``: code -> team; their departments' records only);
    None for anyone else."""
    if not team:
        return None
    if team == home_team:
        return Viewer(user_id, team)
    codes = frozenset(code for code, found in teams.items() if found == team)
    return Viewer(user_id, team, codes) if codes else None


def may_see_all(viewer: Viewer | None) -> bool:
    """Whether a reader of the register sees all of it (the reports, which count every
    department): a user of the home team, not a partner agency's."""
    return viewer is None or viewer.departments is None
