"""``returbot export noark5``: the period's Noark 5 transfer package, written to a directory.

The names of the people in the records come from Slack (``users.list``) when the bot token is
set and Slack answers; otherwise the package names them by their user IDs and says so.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from archive.noark5 import PackageError, default_schemas_dir, describe, write_package
from bot.runtime import Runtime

log = logging.getLogger("returbot.archive")
USERS_PAGES = 50  # 200 people a page


class PeriodError(ValueError):
    """``--from``/``--to`` are not a period; the message is one sentence saying why."""


def period(start: str, end: str) -> tuple[date, date]:
    """The period of ``--from`` and ``--to`` (dates as YYYY-MM-DD, both days included)."""
    days = []
    for flag, text in (("--from", start), ("--to", end)):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            raise PeriodError(
                f"{flag} must be a date written YYYY-MM-DD, e.g. 2026-01-01; got {text!r}."
            ) from None
    return days[0], days[1]


def schemas_dir(given: str | None) -> Path:
    """``--schemas``, else ``RETURBOT_SCHEMAS``, else ``../shared/schemas`` beside the code."""
    return Path(given) if given else default_schemas_dir()


def slack_names(client: WebClient) -> dict[str, str]:
    """Every person's name by user ID, as Slack shows it (display name, else real name)."""
    names: dict[str, str] = {}
    cursor: str | None = None
    for _ in range(USERS_PAGES):
        page = client.users_list(limit=200, cursor=cursor)
        for member in page.get("members") or []:
            profile = member.get("profile") or {}
            name = profile.get("real_name") or profile.get("display_name") or member.get("name")
            if member.get("id") and name:
                names[str(member["id"])] = str(name)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            break
    return names


def _names(rt: Runtime, err: TextIO) -> dict[str, str]:
    if not rt.settings.bot_token:
        print("returbot: no SLACK_BOT_TOKEN: people are named by their Slack user IDs.", file=err)
        return {}
    try:
        return slack_names(
            WebClient(token=rt.settings.bot_token, base_url=rt.settings.api_url, timeout=10)
        )
    except (SlackApiError, OSError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else "no answer"
        print(
            f"returbot: Slack did not give the people's names ({reason}): "
            "they are named by their Slack user IDs.",
            file=err,
        )
        return {}


def export_noark5(
    rt: Runtime, *, start: date, end: date, out: Path, schemas: Path, err: TextIO = sys.stderr
) -> int:
    """Write the package; 0 when every record of the period is in it, 1 when some were left
    out (each listed on ``err`` with the reason), 2 when nothing could be written."""
    try:
        with rt.db.session() as session:
            report = write_package(
                session, rt.org, start=start, end=end, out_dir=out, schemas_dir=schemas,
                now=rt.clock.now(), names=lambda: _names(rt, err),
            )  # fmt: skip
    except PackageError as error:
        print(f"returbot: {error}", file=err)
        return 2
    for left in report.left_out:
        print(f"left out {describe(left)}", file=err)
    log.info(
        "noark5 package in %s: %d mapper, %d registreringer, %d documents; %d left out",
        report.out_dir, report.folders, report.registrations, report.documents,
        len(report.left_out),
    )  # fmt: skip
    return 1 if report.left_out else 0
