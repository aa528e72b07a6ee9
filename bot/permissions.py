"""Who may do what (SPEC §4.1, §4.2, §4.3, §4.5): every rule in one place.

Use cases call these functions before they change anything, so a slash command, a button and a
form reach the same rule through the same code; handlers never decide a permission. A refusal
is a ``UserError`` whose sentence names who may.

A user belongs to a department when they are a member of the department's bound channel (SPEC
§2). Channel members are read from Slack through ``ChannelMembers`` (the Slack side implements
it, with a cache); a cached "not a member" is asked again before it refuses, so somebody who has
just joined the channel is not turned away by a stale list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from bot.errors import UserError
from bot.text.guard import Markup

if TYPE_CHECKING:
    from bot.context import Actor
    from storage.models import Decision, Issue


class ChannelMembers(Protocol):
    """The members of a Slack channel (``fresh`` asks Slack again instead of a cached list)."""

    def members(self, channel: str, *, fresh: bool = False) -> frozenset[str]: ...


class Belonging:
    """The departments one user belongs to, asked lazily: most actions never need to know."""

    def __init__(
        self,
        user: str,
        channels: Callable[[], Mapping[str, str]],
        members: ChannelMembers | None,
    ) -> None:
        self.user = user
        self._read_channels = channels
        self._channels: Mapping[str, str] | None = None  # read once, on the first question
        self._members = members
        self._known: dict[str, bool] = {}

    def belongs_to(self, code: str) -> bool:
        """Whether the user is a member of department ``code``'s bound channel."""
        if code not in self._known:
            self._known[code] = self._ask(code)
        return self._known[code]

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


def require_issue_taker(actor: Actor, issue: Issue, *, ref: str) -> None:
    """Take ownership: a member of an affected department or a coordinator."""
    if actor.is_coordinator:
        return
    affected = [row.department for row in issue.departments]
    if actor.belonging is not None and actor.belonging.departments(affected):
        return
    raise UserError("issue.take_not_allowed", ref=ref, affected=", ".join(affected))


def require_department_member(actor: Actor, code: str, *, key: str, **params: object) -> None:
    """Acting for a department (acknowledging, answering attendance): a member or a coordinator.

    ``key`` is the refusal's sentence; it is given ``code`` and ``params``.
    """
    if actor.is_coordinator:
        return
    if actor.belonging is not None and actor.belonging.belongs_to(code):
        return
    raise UserError(key, code=code, **params)


def require_author_or_coordinator(actor: Actor, author: str, *, ref: str) -> None:
    """Screening a record from public access (SPEC §10): its author or a coordinator."""
    if actor.user_id == author or actor.is_coordinator:
        return
    raise UserError("screening.not_allowed", ref=ref, author=author)
