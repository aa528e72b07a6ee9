"""The one composition root: what a returbot process is made of, and how the parts are joined.

Every process (``run``, ``run --no-scheduler``, ``scheduler``, ``console``), the end-to-end tests
and the benchmarks build themselves here, so the parts meet in one way only: the runtime on its
database, the outbox dispatcher with its transports and renderers, woken by the commits that
queue a message, and the Bolt app with every listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import handlers
from bot import mailing, messages, outbox
from bot.context import Clock, SystemClock
from bot.outbox import Dispatcher, Renderers, Transport
from bot.runtime import Runtime
from bot.settings import Settings, SettingsError
from handlers.app import REQUEST_TIMEOUT, ReturbotApp, create_app, make_client
from handlers.slack_transport import SlackTransport
from mail import MailTransport, Unconfigured, parse_mail_from, parse_smtp_url
from storage import migrate
from storage.db import Database

if TYPE_CHECKING:
    from flask import Flask


def require_schema(database: Database) -> None:
    """SQLite is migrated on start; PostgreSQL must have been (``returbot db upgrade``)."""
    if migrate.at_head(database.engine):
        return
    if database.dialect == "sqlite":
        migrate.upgrade(database.engine)
    elif migrate.current(database.engine) != migrate.head():
        raise SettingsError(
            "the database schema is not up to date: run `returbot db upgrade` first."
        )


def runtime(
    settings: Settings, *, db: Database | None = None, clock: Clock | None = None
) -> Runtime:
    """The runtime on ``db`` (default: ``DATABASE_URL``, its schema checked)."""
    if db is None:
        db = Database(settings.database_url)
        require_schema(db)
    return Runtime(settings=settings, db=db, clock=clock or SystemClock())


def renderers(rt: Runtime) -> Renderers:
    """How every composed kind of message is composed; refuses to go on if one is missing, so
    that no process sends a placeholder in place of a message (SPEC §5: never a silent loss)."""
    found = handlers.renderers(rt)
    found.update(mailing.renderers(rt.org, rt.clock))  # the core's own: e-mails with links
    missing = sorted(messages.COMPOSED - found.keys())
    if missing:
        raise RuntimeError(f"no renderer for the outbox kinds {', '.join(missing)}")
    return found


def transports(rt: Runtime) -> dict[str, Transport]:
    """How each medium's messages are sent: Slack's Web API (``SLACK_API_URL``), and e-mail
    through ``SMTP_URL`` as ``RETURBOT_MAIL_FROM`` (checked here, at start-up: a bad one is a
    sentence). Without e-mail configured no e-mail is queued; one queued before it was turned
    off fails, and the coordinators are told."""
    settings = rt.settings
    slack = SlackTransport(make_client(settings.bot_token, settings.api_url))
    mail: Transport = Unconfigured()
    if settings.smtp_url and settings.mail_from:
        mail = MailTransport(parse_smtp_url(settings.smtp_url), parse_mail_from(settings.mail_from))
    return {outbox.SLACK: slack, outbox.EMAIL: mail}


def dispatcher(rt: Runtime) -> Dispatcher:
    """The outbox dispatcher of ``rt``'s process, woken by each commit that queued a message."""
    found = Dispatcher(
        db=rt.db,
        transports=transports(rt),
        clock=rt.clock,
        coordinators=rt.settings.coordinators,
        lang=rt.org.language,
        tz=rt.org.timezone,
        renderers=renderers(rt),
        hooks=messages.SENT_HOOKS,
    )
    outbox.wake_after_commit(rt.db.factory, found.wake)
    return found


def slack_app(
    rt: Runtime, *, timeout: int = REQUEST_TIMEOUT, verify_requests: bool = True
) -> ReturbotApp:
    """The Bolt app with every listener; its Slack calls give up after ``timeout`` seconds
    (a request waits on them)."""
    client = make_client(rt.settings.bot_token, rt.settings.api_url, timeout)
    return create_app(rt, client, verify_requests=verify_requests)


def web_app(rt: Runtime, *, timeout: int = REQUEST_TIMEOUT) -> Flask | None:
    """The register in a browser (SPEC §9) when the web is configured, else None; its Slack
    calls (``auth.test``, ``openid.connect.token``) give up after ``timeout`` seconds."""
    if not rt.settings.web:
        return None
    from web.app import create_app  # Flask is loaded only by a process that serves the web

    return create_app(rt, make_client(rt.settings.bot_token, rt.settings.api_url, timeout))


ROLES = ("run", "web", "clock", "console")


@dataclass(frozen=True)
class Process:
    """The parts of one process: ``run`` (web and clock), ``web`` (``run --no-scheduler``),
    ``clock`` (``scheduler``: no Bolt app) or ``console`` (no signature checks)."""

    role: str
    rt: Runtime
    dispatcher: Dispatcher
    app: ReturbotApp | None


def process(
    settings: Settings, role: str, *, db: Database | None = None, clock: Clock | None = None
) -> Process:
    """Build the process ``role`` on ``settings``: every role sends, so every role composes."""
    if role not in ROLES:
        raise ValueError(f"unknown process role {role!r}")
    rt = runtime(settings, db=db, clock=clock)
    sender = dispatcher(rt)
    app = None if role == "clock" else slack_app(rt, verify_requests=role != "console")
    return Process(role=role, rt=rt, dispatcher=sender, app=app)
