"""Inputs that used to crash (IndexError, OverflowError) or were stored in year 1 or 9999: each
gets one sentence saying what is allowed, through signed requests, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import AuditEntry, Decision, Issue, Meeting, OutboxMessage, Recurrence
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq

ROOT = Path(__file__).resolve().parents[2]
INTERNAL_ERROR = "Noe gikk galt"
# NOW is 25 November 2026: dates from 1926 to 2126 are accepted
RANGE = ("1926", "2126")
FAR = [
    "31.12.9999 10:00",
    "9999-12-31 23:00",  # and two hours on it overflowed datetime
    "+99999d 10:00",
    "+9999999w 10:00",
    "+9999w 10:00",
    "1.1.0001 10:00",
    "0000-01-01 10:00",
    "2127-01-01 10:00",
]


def counts(bot: Bot) -> dict[str, int]:
    with bot.db.session() as session:
        return {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Meeting, Recurrence, Decision, Issue, OutboxMessage, AuditEntry)
        }


def refused(bot: Bot, command: str, text: str, user: str = COORDINATOR) -> str:
    """The answer to a command that must be refused with a sentence and change nothing."""
    before = counts(bot)
    reply = bot.command(command, text, user=user)
    assert reply.status == 200
    assert not reply.in_channel, reply.text
    assert INTERNAL_ERROR not in reply.text and "Traceback" not in reply.text
    assert counts(bot) == before
    return reply.text


def test_a_monthly_series_that_starts_beyond_a_year_says_how_far_ahead_it_may_start(
    bot: Bot,
) -> None:
    for rule in ("monthly", "weekly", "quarterly"):
        text = refused(bot, "/meeting", f"schedule network +60w 10:00 repeat:{rule}")
        assert "26. november 2027" in text and "repeat:" in text, text
    # the same meeting alone is fine, and so is a series that starts within the year
    assert "M-1" in bot.command("/meeting", "schedule network +60w 10:00", user=COORDINATOR).text
    started = bot.command(
        "/meeting", "schedule network +50w 10:00 repeat:monthly", user=COORDINATOR
    )
    assert started.in_channel and "M-2" in started.text


@pytest.mark.parametrize("when", FAR)
def test_a_meeting_too_far_away_says_which_years_are_accepted(bot: Bot, when: str) -> None:
    text = refused(bot, "/meeting", f"schedule network {when}")
    assert all(year in text for year in RANGE), text
    text = refused(bot, "/meeting", f"schedule network {when} repeat:monthly")
    assert all(year in text for year in RANGE), text


def test_moving_a_meeting_too_far_away_is_refused_and_it_stays(bot: Bot) -> None:
    bot.command("/meeting", "schedule network 10.12.2026 10:00", user=COORDINATOR)
    for when in FAR:
        text = refused(bot, "/meeting", f"move M-1 {when}")
        assert all(year in text for year in RANGE), (when, text)
    with bot.db.session() as session:
        (meeting,) = session.scalars(select(Meeting))
        assert meeting.sequence == 0


@pytest.mark.parametrize(
    "value", ["9999-12-31", "31.12.9999", "+9999999w", "+99999d", "0001-01-01", "1.1.0001"]
)
def test_every_date_option_refuses_a_date_too_far_away(bot: Bot, value: str) -> None:
    for command, text in (
        ("/decision", f"Ny rutine dept:RMA date:{value}"),
        ("/decision", f"list since:{value}"),
        ("/issue", f"Reisedokumenter dept:PU due:{value}"),
    ):
        answer = refused(bot, command, text, user="UKARI")
        assert all(year in answer for year in RANGE), (command, text, answer)


def _meeting_form(day: str, repeat: str) -> dict[str, Any]:
    return {
        "series": {"value": {"type": "static_select", "selected_option": {"value": "network"}}},
        "date": {"value": {"type": "datepicker", "selected_date": day}},
        "time": {"value": {"type": "timepicker", "selected_time": "23:00"}},
        "duration": {"value": {"type": "static_select", "selected_option": {"value": "2h"}}},
        "repeat": {"value": {"type": "static_select", "selected_option": {"value": repeat}}},
    }


@pytest.mark.parametrize(
    ("day", "repeat", "said"),
    [
        ("9999-12-31", "none", "2126"),  # 23:00 plus two hours overflowed
        ("0001-01-01", "none", "1926"),
        ("2028-01-19", "monthly", "26. november 2027"),
    ],
)
def test_the_meeting_form_refuses_the_same_dates(
    bot: Bot, day: str, repeat: str, said: str
) -> None:
    before = counts(bot)
    reply = bot.send(
        slackreq.view_submission_body(
            "meeting_modal", _meeting_form(day, repeat), user_id=COORDINATOR
        )
    )
    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    (sentence,) = reply.json["errors"].values()
    assert said in sentence and INTERNAL_ERROR not in sentence
    assert counts(bot) == before


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01"])
def test_the_digest_command_line_refuses_a_week_too_far_away(tmp_path: Path, week: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RETURBOT_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'rb.db'}", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "returbot", "digest", "--print", "--week", week],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # before: OverflowError (9999) or a database error (year 1), as a traceback
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"returbot: --week '{week}': give a week from ")
