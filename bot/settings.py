"""The environment (SPEC §7), read once into a frozen object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import orgconfig
from bot.orgconfig import OrgConfig

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_OAUTH_URL = "https://slack.com/openid/connect/authorize"
DEFAULT_JWKS_URL = "https://slack.com/openid/connect/keys"
# the web register's session key: shorter is guessable by brute force of a cookie's signature
SECRET_KEY_MIN = 32
_WEB = ("RETURBOT_PUBLIC_URL", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "RETURBOT_SECRET_KEY")
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
    # the register in a browser (SPEC §9): on only when the public URL and these three are set
    client_id: str | None = None
    client_secret: str | None = None
    secret_key: str | None = None
    oauth_url: str = DEFAULT_OAUTH_URL
    jwks_url: str = DEFAULT_JWKS_URL
    # e-mail (SPEC §8): the SMTP server's URL and the sender, both or neither; the mail
    # adapter reads and checks them when it is built (returbot/wiring.py)
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str | None = None

    @property
    def mail(self) -> bool:
        """Whether e-mail is sent (SMTP_URL and RETURBOT_MAIL_FROM set)."""
        return bool(self.smtp_url and self.mail_from)

    @property
    def web(self) -> bool:
        """Whether the register is served as web pages (Sign in with Slack configured)."""
        return bool(self.public_url and self.client_id and self.client_secret and self.secret_key)

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
    web = _web_settings(env)
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
    mail = _mail_settings(env)
    # what the use cases need to know of the deployment: whether e-mail goes out and from
    # whom, and where the register's pages are (for the links in messages)
    web_on = bool(public_url and all(web.values()))
    org = replace(org, mail_from=mail["mail_from"], web_url=public_url if web_on else None)
    return Settings(
        bot_token=bot_token,
        signing_secret=secret,
        app_token=app_token,
        database_url=database_url,
        port=int(port_text),
        api_url=api_url,
        public_url=public_url,
        org=org,
        client_id=web["SLACK_CLIENT_ID"],
        client_secret=web["SLACK_CLIENT_SECRET"],
        secret_key=web["RETURBOT_SECRET_KEY"],
        oauth_url=_url(env, "SLACK_OAUTH_URL", DEFAULT_OAUTH_URL),
        jwks_url=_url(env, "SLACK_OAUTH_JWKS_URL", DEFAULT_JWKS_URL),
        **mail,
    )


def _mail_settings(env: Mapping[str, str]) -> dict[str, str | None]:
    """SMTP_URL and RETURBOT_MAIL_FROM: both, or neither (one alone is a sentence)."""
    smtp_url = env.get("SMTP_URL", "").strip() or None
    mail_from = env.get("RETURBOT_MAIL_FROM", "").strip() or None
    if bool(smtp_url) != bool(mail_from):
        missing = "RETURBOT_MAIL_FROM" if smtp_url else "SMTP_URL"
        raise SettingsError(
            f"E-mail needs both SMTP_URL and RETURBOT_MAIL_FROM; {missing} is not set."
        )
    return {"smtp_url": smtp_url, "mail_from": mail_from}


def _web_settings(env: Mapping[str, str]) -> dict[str, str | None]:
    """The web register's four settings: all of them, or (but for the public URL, which the
    calendar feed uses alone) none; a half-configured sign-in is said, not silently off."""
    found = {name: env.get(name, "").strip() or None for name in _WEB}
    given = [name for name in _WEB[1:] if found[name]]
    missing = [name for name in _WEB if not found[name]]
    if given and missing:
        raise SettingsError(
            f"{', '.join(missing)} not set: the web register (Sign in with Slack) needs "
            f"{', '.join(_WEB)} all four."
        )
    key = found["RETURBOT_SECRET_KEY"]
    if key and len(key) < SECRET_KEY_MIN:
        raise SettingsError(
            f"RETURBOT_SECRET_KEY must be at least {SECRET_KEY_MIN} characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')."
        )
    return found


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name, "").strip() or default
    if urlsplit(url).scheme not in ("http", "https"):
        raise SettingsError(f"{name} must be an http(s) URL, got {url!r}.")
    return url


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
