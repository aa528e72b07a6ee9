"""The environment (SPEC §7), read once into a frozen object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import orgconfig
from bot.orgconfig import OrgConfig

DEFAULT_API_URL = "https://slack.com/api/"
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """A missing or malformed setting: one line naming it and what would be right."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    database_url: str
    port: int
    api_url: str
    public_url: str | None
    org: OrgConfig

    @property
    def coordinators(self) -> tuple[str, ...]:
        return self.org.coordinators

    def __repr__(self) -> str:  # never print tokens
        return f"Settings(database_url={_redact(self.database_url)!r}, port={self.port})"


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid>"


def load(env: Mapping[str, str] | None = None, *, need_slack: bool = True) -> Settings:
    """Read settings from ``env`` (default ``os.environ``); raise SettingsError or ConfigError."""
    env = os.environ if env is None else env
    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    if need_slack:
        if not bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…).")
        if not bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
        if not secret and not app_token:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request with it "
                "(Basic Information → Signing Secret); for Socket Mode set SLACK_APP_TOKEN."
            )
        if app_token and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
    database_url = env.get("DATABASE_URL", "").strip() or "sqlite:///returbot.db"
    database_url = normalise_database_url(database_url)
    port_text = env.get("PORT", "3000").strip() or "3000"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise SettingsError(f"PORT must be a port number (0–65535), got {port_text!r}.")
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if urlsplit(api_url).scheme not in ("http", "https"):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}.")
    if not api_url.endswith("/"):
        api_url += "/"
    public_url = env.get("RETURBOT_PUBLIC_URL", "").strip().rstrip("/") or None
    if public_url and urlsplit(public_url).scheme not in ("http", "https"):
        raise SettingsError(f"RETURBOT_PUBLIC_URL must be an http(s) URL, got {public_url!r}.")
    org = orgconfig.load(env.get("RETURBOT_CONFIG", "").strip() or None)
    override = env.get("RETURBOT_COORDINATORS", "").strip()
    if override:
        users = tuple(u.strip() for u in override.split(",") if u.strip())
        bad = [u for u in users if not _USER.match(u)]
        if bad:
            raise SettingsError(
                f"RETURBOT_COORDINATORS must list Slack user IDs like U0123ABCD, got {bad[0]!r}."
            )
        org = replace(org, coordinators=users)
    return Settings(
        bot_token=bot_token,
        signing_secret=secret,
        app_token=app_token,
        database_url=database_url,
        port=int(port_text),
        api_url=api_url,
        public_url=public_url,
        org=org,
    )


def normalise_database_url(url: str) -> str:
    """Validate a database URL; plain ``postgresql://`` is taken as psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(
            "DATABASE_URL is not a database URL: use sqlite:///path.db or "
            "postgresql+psycopg://user@host/db."
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SettingsError(f"DATABASE_URL must be SQLite or PostgreSQL, got {backend!r}.")
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "postgresql" and parsed.drivername != "postgresql+psycopg":
        raise SettingsError(
            "DATABASE_URL for PostgreSQL must use psycopg 3: postgresql+psycopg://…"
        )
    return parsed.render_as_string(hide_password=False)
