"""E-mail end to end (SPEC §8): notices with the one-click link, meeting invitations as iTIP
REQUEST / REQUEST with a higher SEQUENCE / CANCEL, all through the outbox to a real SMTP server
(aiosmtpd on port 0); a refusal reported to the coordinators, nothing sent twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import vobject
from sqlalchemy import select

from bot.context import ManualClock
from returbot.jobs import run_followups
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import COORDINATOR
from tests.e2e.conftest import Bot, running_bot
from tests.support.fakeslack import FakeSlack
from tests.support.smtp import SmtpServer

SENDER = "returbot@udi.example.no"
PUBLIC = "https://returbot.example.no"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mailbot(db: Database, clock: ManualClock, slack: FakeSlack, smtp: SmtpServer) -> Iterator[Bot]:
    with running_bot(
        db, clock, slack, SMTP_URL=smtp.url, RETURBOT_MAIL_FROM=f"Returbot <{SENDER}>",
        RETURBOT_PUBLIC_URL=PUBLIC, SLACK_CLIENT_ID="123.456", SLACK_CLIENT_SECRET="s" * 32,
        RETURBOT_SECRET_KEY="k" * 40,
    ) as bot:  # fmt: skip
        yield bot


def addresses(bot: Bot, code: str, *found: str) -> None:
    reply = bot.command("/returbot", f"email {code} {','.join(found)}", user=COORDINATOR)
    assert reply.in_channel, reply.text


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def calendar_of(mail: EmailMessage) -> tuple[str, vobject.base.Component]:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    method = part.get_param("method")
    return str(method), vobject.readOne(part.get_content())


def test_an_issue_notice_is_mailed_with_its_page_and_a_one_click_link(
    mailbot: Bot, smtp: SmtpServer
) -> None:
    addresses(mailbot, "PU", "vakt@pu.example.no", "leder@pu.example.no")
    reply = mailbot.command(
        "/issue", 'Mangler reisedokumenter dept:PU,RMA details:"Til <!channel>: haster"'
    )
    assert reply.in_channel, reply.text
    mailbot.deliver()
    mails = {r.rcpt_tos[0]: r.message for r in smtp.received}
    assert set(mails) == {"vakt@pu.example.no", "leder@pu.example.no"}  # RMA has none
    mail = mails["vakt@pu.example.no"]
    assert str(mail["Subject"]).strip() == "Sak I-1 berører PU: Mangler reisedokumenter"
    assert mail["From"] == f"Returbot <{SENDER}>"
    body = body_of(mail)
    assert "Til @channel: haster" in body and "<!channel>" not in body
    assert f"Se saken: {PUBLIC}/issues/I-1" in body
    links = re.findall(rf"{PUBLIC}/ack/([A-Za-z0-9_-]+)", body)
    other = re.findall(rf"{PUBLIC}/ack/([A-Za-z0-9_-]+)", body_of(mails["leder@pu.example.no"]))
    assert len(links) == 1 and len(other) == 1 and links != other  # one link per address
    mailbot.deliver()
    assert len(smtp.received) == 2  # nothing twice
    with mailbot.db.session() as session:  # the token is in the e-mail only, not in the queue
        payloads = [str(r.payload) for r in session.scalars(select(OutboxMessage))]
        assert not any(token in p for p in payloads for token in (*links, *other))


def test_without_web_the_notice_says_how_to_acknowledge_in_slack(
    db: Database, clock: ManualClock, slack: FakeSlack, smtp: SmtpServer
) -> None:
    with running_bot(db, clock, slack, SMTP_URL=smtp.url, RETURBOT_MAIL_FROM=SENDER) as bot:
        addresses(bot, "PU", "vakt@pu.example.no")
        bot.command("/issue", "Mangler tolk dept:PU")
        bot.deliver()
    body = body_of(smtp.received[0].message)
    assert "/issue ack I-1 dept:PU" in body and "/ack/" not in body


def test_a_meeting_is_invited_moved_and_cancelled_in_the_attendees_calendars(
    mailbot: Bot, smtp: SmtpServer
) -> None:
    # the network series' departments (the bundled config): RMA, PU …
    addresses(mailbot, "PU", "vakt@pu.example.no")
    addresses(mailbot, "RMA", "rma@udi.example.no")
    made = mailbot.command("/meeting", "schedule network 15.12.2026 10:00", user=COORDINATOR)
    assert made.in_channel, made.text
    mailbot.deliver()
    moved = mailbot.command("/meeting", "move M-1 16.12.2026 12:00", user=COORDINATOR)
    assert moved.in_channel, moved.text
    mailbot.deliver()
    cancelled = mailbot.command("/meeting", "cancel M-1 Sykdom", user=COORDINATOR)
    assert cancelled.in_channel, cancelled.text
    mailbot.deliver()
    to_pu = [r.message for r in smtp.received if r.rcpt_tos == ["vakt@pu.example.no"]]
    subjects = [str(m["Subject"]).strip().split(":")[0] for m in to_pu]
    assert subjects == ["Invitasjon", "Flyttet", "Avlyst"]
    seen = []
    for mail in to_pu:
        method, cal = calendar_of(mail)
        event = cal.vevent
        seen.append((method, int(event.sequence.value), event.uid.value))
        attendees = sorted(a.value.lower() for a in event.attendee_list)
        assert attendees == ["mailto:rma@udi.example.no", "mailto:vakt@pu.example.no"]
        assert event.organizer.value.lower() == f"mailto:{SENDER}"
        assert any(p.get_filename() == "M-1.ics" for p in mail.iter_attachments())
    uid = seen[0][2]
    assert seen == [("REQUEST", 0, uid), ("REQUEST", 1, uid), ("CANCEL", 2, uid)]
    assert len({m["Message-ID"] for m in to_pu}) == 3


def test_a_mailbox_the_server_refuses_is_reported_to_the_coordinators(
    mailbot: Bot, smtp: SmtpServer
) -> None:
    addresses(mailbot, "PU", "finnes.ikke@pu.example.no")
    smtp.fail("rcpt", 550, "no such mailbox")
    mailbot.command("/issue", "Mangler tolk dept:PU")
    mailbot.deliver()
    with mailbot.db.session() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.method == "email.send")
        ).one()
        assert row.status == "failed"
    mailbot.deliver()  # the alert queued by the failure
    alerts = [m["text"] for m in mailbot.slack.posted(COORDINATOR)]
    told = [a for a in alerts if "finnes.ikke@pu.example.no" in a]
    assert told and "E-posttjeneren svarte `smtp_550" in told[0]
    assert "/ack/" not in told[0]  # the mail's link is for its reader, not for Slack
    status = mailbot.command("/returbot", "status", user=COORDINATOR)
    assert "issue_notice_mail til `finnes.ikke@pu.example.no`" in status.text
    assert f"E-post: på, sendes fra `Returbot <{SENDER}>`" in status.text


def test_a_4xx_is_tried_again_and_delivered_once(mailbot: Bot, smtp: SmtpServer) -> None:
    addresses(mailbot, "PU", "vakt@pu.example.no")
    smtp.fail("data", 451, "try later")
    mailbot.command("/issue", "Mangler tolk dept:PU")
    mailbot.deliver()
    assert smtp.received == []
    mailbot.clock.advance(minutes=10)
    mailbot.deliver()
    assert [r.rcpt_tos for r in smtp.received] == [["vakt@pu.example.no"]]


def test_a_department_that_has_not_acknowledged_is_reminded_by_e_mail_once(
    mailbot: Bot, smtp: SmtpServer
) -> None:
    addresses(mailbot, "PU", "vakt@pu.example.no")
    addresses(mailbot, "UNE", "post@une.example.no")
    mailbot.command("/issue", "Mangler tolk dept:PU,UNE")
    mailbot.deliver()
    assert len(smtp.received) == 2  # the notices
    acked = mailbot.command("/issue", "ack I-1 dept:UNE", user=COORDINATOR)
    assert acked.in_channel, acked.text
    mailbot.clock.advance(days=2, minutes=1)
    run_followups(mailbot.rt)
    run_followups(mailbot.rt)  # nothing twice
    mailbot.deliver()
    reminders = [r for r in smtp.received[2:]]
    assert [r.rcpt_tos for r in reminders] == [["vakt@pu.example.no"]]  # UNE has acknowledged
    mail = reminders[0].message
    assert str(mail["Subject"]).strip().startswith("Påminnelse: PU har ikke kvittert for sak I-1")
    assert f"{PUBLIC}/ack/" in body_of(mail)
