"""The long-running processes: ``run`` (web, outbox, and the scheduler unless told not to) and
``scheduler`` (a clock process). Built by ``returbot/wiring.py``; ``returbot/cli.py`` only
reads the command line and calls them."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from bot.outbox import Dispatcher
from bot.runtime import Runtime
from bot.settings import Settings
from returbot import wiring
from returbot.clock import build_scheduler, start_dispatch_threads
from returbot.jobs import standard_jobs
from returbot.leader import POLL_SECONDS, AlreadyRunning, Standby, for_engine
from returbot.web_server import WebApp, make_server, serve_until_closed

log = logging.getLogger("returbot")


def _warn_without_coordinator(settings: Settings) -> None:
    if not settings.coordinators:
        log.warning(
            "no coordinator is configured: coordinator-only actions will be refused. "
            "Set RETURBOT_COORDINATORS or [organization].coordinators."
        )


def run(settings: Settings, *, no_scheduler: bool) -> int:
    """``returbot run``: Slack's requests (HTTP or Socket Mode), the outbox, and the scheduler
    unless ``no_scheduler``; until SIGTERM or SIGINT."""
    _warn_without_coordinator(settings)
    parts = wiring.process(settings, "web" if no_scheduler else "run")
    rt, dispatcher, app = parts.rt, parts.dispatcher, parts.app
    assert app is not None
    stop = threading.Event()
    stopping = threading.Event()
    server: Any = None

    def shutdown(signum: int, _frame: object) -> None:
        log.info("stopping (signal %s)", signum)
        stopping.set()
        if server is not None:
            server.close()

    # before anything starts: a SIGTERM while starting is a clean stop too
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    standby = watcher = None
    if not no_scheduler:
        try:
            standby, watcher = _start_scheduler(rt, dispatcher, stop)
        except AlreadyRunning as error:
            print(error, file=sys.stderr)
            return 2
    start_dispatch_threads(dispatcher, stop, workers=8)
    server = _web_server(settings, parts, _scheduler_health(standby))
    if stopping.is_set():
        server.close()  # the signal came before there was a server to close; it serves nothing
    socket_handler = None
    if settings.app_token:
        from handlers import socket_mode

        socket_handler = socket_mode.connect(app, settings.app_token)
        log.info("connected to Slack in Socket Mode; health on port %s", server.effective_port)
    else:
        log.info("serving Slack on http://0.0.0.0:%s/slack/events", server.effective_port)
    try:
        serve_until_closed(server)
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(timeout=10)  # jobs stopped, the scheduler lock given back
        if socket_handler is not None:
            socket_handler.close()  # type: ignore[no-untyped-call]
    return 0


def _web_server(
    settings: Settings, parts: wiring.Process, health: Callable[[], dict[str, Any]] | None
) -> Any:
    """The web server of a ``run`` process, its calendar feed warming up."""
    # in Socket Mode Slack's requests come over the socket only: the port has no Slack endpoint
    slack_over_http = None if settings.app_token else parts.app
    web = WebApp(slack_over_http, parts.rt, health=health, feed=True)
    server = make_server(web, port=settings.port)
    # the calendar feed's first build takes about a second with 2,000 meetings: do it now
    threading.Thread(target=web.warm_up, name="feed-warm-up", daemon=True).start()
    return server


def _start_scheduler(
    rt: Runtime, dispatcher: Dispatcher, stop: threading.Event
) -> tuple[Standby, threading.Thread]:
    """The jobs, paused until this process holds the scheduler lock of its database.

    On PostgreSQL a process that does not get the lock waits as a standby and takes over within
    a few seconds of the active one dying; on SQLite a second scheduler raises AlreadyRunning.
    """
    scheduler = build_scheduler(dispatcher, rt.org.timezone, jobs=standard_jobs(rt))
    scheduler.start(paused=True)
    poll = _test_seconds("RETURBOT_TEST_LEADER_POLL", POLL_SECONDS)
    standby = Standby(for_engine(rt.db.engine), scheduler.resume, scheduler.pause, poll=poll)
    try:
        standby.step()  # the first look now: SQLite's refusal comes before anything is served
    except BaseException:
        scheduler.shutdown(wait=False)
        raise
    if not standby.active:
        log.info("another scheduler is active: this one waits as a standby")

    def watch() -> None:
        try:
            standby.run(stop)
        finally:
            scheduler.shutdown(wait=False)

    watcher = threading.Thread(target=watch, name="scheduler-lock", daemon=True)
    watcher.start()
    return standby, watcher


def _test_seconds(name: str, default: float) -> float:
    """A wait the tests shorten through the environment variable ``name``, else ``default``.

    Test-only: these variables are no settings (SPEC §7 lists those), and production leaves them
    unset; a value that is not a positive number is ignored.
    """
    try:
        seconds = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return seconds if seconds > 0 else default


def _scheduler_health(standby: Standby | None) -> Callable[[], dict[str, Any]] | None:
    if standby is None:
        return None
    return lambda: {"scheduler": standby.state}


def scheduler(settings: Settings) -> int:
    """``returbot scheduler``: the jobs (one active process of a database) and the outbox, with
    a health endpoint on PORT; until SIGTERM or SIGINT."""
    parts = wiring.process(settings, "clock")
    rt, dispatcher = parts.rt, parts.dispatcher
    stop = threading.Event()

    def shutdown(signum: int, _frame: object) -> None:
        log.info("stopping (signal %s)", signum)
        stop.set()

    # before anything starts: a SIGTERM while starting is a clean stop too
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        standby, watcher = _start_scheduler(rt, dispatcher, stop)
    except AlreadyRunning as error:
        print(error, file=sys.stderr)
        return 2
    # the reminders this process queues go out at once, several at a time, so one slow Slack
    # call holds up only its own message (a standby sends too: claims keep every row single)
    start_dispatch_threads(dispatcher, stop, workers=4)
    server = None
    try:
        health = WebApp(None, rt, health=_scheduler_health(standby))
        server = make_server(health, port=settings.port)
        threading.Thread(target=serve_until_closed, args=(server,), daemon=True).start()
        log.info("scheduler health on http://0.0.0.0:%s/healthz", server.effective_port)
    except OSError as error:
        log.warning("scheduler health not served: port %s (%s)", settings.port, error.strerror)
    log.info("scheduler %s", standby.state)
    stop.wait()
    if server is not None:
        server.close()
    watcher.join(timeout=10)  # jobs stopped, the scheduler lock given back
    return 0
