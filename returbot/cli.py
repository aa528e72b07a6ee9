"""The ``returbot`` command (SPEC §7): run, scheduler, console, db, export."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import orgconfig
from bot import settings as settings_module
from bot.settings import Settings, SettingsError
from bot.text.i18n import LANGUAGES

log = logging.getLogger("returbot")
CONSOLE_TOKEN = "xoxb-console"  # noqa: S105 -- the console's own fake Slack takes any token


def _setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # slack_sdk's debug output would carry the Authorization header; alembic is chatty
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _settings(need_slack: bool) -> Settings:
    return settings_module.load(need_slack=need_slack)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``returbot`` command."""
    parser = argparse.ArgumentParser(prog="returbot", description=__doc__)
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the bot: HTTP on PORT, or Socket Mode with SLACK_APP_TOKEN")
    run.add_argument(
        "--no-scheduler", action="store_true", help="leave scheduling to a clock process"
    )
    sub.add_parser("scheduler", help="the scheduler alone (a clock process)")
    console = sub.add_parser("console", help="type slash commands offline")
    console.add_argument("-c", dest="one", metavar="COMMAND", help="run one command and exit")
    console.add_argument("--user", default="UCONSOLE", help="act as this Slack user ID")
    console.add_argument("--channel", default="CCONSOLE", help="type in this channel ID")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    export = sub.add_parser(
        "export", help="records to stdout (JSON, CSV), or a Noark 5 package for the archive"
    )
    export.add_argument("kind", choices=["decisions", "issues", "meetings", "noark5"])
    export.add_argument("--format", choices=["json", "csv"], default="json")
    noark5 = export.add_argument_group("noark5 (SPEC §10)")
    noark5.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    noark5.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (included)")
    noark5.add_argument("--out", metavar="DIR", help="the package's directory (absent or empty)")
    noark5.add_argument(
        "--schemas", metavar="DIR",
        help="Arkivverket's XSDs (default: RETURBOT_SCHEMAS, else ../shared/schemas)",
    )  # fmt: skip
    digest = sub.add_parser("digest", help="the weekly digest")
    digest.add_argument(
        "--print", dest="print_it", action="store_true", required=True,
        help="print this week's digest as it would be posted",
    )  # fmt: skip
    digest.add_argument(
        "--week", metavar="YYYY-Www", help="another week than this one, e.g. 2026-W47"
    )
    digest.add_argument("--lang", choices=list(LANGUAGES), help="language (default: the config's)")
    args = parser.parse_args(argv)
    _setup_logging(args.log_level)
    try:
        return _COMMANDS[args.command](args)
    except (SettingsError, orgconfig.ConfigError) as error:
        print(f"returbot: {error}", file=sys.stderr)
        return 2


def cmd_db(args: argparse.Namespace) -> int:
    from storage import migrate
    from storage.db import Database

    settings = _settings(need_slack=False)
    database = Database(settings.database_url)
    if args.action == "upgrade":
        migrate.upgrade(database.engine)
    print(f"schema at {migrate.current(database.engine)} (code knows {migrate.head()})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot import export
    from returbot import wiring

    if args.kind == "noark5":
        return _export_noark5(args)
    settings = _settings(need_slack=False)
    database = wiring.runtime(settings).db
    with database.session() as session:
        records = export.rows(session, args.kind, settings.org.timezone)
        if args.format == "json":
            count = export.write_json(records, sys.stdout)
        else:
            count = export.write_csv(records, sys.stdout, args.kind)
    log.info("exported %d %s", count, args.kind)
    return 0


def _export_noark5(args: argparse.Namespace) -> int:
    from returbot import archiving, wiring

    missing = [flag for flag, value in (("--from", args.start), ("--to", args.end),
               ("--out", args.out)) if not value]  # fmt: skip
    if missing:
        print(f"returbot: export noark5 needs {', '.join(missing)}.", file=sys.stderr)
        return 2
    try:
        start, end = archiving.period(args.start, args.end)
    except archiving.PeriodError as error:
        print(f"returbot: {error}", file=sys.stderr)
        return 2
    rt = wiring.runtime(_settings(need_slack=False))
    return archiving.export_noark5(
        rt, start=start, end=end, out=Path(args.out), schemas=archiving.schemas_dir(args.schemas)
    )


def cmd_digest(args: argparse.Namespace) -> int:
    from datetime import date, datetime

    from bot import digest
    from bot.context import SystemClock
    from bot.text.dates import date_range
    from handlers.views import digest as views
    from returbot import wiring
    from returbot.console import render_blocks

    settings = _settings(need_slack=False)
    org = settings.org
    now = SystemClock().now()
    week = None
    if args.week:
        try:
            year, number = args.week.upper().split("-W")
            monday = date.fromisocalendar(int(year), int(number), 1)
        except ValueError:
            raise SettingsError(
                f"--week {args.week!r} is not an ISO week: write it like 2026-W47."
            ) from None
        first, last = date_range(now.date())  # a week past year 9999 overflowed
        if not first <= monday <= last:
            raise SettingsError(
                f"--week {args.week!r}: give a week from {first.year} to {last.year}."
            )
        week = digest.week_of(datetime.combine(monday, org.digest_time, org.timezone), org)
    database = wiring.runtime(settings).db
    with database.session() as session:
        found = digest.compose(session, org, now, week=week)
        _, blocks = views.render(found, org, args.lang or org.language)
    print(render_blocks(blocks))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from returbot import wiring
    from returbot.console import Console, ConsoleSlack

    slack = ConsoleSlack(sys.stdout)
    slack.members[args.channel] = [args.user]  # whatever the console's channel is bound to
    offline = replace(_settings(need_slack=False), api_url=slack.url, bot_token=CONSOLE_TOKEN)
    parts = wiring.process(offline, "console")
    rt, dispatcher, app = parts.rt, parts.dispatcher, parts.app
    assert app is not None

    def settle() -> None:
        dispatcher.run_once()
        if rt.home is not None:
            rt.home.wait_idle()

    console = Console(app, sys.stdout, user=args.user, channel=args.channel, after=settle)
    try:
        if args.one:
            console.run(args.one)
            return 0
        if sys.stdin.isatty():
            print("returbot console: type a slash command such as /returbot help; exit to leave.")
        console.loop(sys.stdin)
        return 0
    finally:
        slack.close()


def cmd_run(args: argparse.Namespace) -> int:
    from returbot import processes

    return processes.run(_settings(need_slack=True), no_scheduler=args.no_scheduler)


def cmd_scheduler(args: argparse.Namespace) -> int:
    from returbot import processes

    return processes.scheduler(_settings(need_slack=True))


_COMMANDS = {
    "run": cmd_run,
    "scheduler": cmd_scheduler,
    "console": cmd_console,
    "db": cmd_db,
    "export": cmd_export,
    "digest": cmd_digest,
}
