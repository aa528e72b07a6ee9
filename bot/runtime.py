"""What the Slack side needs at run time: settings, database, clock and the Home tab refresher."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot import bindings
from bot.context import Actor, Clock, SystemClock
from bot.home import Refresher
from bot.orgconfig import OrgConfig
from bot.permissions import Belonging, ChannelMembers
from bot.settings import Settings
from bot.text.i18n import Lang, as_lang
from storage import common
from storage.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    home: Refresher | None = None  # set where a Slack app is wired (handlers.home)
    members: ChannelMembers | None = None  # likewise: who is in a channel, from Slack

    @property
    def org(self) -> OrgConfig:
        return self.settings.org

    def is_coordinator(self, user_id: str) -> bool:
        return user_id in self.settings.coordinators

    def actor(self, session: Session, user_id: str) -> Actor:
        """The acting user with their language (their own choice, else the organisation's)."""
        lang: Lang = as_lang(common.user_language(session, user_id) or self.org.language)
        org = self.org

        def channels() -> dict[str, str]:
            return bindings.department_channels(session, org)

        return Actor(
            user_id=user_id,
            lang=lang,
            is_coordinator=self.is_coordinator(user_id),
            coordinators=self.settings.coordinators,
            belonging=Belonging(user_id, channels, self.members),
        )
