"""Who may do what (SPEC §4.1, §4.2, §4.3), tried as a hostile workspace member would: by
command, by button (with forged values) and by form, through signed requests and Bolt."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import Attendance, Decision, Issue, IssueDepartment, OutboxMessage
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot
from tests.support import slackreq


def bind(bot: Bot, target: str, channel: str) -> None:
    reply = bot.command("/returbot", f"channel {target}", user=COORDINATOR, channel=channel)
    assert reply.in_channel, reply.text


def issue(bot: Bot) -> Issue:
    with bot.db.session() as session:
        found = session.scalars(select(Issue)).one()
        session.expunge(found)
        return found


def acks(bot: Bot) -> dict[str, str | None]:
    with bot.db.session() as session:
        rows = session.scalars(select(IssueDepartment)).all()
        return {row.department: row.acked_by for row in rows}


def last_ephemeral(bot: Bot, user: str) -> str:
    said = [c for c in bot.slack.calls_to("chat.postEphemeral") if c.params["user"] == user]
    assert said, f"{user} was told nothing"
    return str(said[-1].params["text"])


def dms(bot: Bot, user: str) -> list[str]:
    return [str(m.get("text", "")) for m in bot.slack.posted(user)]


# --- finding 2: taking over an issue by assigning it to oneself --------------------------------


def test_a_stranger_cannot_assign_an_issue_to_themselves(bot: Bot) -> None:
    bot.command("/issue", "Kapasitet på Trandum dept:RMA", user="UKARI")
    refused = bot.command("/issue", "assign I-1 <@UMALLORY|mallory>", user="UMALLORY")
    assert not refused.in_channel
    assert "<@UKARI>" in refused.text  # names who may
    assert issue(bot).owner == "UKARI"
    bot.deliver()
    assert dms(bot, "UMALLORY") == []


def test_a_closed_issue_is_reopened_before_anyone_assigns_it(bot: Bot) -> None:
    bot.command("/issue", "Lukket sak dept:RMA", user="UKARI")
    assert bot.command("/issue", "close I-1", user="UKARI").in_channel
    for user in ("UMALLORY", "UKARI", COORDINATOR):
        refused = bot.command("/issue", f"assign I-1 <@{user}>", user=user)
        assert not refused.in_channel, refused.text
    assert "reopen I-1" in bot.command("/issue", "assign I-1 <@UOLA>", user="UKARI").text
    assert (issue(bot).owner, issue(bot).status) == ("UKARI", "closed")


def test_the_owner_may_hand_an_issue_on_and_the_reporter_and_previous_owner_are_told(
    bot: Bot,
) -> None:
    bot.command("/issue", "Reisedokumenter dept:RMA owner:<@UOLA>", user="UKARI")
    bot.deliver()
    bot.slack.reset()
    moved = bot.command("/issue", "assign I-1 <@UPER|per>", user="UOLA")
    assert moved.in_channel, moved.text
    bot.deliver()
    assert issue(bot).owner == "UPER"
    (to_reporter,) = dms(bot, "UKARI")
    assert "<@UPER>" in to_reporter and "<@UOLA>" in to_reporter and "I-1" in to_reporter
    assert any("I-1" in text for text in dms(bot, "UPER"))  # the new owner, as before
    assert dms(bot, "UOLA") == []  # who made the change is not told of it


def test_the_coordinator_reassigning_tells_reporter_and_previous_owner_once_each(bot: Bot) -> None:
    bot.command("/issue", "Tolk dept:RMA", user="UKARI")  # Kari reports and owns
    bot.deliver()
    bot.slack.reset()
    assert bot.command("/issue", "assign I-1 <@UOLA>", user=COORDINATOR).in_channel
    bot.deliver()
    assert len(dms(bot, "UKARI")) == 1  # reporter and previous owner are one person: one DM
    assert dms(bot, COORDINATOR) == []


# --- Take ownership: members of an affected department and coordinators ----------------------


def test_take_ownership_is_for_members_of_an_affected_department(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["UOLA"])
    bot.command("/issue", "Ansvar dept:RMA", user="UKARI")
    bot.deliver()
    refused = slackreq.action_body("issue_take", "1", user_id="UMALLORY", channel_id="CRMA")
    assert bot.send(refused).status == 200
    assert "RMA" in last_ephemeral(bot, "UMALLORY")
    assert issue(bot).owner == "UKARI"
    bot.send(slackreq.action_body("issue_take", "1", user_id="UOLA", channel_id="CRMA"))
    assert issue(bot).owner == "UOLA"
    bot.send(slackreq.action_body("issue_take", "1", user_id=COORDINATOR, channel_id="CRMA"))
    assert issue(bot).owner == COORDINATOR


def test_take_ownership_of_a_closed_issue_is_refused(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["UOLA"])
    bot.command("/issue", "Ferdig dept:RMA", user="UKARI")
    bot.command("/issue", "close I-1", user="UKARI")
    bot.send(slackreq.action_body("issue_take", "1", user_id="UOLA", channel_id="CRMA"))
    assert "reopen" in last_ephemeral(bot, "UOLA")
    assert issue(bot).owner == "UKARI"


# --- finding 3: acknowledging for a department one does not belong to --------------------------


def test_acknowledging_by_command_is_for_members_of_the_department(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["UOLA"])
    bot.command("/issue", "Kvittering dept:RMA,PU", user="UKARI")
    refused = bot.command("/issue", "ack I-1 dept:RMA", user="UMALLORY")
    assert not refused.in_channel and "RMA" in refused.text
    # PU has no bound channel yet: nobody belongs to it but the coordinator may record it
    assert not bot.command("/issue", "ack I-1 dept:PU", user="UOLA").in_channel
    assert acks(bot) == {"RMA": None, "PU": None}
    assert bot.command("/issue", "ack I-1 dept:RMA", user="UOLA").in_channel
    assert bot.command("/issue", "ack I-1 dept:PU", user=COORDINATOR).in_channel
    assert acks(bot) == {"RMA": "UOLA", "PU": COORDINATOR}


def test_a_forged_button_value_cannot_acknowledge_for_another_department(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bind(bot, "PU", "CPU")
    bot.slack.set_members("CRMA", ["UOLA"])
    bot.slack.set_members("CPU", ["UPER"])
    bot.command("/issue", "Forfalsket dept:RMA,PU", user="UKARI")
    bot.deliver()
    # a member of RMA presses RMA's button with the value rewritten to PU
    forged = slackreq.action_body("issue_ack", "1:PU", user_id="UOLA", channel_id="CRMA")
    assert bot.send(forged).status == 200
    assert "PU" in last_ephemeral(bot, "UOLA")
    assert acks(bot) == {"RMA": None, "PU": None}
    bot.send(slackreq.action_body("issue_ack", "1:PU", user_id="UPER", channel_id="CPU"))
    assert acks(bot)["PU"] == "UPER"


def test_somebody_who_just_joined_the_channel_is_not_refused_by_a_stale_list(bot: Bot) -> None:
    bind(bot, "RMA", "CRMA")
    bot.slack.set_members("CRMA", ["UOLA"])
    bot.command("/issue", "Ny i kanalen dept:RMA", user="UKARI")
    refused = bot.command("/issue", "ack I-1 dept:RMA", user="UNEW")  # the list is now cached
    assert not refused.in_channel
    bot.slack.set_members("CRMA", ["UOLA", "UNEW"])  # UNEW joins the channel
    members = bot.rt.members
    assert members is not None
    real_clock = members.clock  # type: ignore[attr-defined]
    members.clock = lambda: real_clock() + 30  # type: ignore[attr-defined]
    assert bot.command("/issue", "ack I-1 dept:RMA", user="UNEW").in_channel
    assert acks(bot) == {"RMA": "UNEW"}


# --- finding 9: superseding someone else's decision -------------------------------------------


def decisions(bot: Bot) -> list[tuple[int, str]]:
    with bot.db.session() as session:
        return [
            (d.number, d.status)
            for d in session.scalars(select(Decision).order_by(Decision.number))
        ]


def test_superseding_is_for_the_author_or_a_coordinator(bot: Bot) -> None:
    bot.command("/decision", "Felles rutine for uttransport", user="UKARI")
    refused = bot.command("/decision", "Min rutine supersedes:D-1", user="UMALLORY")
    assert not refused.in_channel and "<@UKARI>" in refused.text
    assert decisions(bot) == [(1, "active")]
    assert bot.command("/decision", "Ny rutine supersedes:D-1", user="UKARI").in_channel
    assert decisions(bot) == [(1, "superseded"), (2, "active")]
    assert bot.command("/decision", "Tredje rutine supersedes:D-2", user=COORDINATOR).in_channel
    assert decisions(bot) == [(1, "superseded"), (2, "superseded"), (3, "active")]


def test_superseding_from_the_form_is_refused_under_its_field(bot: Bot) -> None:
    bot.command("/decision", "Felles rutine", user="UKARI")
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Kapret rutine"}},
        "supersedes": {"value": {"type": "plain_text_input", "value": "D-1"}},
    }
    body = slackreq.view_submission_body("decision_modal", values, user_id="UMALLORY")
    reply = bot.send(body)
    assert reply.json["response_action"] == "errors"
    assert "supersedes" in reply.json["errors"]
    assert decisions(bot) == [(1, "active")]


# --- sibling: an optional department's attendance answer --------------------------------------


def test_answering_attendance_is_for_members_of_the_department(bot: Bot) -> None:
    bind(bot, "OPA", "COPA")
    bot.slack.set_members("COPA", ["UOPA"])
    bot.command("/meeting", "schedule quarterly 15.12.2026 10:00", user=COORDINATOR)
    body = slackreq.action_body("meeting_attend", "1:OPA", user_id="UMALLORY", channel_id="COPA")
    assert bot.send(body).status == 200
    assert "OPA" in last_ephemeral(bot, "UMALLORY")
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0
    bot.send(slackreq.action_body("meeting_skip", "1:OPA", user_id="UOPA", channel_id="COPA"))
    with bot.db.session() as session:
        assert session.scalars(select(Attendance.answered_by)).one() == "UOPA"


# --- finding 11: a replayed form submission ---------------------------------------------------


def outbox_kinds(bot: Bot) -> list[str]:
    with bot.db.session() as session:
        return list(session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))


def test_a_replayed_issue_form_makes_one_issue(bot: Bot) -> None:
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Gjentatt skjema"}},
        "departments": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "RMA"}]}
        },
    }
    body = slackreq.view_submission_body(
        "issue_modal", values, user_id="UKARI", private_metadata=json.dumps({"channel": "CGEN"})
    )
    first, second = bot.send(body), bot.send(body)
    assert first.status == second.status == 200
    assert first.body == second.body == b""  # both close the form
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Issue)) == 1
    assert outbox_kinds(bot).count("confirmation") == 1
    # sixty seconds later the same values are a new issue, as with a command
    bot.clock.advance(seconds=61)
    bot.send(body)
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Issue)) == 2


def test_a_replayed_note_form_adds_one_note_but_another_issue_is_another_note(bot: Bot) -> None:
    bot.command("/issue", "Første dept:RMA", user="UKARI")
    bot.command("/issue", "Andre dept:RMA", user="UKARI")
    values = {"note": {"value": {"type": "plain_text_input", "value": "Venter på PU"}}}

    def note_on(number: int) -> str:
        meta = json.dumps({"channel": "CGEN", "issue": number})
        return slackreq.view_submission_body(
            "issue_note_modal", values, user_id="UOLA", private_metadata=meta
        )

    for body in (note_on(1), note_on(1), note_on(2)):
        assert bot.send(body).status == 200
    with bot.db.session() as session:
        counted = {i.number: len(i.notes) for i in session.scalars(select(Issue))}
    assert counted == {1: 1, 2: 1}


def test_a_replayed_decision_and_meeting_form_make_one_record_each(bot: Bot) -> None:
    decision = slackreq.view_submission_body(
        "decision_modal",
        {"title": {"value": {"type": "plain_text_input", "value": "Én gang"}}},
        user_id="UKARI",
    )
    meeting = slackreq.view_submission_body(
        "meeting_modal",
        {
            "series": {"value": {"type": "static_select", "selected_option": {"value": "network"}}},
            "date": {"value": {"type": "datepicker", "selected_date": "2026-12-15"}},
            "time": {"value": {"type": "timepicker", "selected_time": "10:00"}},
        },
        user_id=COORDINATOR,
    )
    for body in (decision, decision, meeting, meeting):
        reply = bot.send(body)
        assert reply.status == 200 and reply.body == b"", reply.body
    with bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
        assert session.scalars(select(func.count()).select_from(Issue)).one() == 0
    assert outbox_kinds(bot).count("confirmation") == 2
