"""Issue follow-up through the outbox, with the clock moved by hand: each reminder once."""

from __future__ import annotations

import pytest

from bot.automation import followups
from returbot.jobs import run_followups
from tests.blockcheck import assert_valid_blocks
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot


def sweep(bot: Bot) -> int:
    queued = run_followups(bot.rt)
    bot.deliver()
    return queued


def test_unacknowledged_department_is_reminded_once(bot: Bot) -> None:
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.command("/returbot", "channel PU", user=COORDINATOR, channel="CPU")
    bot.command("/issue", "Kvittering dept:RMA,PU", user="UOLA")
    bot.deliver()
    bot.slack.set_members("CPU", ["UPER"])
    bot.command("/issue", "ack I-1 dept:PU", user="UPER", channel="CPU")
    bot.clock.advance(days=1, hours=23)
    assert sweep(bot) == 0
    bot.clock.advance(hours=2)
    assert sweep(bot) == 1
    reminders = [p for p in bot.slack.posted("CRMA") if "Påminnelse" in p["text"]]
    assert len(reminders) == 1
    assert_valid_blocks(reminders[0]["blocks"])
    assert "issue_ack" in str(reminders[0]["blocks"])
    assert not [p for p in bot.slack.posted("CPU") if "Påminnelse" in p["text"]]
    bot.clock.advance(days=3)
    assert sweep(bot) == 0


def reminders_in(bot: Bot, channel: str) -> list[str]:
    return [p["text"] for p in bot.slack.posted(channel) if "Påminnelse" in p["text"]]


def test_the_ack_reminder_is_queued_ahead_and_goes_out_at_its_moment(bot: Bot) -> None:
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.command("/issue", "Presis påminnelse dept:RMA", user="UOLA")
    bot.clock.advance(days=2, seconds=-30)
    assert sweep(bot) == 1  # queued half a minute ahead, due at the moment itself
    assert reminders_in(bot, "CRMA") == []
    bot.clock.advance(seconds=30)
    bot.deliver()
    assert len(reminders_in(bot, "CRMA")) == 1


def test_an_ack_or_a_close_before_the_moment_withdraws_the_queued_reminder(bot: Bot) -> None:
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.command("/returbot", "channel PU", user=COORDINATOR, channel="CPU")
    bot.command("/issue", "Trukket tilbake dept:RMA,PU", user="UOLA")
    bot.clock.advance(days=2, seconds=-30)
    assert sweep(bot) == 2
    bot.slack.set_members("CPU", ["UPER"])
    bot.command("/issue", "ack I-1 dept:PU", user="UPER", channel="CPU")
    bot.command("/issue", "close I-1", user="UOLA")
    bot.clock.advance(minutes=5)
    assert sweep(bot) == 0
    assert reminders_in(bot, "CRMA") == reminders_in(bot, "CPU") == []
    # reopened, RMA has still not acknowledged: it is reminded, PU is not
    bot.command("/issue", "reopen I-1", user="UOLA")
    assert sweep(bot) == 1
    assert len(reminders_in(bot, "CRMA")) == 1 and reminders_in(bot, "CPU") == []


def test_owner_is_reminded_before_the_due_date_and_when_overdue(bot: Bot) -> None:
    # now is Wednesday 25 November 10:30 in Oslo; due Friday; reminder 1d before, at 09:00
    bot.command("/issue", "Frist dept:RMA due:27.11.2026", user="UOLA")
    assert sweep(bot) == 0
    bot.clock.advance(hours=22)  # Thursday 08:30
    assert sweep(bot) == 0
    bot.clock.advance(hours=1)  # Thursday 09:30
    assert sweep(bot) == 1
    dms = bot.slack.posted("UOLA")
    assert len(dms) == 1 and "27. november 2026" in dms[0]["text"]
    bot.clock.advance(days=1)  # Friday, the due date: nothing new
    assert sweep(bot) == 0
    bot.clock.advance(days=1)  # Saturday 09:30: overdue
    assert sweep(bot) == 1
    assert "på overtid" in bot.slack.posted("UOLA")[-1]["text"]
    bot.clock.advance(days=2)
    assert sweep(bot) == 0


def test_stale_issue_nudges_the_owner_again_only_after_new_silence(bot: Bot) -> None:
    bot.command("/issue", "Stille sak dept:RMA", user="UOLA")
    bot.clock.advance(days=14, minutes=1)
    assert sweep(bot) == 1
    assert "14 dager" in bot.slack.posted("UOLA")[-1]["text"]
    assert sweep(bot) == 0
    bot.command("/issue", "note I-1 Fortsatt i arbeid", user="UOLA")
    bot.clock.advance(days=13)
    assert sweep(bot) == 0
    bot.clock.advance(days=1, minutes=1)
    assert sweep(bot) == 1


def test_more_stale_issues_than_one_batch_are_all_nudged(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(followups, "BATCH", 2)
    for n in range(5):
        bot.command("/issue", f"Stille sak nummer {n} dept:RMA", user="UOLA")
    bot.clock.advance(days=14, minutes=1)
    assert [sweep(bot) for _ in range(4)] == [2, 2, 1, 0]
    texts = [p["text"] for p in bot.slack.posted("UOLA")]
    for number in range(1, 6):
        assert len([t for t in texts if f"I-{number}" in t]) == 1, texts


def test_closed_issues_are_left_alone(bot: Bot) -> None:
    bot.command("/returbot", "channel RMA", user=COORDINATOR, channel="CRMA")
    bot.command("/issue", "Lukket dept:RMA due:26.11.2026", user="UOLA")
    bot.command("/issue", "close I-1", user="UOLA")
    bot.clock.advance(days=30)
    assert sweep(bot) == 0
