"""E-mail rows through the real outbox: the dispatcher hands them to the mail transport, a 451
is tried again until it is sent, a 550 fails for good and the coordinators are told on Slack.

The dispatcher is handed both transports, as the composition root hands them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.context import ManualClock
from bot.outbox import Dispatcher, queue
from handlers.app import make_client
from handlers.slack_transport import SlackTransport
from mail import MEDIUM, MailTransport, parse_mail_from, parse_smtp_url
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import COORDINATOR
from tests.support.fakeslack import FakeSlack
from tests.support.smtp import SmtpServer

TO = "post@pu.example.no"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def dispatcher(db: Database, clock: ManualClock, slack: FakeSlack, smtp: SmtpServer) -> Dispatcher:
    mail = MailTransport(
        parse_smtp_url(smtp.url), parse_mail_from("returbot@udi.example.no"), timeout=2.0,
        clock=clock.now,
    )  # fmt: skip
    slack_transport = SlackTransport(make_client("xoxb-test-token", slack.url))
    return Dispatcher(
        db=db, transports={queue.SLACK: slack_transport, MEDIUM: mail}, clock=clock,
        coordinators=[COORDINATOR], lang="nb",
    )  # fmt: skip


def _queue(db: Database, clock: ManualClock, text: str) -> int:
    with db.session() as session:
        row = queue.enqueue(
            session, kind="confirmation", text=text, address=TO, method=queue.MAIL,
            due_at=clock.now(),
        )  # fmt: skip
        assert row is not None
        session.flush()
        return row.id


def _row(db: Database, row_id: int) -> tuple[str, int, str | None]:
    with db.session() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.id == row_id)).one()
        return row.status, row.attempts, row.last_error


def test_a_451_is_tried_again_and_sent_once(
    db: Database, clock: ManualClock, smtp: SmtpServer, dispatcher: Dispatcher, slack: FakeSlack
) -> None:
    row = _queue(db, clock, "Sak S-1 er meldt\nLes den i registeret.")
    smtp.fail("data", 451, "4.3.0 Queue full")
    dispatcher.run_once()
    status, attempts, error = _row(db, row)
    assert (status, attempts) == ("pending", 1) and error and error.startswith("smtp_451 at data")
    assert smtp.received == []
    clock.advance(minutes=5)
    dispatcher.run_once()
    assert _row(db, row)[:2] == ("sent", 1)
    (got,) = smtp.received
    assert str(got.message["Subject"]) == "Sak S-1 er meldt"
    assert got.message["Message-ID"].startswith(f"<returbot.outbox.{row}.")
    assert slack.posted() == []  # nothing to tell anyone


def test_a_550_fails_for_good_and_the_coordinators_are_told(
    db: Database, clock: ManualClock, smtp: SmtpServer, dispatcher: Dispatcher, slack: FakeSlack
) -> None:
    row = _queue(db, clock, "Møte M-1 er flyttet\nTil torsdag.")
    smtp.fail("rcpt", 550, "5.1.1 <post@pu.example.no>: no such mailbox")
    dispatcher.run_once()
    status, attempts, error = _row(db, row)
    assert (status, attempts) == ("failed", 1)
    assert error == "smtp_550 at rcpt: 5.1.1 'post@pu.example.no': no such mailbox"
    dispatcher.run_once()  # the alert, by Slack
    (alert,) = slack.posted(COORDINATOR)
    assert "smtp_550 at rcpt" in alert["text"] and TO in alert["text"]
    assert "Møte M-1 er flyttet" in alert["text"]
    clock.advance(hours=1)
    dispatcher.run_once()
    assert smtp.received == [] and len(slack.posted(COORDINATOR)) == 1  # not tried again
