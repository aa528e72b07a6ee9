"""What every part of the package is written with: the organisation, the period, the names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from archive.noark5.ids import system_id
from archive.noark5.xmltree import moment, xml_safe
from bot.archival import bounds
from bot.orgconfig import OrgConfig
from bot.text import guard

SYSTEM = "returbot"  # who archived, when no person did


@dataclass(frozen=True)
class Context:
    """The organisation, the period (local dates, both included) and who people are.

    ``names`` maps Slack user IDs to the names Slack knows; a user without one is shown by
    the ID.
    """

    org: OrgConfig
    start: date
    end: date
    names: Mapping[str, str] = field(default_factory=dict)

    def sid(self, name: str) -> str:
        """The stable systemID of the thing called ``name`` in this organisation."""
        return system_id(self.org.name, name)

    def text(self, value: str | None) -> str:
        """Free text as it may enter the package: no identity number, nothing XML refuses."""
        return guard.redact_identity_numbers(xml_safe(value or "").strip())

    def person(self, user_id: str | None) -> str:
        """A person as their name where known, else their user ID; nobody: the system."""
        if not user_id:
            return SYSTEM
        return self.text(self.names.get(user_id) or user_id) or user_id

    def department(self, code: str) -> str:
        """A department's name, as the configuration has it (its code if it is gone)."""
        found = self.org.department(code)
        return found.name if found else code

    def when(self, value: datetime) -> str:
        """A moment as the package writes it (local time with its offset)."""
        return moment(value, self.org.timezone)

    def local_day(self, value: datetime) -> date:
        return value.astimezone(self.org.timezone).date()

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()}–{self.end.isoformat()}"

    @property
    def opened(self) -> datetime:
        """The period's first moment."""
        return bounds(self.start, self.end, self.org.timezone)[0]

    @property
    def closed(self) -> datetime:
        """The period's last second."""
        return bounds(self.start, self.end, self.org.timezone)[1] - timedelta(seconds=1)
