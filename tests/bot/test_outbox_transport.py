"""The dispatcher against its transport interface alone: no Slack anywhere in this file.

A transport here is a small real one that keeps what it is given and answers as told, so these
tests show what any medium (Slack's, e-mail's) gets from the core and what its outcomes mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot import outbox
from bot.context import ManualClock
from bot.outbox import Dispatcher, Outcome, Outgoing
from storage.db import Database
from storage.models import OutboxMessage

COORDINATOR = "UCOORD1"


@dataclass
class Keeper:
    """A transport that keeps each message and gives the outcomes it is told, in order."""

    answers: list[Outcome] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def send(self, message: Outgoing, note_file: Callable[[str], None]) -> Outcome:
        self.sent.append(message)
        if message.file is not None:
            note_file(f"F{len(self.files) + 1}")
            self.files.append(message.file.filename)
        return self.answers.pop(0) if self.answers else Outcome("sent", ts="1.0")


def dispatcher(db: Database, clock: ManualClock, keeper: Keeper) -> Dispatcher:
    return Dispatcher(
        db=db, transports={outbox.SLACK: keeper, outbox.EMAIL: keeper}, clock=clock,
        coordinators=(COORDINATOR,),
        lang="en", worker="w1",
    )  # fmt: skip


def queue(db: Database, clock: ManualClock, **fields: object) -> int:
    with db.session() as session:
        row = outbox.enqueue(session, kind="notice", text="Hello", due_at=clock.now(), **fields)  # type: ignore[arg-type]
        assert row is not None
        session.flush()
        return row.id


def rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_transport_gets_the_message_composed_and_checked(
    db: Database, clock: ManualClock
) -> None:
    keeper = Keeper()
    row_id = queue(db, clock, channel="CNET", blocks=[{"type": "divider"}])
    report = dispatcher(db, clock, keeper).run_once()
    assert report.sent == 1
    (message,) = keeper.sent
    assert (message.id, message.target, message.to_user) == (row_id, "CNET", False)
    assert (message.text, message.blocks) == ("Hello", [{"type": "divider"}])
    assert message.marker["outbox_id"] == row_id and message.unsure_since is None
    (row,) = rows(db)
    assert (row.status, row.result_ts, row.result_channel) == ("sent", "1.0", None)


def test_an_upload_hands_over_its_file_and_the_file_id_is_kept(
    db: Database, clock: ManualClock
) -> None:
    keeper = Keeper(answers=[Outcome("transient", "timeout", unsure=True)])
    extra = {"filename": "m.ics", "content": "BEGIN:VCALENDAR", "title": "M-1"}
    queue(db, clock, user="U1", method=outbox.UPLOAD, extra=extra)
    sender = dispatcher(db, clock, keeper)
    sender.run_once()
    clock.advance(seconds=5)
    sender.run_once()
    first, second = keeper.sent
    assert first.file is not None and first.file.content == b"BEGIN:VCALENDAR"
    assert first.file.title == "M-1" and first.file_ids == ()
    # the attempt after an unanswered one knows the file it may have shared
    assert second.file_ids == ("F1",) and second.unsure_since is not None


def test_a_refusal_tells_the_coordinator_what_its_fault_means(
    db: Database, clock: ManualClock
) -> None:
    keeper = Keeper(answers=[Outcome("refused", "gone_away", fault="archived")])
    queue(db, clock, channel="COLD")
    sender = dispatcher(db, clock, keeper)
    assert sender.run_once().failed == 1
    sender.run_once()
    alert = keeper.sent[-1]
    assert alert.kind == "alert" and alert.target == COORDINATOR and alert.to_user
    assert "gone_away" in alert.text and "archived" in alert.text


def test_a_rate_limit_waits_as_long_as_the_transport_says(db: Database, clock: ManualClock) -> None:
    keeper = Keeper(answers=[Outcome("rate_limited", "ratelimited", retry_after=30)])
    queue(db, clock, channel="CNET")
    sender = dispatcher(db, clock, keeper)
    assert sender.run_once().retried == 1
    clock.advance(seconds=29)
    assert sender.run_once().handled == 0
    clock.advance(seconds=2)
    assert sender.run_once().sent == 1


def test_a_medium_without_a_transport_stops_the_process_from_starting(
    db: Database, clock: ManualClock
) -> None:
    with pytest.raises(ValueError, match="no outbox transport for email, slack"):
        Dispatcher(db=db, transports={}, clock=clock, coordinators=(), lang="en")
