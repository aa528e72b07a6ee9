"""Meeting automation with the clock moved by hand: reminders, invitations, status requests.

The scheduler's job (``run_meetings``) queues what comes due a little ahead; the dispatcher sends
it when it is due. Each test drives both as the running bot would, with no sleeps.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from returbot.jobs import run_meetings
from storage.models import Attendance, IssueNote, Meeting, OutboxMessage
from tests.blockcheck import assert_valid_blocks, assert_valid_view
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq

OSLO_OFFSET_WINTER = timedelta(hours=1)


def at(bot: Bot, local: str) -> int:
    """Move the clock to a local time in Oslo (winter), run the job and deliver what is due."""
    naive = datetime.fromisoformat(local)
    bot.clock.set((naive - OSLO_OFFSET_WINTER).replace(tzinfo=UTC))
    queued = run_meetings(bot.rt)
    bot.deliver()
    return queued


def reminders(bot: Bot, channel: str) -> list[str]:
    return [p["text"] for p in bot.slack.posted(channel) if "Påminnelse" in p["text"]]


def setup_network(bot: Bot, when: str = "10.12.2026 10:00") -> None:
    bot.command("/returbot", "channel network", user=COORDINATOR, channel="CNET")
    reply = bot.command("/meeting", f"schedule network {when}", user=COORDINATOR)
    assert reply.in_channel, reply.text


def test_reminders_go_out_at_each_offset_once(bot: Bot) -> None:
    setup_network(bot)  # Thursday 10 December 10:00; reminders 7d, 1d, 1h
    assert at(bot, "2026-12-03 09:57") == 0
    assert at(bot, "2026-12-03 09:58") == 1  # queued two minutes ahead ...
    assert reminders(bot, "CNET") == []  # ... and not sent before it is due
    assert at(bot, "2026-12-03 10:00") == 0
    sent = reminders(bot, "CNET")
    assert len(sent) == 1 and "M-1" in sent[0] and "om en uke" in sent[0]
    assert_valid_blocks(bot.slack.posted("CNET")[0]["blocks"])
    assert at(bot, "2026-12-05 12:00") == 0
    at(bot, "2026-12-09 10:00")
    at(bot, "2026-12-10 09:00")
    at(bot, "2026-12-10 09:30")
    sent = reminders(bot, "CNET")
    assert len(sent) == 3
    assert "om ett døgn" in sent[1] and "om én time" in sent[2]
    with bot.db.session() as session:
        due = session.scalars(
            select(OutboxMessage.due_at)
            .where(OutboxMessage.kind == "meeting_reminder")
            .order_by(OutboxMessage.id)
        ).all()
    assert [d.astimezone(UTC) for d in due] == [
        datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
    ]


def test_the_reminder_shows_the_agenda_as_it_is_when_sent(bot: Bot) -> None:
    setup_network(bot)
    at(bot, "2026-12-09 09:59")  # queued
    bot.command("/meeting", "agenda M-1 Nytt punkt rett før", user="UOLA")
    at(bot, "2026-12-09 10:00")
    (posted,) = bot.slack.posted("CNET")
    assert "Nytt punkt rett før" in json.dumps(posted["blocks"], ensure_ascii=False)


def test_moments_already_past_when_scheduled_are_skipped(bot: Bot) -> None:
    at(bot, "2026-12-08 12:00")
    setup_network(bot)  # 7d before is past: skipped, not sent late
    bot.deliver()
    assert reminders(bot, "CNET") == []
    at(bot, "2026-12-09 10:00")
    (sent,) = reminders(bot, "CNET")
    assert "om ett døgn" in sent


def test_after_downtime_only_the_latest_moment_is_sent(bot: Bot) -> None:
    setup_network(bot)
    # the bot was down from before the 7d and 1d moments until the morning of the meeting
    at(bot, "2026-12-10 08:30")
    (sent,) = reminders(bot, "CNET")
    assert "om ett døgn" in sent


def test_moving_retimes_the_reminders(bot: Bot) -> None:
    setup_network(bot)
    at(bot, "2026-12-03 10:00")  # the 7d reminder for 10 December
    at(bot, "2026-12-04 12:00")
    bot.command("/meeting", "move M-1 17.12.2026 10:00", user=COORDINATOR)
    at(bot, "2026-12-09 10:00")  # the old 1d moment: nothing
    assert len(reminders(bot, "CNET")) == 1
    at(bot, "2026-12-10 10:00")  # the new 7d moment
    sent = reminders(bot, "CNET")
    assert len(sent) == 2 and "17. desember" in sent[1]


def test_cancelling_withdraws_a_queued_reminder_and_tells_the_channel(bot: Bot) -> None:
    setup_network(bot)
    assert at(bot, "2026-12-09 09:59") == 1
    bot.command("/meeting", "cancel M-1 Flyttes til januar", user=COORDINATOR)
    at(bot, "2026-12-09 10:01")
    at(bot, "2026-12-10 09:00")
    posted = [p["text"] for p in bot.slack.posted("CNET")]
    assert len(posted) == 1 and "avlyst" in posted[0] and "Flyttes til januar" in posted[0]
    with bot.db.session() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.kind == "meeting_reminder")
        ).all()
    assert statuses == ["cancelled"]


def test_an_unbound_series_falls_back_on_the_digest_channel(bot: Bot) -> None:
    bot.command("/returbot", "channel digest", user=COORDINATOR, channel="CDIGEST")
    bot.command("/meeting", "schedule steering 10.12.2026 10:00", user=COORDINATOR)
    at(bot, "2026-12-09 10:00")
    assert len(reminders(bot, "CDIGEST")) == 1


def test_no_channel_at_all_tells_the_coordinator_once(bot: Bot) -> None:
    bot.command("/meeting", "schedule steering 10.12.2026 10:00", user=COORDINATOR)
    at(bot, "2026-12-03 10:00")
    at(bot, "2026-12-09 10:00")
    alerts = bot.slack.posted(COORDINATOR)
    assert len(alerts) == 1 and "/returbot channel steering" in alerts[0]["text"]


def _invites(bot: Bot) -> list[dict[str, object]]:
    return bot.slack.posted("COPA")


def test_optional_department_gets_the_agenda_and_answers(bot: Bot) -> None:
    bot.command("/returbot", "channel OPA", user=COORDINATOR, channel="COPA")
    bot.slack.set_members("COPA", ["UOPA"])
    bot.command("/returbot", "channel quarterly", user=COORDINATOR, channel="CQ")
    bot.command("/meeting", "schedule quarterly 15.12.2026 10:00", user=COORDINATOR)
    bot.command("/meeting", "agenda M-1 Returstatistikk dept:OPA", user="UOLA")
    at(bot, "2026-12-08 09:59")
    assert _invites(bot) == []
    at(bot, "2026-12-08 10:00")  # the first reminder moment (7d)
    (invite,) = _invites(bot)
    assert_valid_blocks(invite["blocks"])  # type: ignore[arg-type]
    blob = json.dumps(invite["blocks"], ensure_ascii=False)
    assert "Returstatistikk" in blob and "meeting_attend" in blob and "meeting_skip" in blob
    with bot.db.session() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "meeting_invite")
        ).one()
        ts = str(row.result_ts)
    body = slackreq.action_body(
        "meeting_attend", "1:OPA", user_id="UOPA", channel_id="COPA", message_ts=ts
    )
    assert bot.send(body).status == 200
    bot.deliver()
    with bot.db.session() as session:
        answer = session.scalars(select(Attendance)).one()
        assert (answer.department, answer.answer, answer.answered_by) == ("OPA", "attend", "UOPA")
    update = bot.slack.calls_to("chat.update")[-1]
    assert update.params["ts"] == ts and "UOPA" in json.dumps(update.params["blocks"])
    said = bot.slack.calls_to("chat.postEphemeral")[-1]
    assert "OPA" in said.params["text"] and "deltar" in said.params["text"]
    shown = bot.command("/meeting", "show M-1").text + json.dumps(
        bot.command("/meeting", "show M-1").json["blocks"], ensure_ascii=False
    )
    assert "*OPA* deltar" in shown
    # they change their mind: the last answer counts
    bot.send(
        slackreq.action_body(
            "meeting_skip", "1:OPA", user_id="UOPA", channel_id="COPA", message_ts=ts
        )
    )
    with bot.db.session() as session:
        assert session.scalars(select(Attendance.answer)).one() == "skip"


def test_with_no_reminder_left_the_invitation_goes_at_once(bot: Bot) -> None:
    bot.command("/returbot", "channel OPA", user=COORDINATOR, channel="COPA")
    bot.command("/meeting", "schedule quarterly 26.11.2026 10:00", user=COORDINATOR)
    bot.deliver()  # no sweep needed: scheduling queued it
    assert len(_invites(bot)) == 1


def test_a_department_that_is_not_optional_cannot_answer(bot: Bot) -> None:
    bot.command("/meeting", "schedule quarterly 15.12.2026 10:00", user=COORDINATOR)
    body = slackreq.action_body("meeting_attend", "1:RMA", user_id="URMA", channel_id="CRMA")
    assert bot.send(body).status == 200
    said = bot.slack.calls_to("chat.postEphemeral")[-1]
    assert "RMA er ikke valgfri" in said.params["text"]
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_status_requests_reach_owners_and_notes_show_on_the_meeting(bot: Bot) -> None:
    bot.command("/issue", "Reisedokumenter dept:PU", user="UOLA")
    bot.command("/issue", "Mottak dept:RMA owner:<@UKARI|kari>", user="UOLA")
    bot.command("/issue", "Ikke i nettverket dept:AUA", user="UOLA")
    bot.command("/issue", "Lukket dept:PU", user="UPER")
    bot.command("/issue", "close I-4", user="UPER")
    setup_network(bot)  # status_request 3d: Monday 7 December 10:00
    bot.deliver()
    before = {c: len(bot.slack.posted(c)) for c in ("UOLA", "UKARI", "UPER")}
    at(bot, "2026-12-07 09:59")
    assert [len(bot.slack.posted(c)) for c in ("UOLA", "UKARI", "UPER")] == list(before.values())
    at(bot, "2026-12-07 10:00")
    ola = bot.slack.posted("UOLA")[-1]
    kari = bot.slack.posted("UKARI")[-1]
    assert len(bot.slack.posted("UPER")) == before["UPER"]  # only a closed issue
    assert_valid_blocks(ola["blocks"])
    blob = json.dumps(ola["blocks"], ensure_ascii=False)
    assert "I-1" in blob and "I-3" not in blob and "I-2" not in blob
    assert "I-2" in json.dumps(kari["blocks"], ensure_ascii=False)
    body = slackreq.action_body("meeting_status_note", "1:1", user_id="UOLA", channel_id="DOLA")
    assert bot.send(body).status == 200
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    assert_valid_view(view)
    values = {"note": {"value": {"type": "plain_text_input", "value": "Venter på PU"}}}
    submit = slackreq.view_submission_body(
        view["callback_id"], values, user_id="UOLA", private_metadata=view["private_metadata"]
    )
    assert bot.send(submit).status == 200
    with bot.db.session() as session:
        note = session.scalars(select(IssueNote)).one()
        meeting = session.scalars(select(Meeting)).one()
        assert (note.text, note.meeting_id) == ("Venter på PU", meeting.id)
    shown = json.dumps(bot.command("/meeting", "show M-1").json["blocks"], ensure_ascii=False)
    assert "Statusnotater" in shown and "Venter på PU" in shown
    assert at(bot, "2026-12-07 10:05") == 0  # once


def test_series_are_extended_as_time_passes(bot: Bot) -> None:
    bot.command("/meeting", "schedule network 30.11.2026 10:00 repeat:weekly", user=COORDINATOR)
    with bot.db.session() as session:
        first_last = session.scalar(select(func.max(Meeting.starts_at)))
    at(bot, "2027-01-20 12:00")
    with bot.db.session() as session:
        last = session.scalar(select(func.max(Meeting.starts_at)))
        count = session.scalar(select(func.count()).select_from(Meeting))
    assert first_last is not None and last is not None
    assert last - first_last == timedelta(weeks=8)
    assert count == 60
    assert last.astimezone(UTC) >= datetime(2028, 1, 10, tzinfo=UTC)
    at(bot, "2027-01-20 12:01")
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 60
