"""The one composition root: what a returbot process is made of, and how the parts are joined.

Every process (``run``, ``run --no-scheduler``, ``scheduler``, ``console``), the end-to-end tests
and the benchmarks build themselves here, so the parts meet in one way only: the runtime on its
database, the outbox dispatcher woken by the commits that queue a message, and the Bolt app with
every listener.
"""

from __future__ import annotations

from bot import outbox
from bot.context import Clock, SystemClock
from bot.outbox import Dispatcher
from bot.runtime import Runtime
from bot.settings import Settings, SettingsError
from handlers.app import REQUEST_TIMEOUT, ReturbotApp, create_app, make_client
from storage import migrate
from storage.db import Database


def require_schema(database: Database) -> None:
    """SQLite is migrated on start; PostgreSQL must have been (``returbot db upgrade``)."""
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


def dispatcher(rt: Runtime) -> Dispatcher:
    """The outbox dispatcher of ``rt``'s process, woken by each commit that queued a message."""
    client = make_client(rt.settings.bot_token, rt.settings.api_url)
    found = Dispatcher(
        db=rt.db,
        client=client,
        clock=rt.clock,
        coordinators=rt.settings.coordinators,
        lang=rt.org.language,
        tz=rt.org.timezone,
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


def renderers(rt: Runtime) -> None:
    """What a process that serves no requests (the clock) needs to compose messages."""
    from handlers import register_renderers

    register_renderers(rt)
