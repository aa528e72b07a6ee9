"""E-mail (SPEC §8): a weekly series of 52 meetings invited to 8 departments × 3 addresses, and the
outbox with Slack and e-mail rows mixed, against a real SMTP server (aiosmtpd) on this machine.

    python bench/mail.py [--pg URL] [--mixed 1000]

Prints the time `/meeting schedule … repeat:weekly` takes with its 1,248 invitations queued in
its transaction (against the same schedule without e-mail), the rate the outbox sends them at
(one worker, one SMTP connection per message), and the rate of a mixed queue (half Slack posts
to the local fake Slack, half e-mails).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bot import addresses, meetings, outbox
from bot.context import Actor, ManualClock
from bot.meetings.scheduling import MeetingInput
from bot.orgconfig import OrgConfig
from handlers.app import make_client
from handlers.slack_transport import SlackTransport
from mail import MailTransport, parse_mail_from, parse_smtp_url
from storage import migrate
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import make_settings
from tests.support.fakeslack import FakeSlack
from tests.support.postgres import empty_postgres
from tests.support.smtp import SmtpServer

COORDINATOR = "UBENCH"
SENDER = "returbot@udi.example.no"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def org_with_mail(mail: bool) -> OrgConfig:
    org = make_settings(RETURBOT_COORDINATORS=COORDINATOR).org
    return replace(org, mail_from=SENDER if mail else None)


def schedule(db: Database, org: OrgConfig) -> float:
    """Seconds the weekly series of the 8-department `seminar` series takes to schedule."""
    actor = Actor(user_id=COORDINATOR, lang="nb", is_coordinator=True)
    with db.session() as session:
        for code in ("AUA", "RMA", "OPA", "ASA", "PU", "UNE", "POD", "NID"):
            found = ",".join(f"{n}@{code.lower()}.example.no" for n in ("post", "vakt", "leder"))
            addresses.set_addresses(session, org=org, actor=actor, text=f"{code} {found}", now=NOW)
    began = time.perf_counter()
    with db.session() as session:
        data = MeetingInput(series="seminar", start=NOW + timedelta(days=8), repeat="weekly")
        meetings.schedule(session, org=org, actor=actor, data=data, now=NOW)
    return time.perf_counter() - began


def drain(dispatcher: outbox.Dispatcher, db: Database) -> tuple[int, float]:
    began = time.perf_counter()
    sent = 0
    while True:
        report = dispatcher.run_once()
        sent += report.sent
        if not report.claimed:
            break
    return sent, time.perf_counter() - began


def run(name: str, make_db: Callable[[], Database], mixed: int) -> None:
    with SmtpServer() as smtp, FakeSlack() as slack:
        clock = ManualClock(NOW)
        mail = MailTransport(parse_smtp_url(smtp.url), parse_mail_from(SENDER), clock=clock.now)
        slack_transport = SlackTransport(make_client("xoxb-bench", slack.url))
        plain = make_db()
        without = schedule(plain, org_with_mail(False))
        plain.dispose()
        db = make_db()
        with_mail = schedule(db, org_with_mail(True))
        with db.session() as session:
            queued = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.method == outbox.MAIL)
            )
        dispatcher = outbox.Dispatcher(
            db=db, transports={outbox.SLACK: slack_transport, outbox.EMAIL: mail}, clock=clock,
            coordinators=(COORDINATOR,), lang="nb",
        )  # fmt: skip
        with db.session() as session:  # the series' Slack reminders are not what is measured
            session.query(OutboxMessage).filter(OutboxMessage.method != outbox.MAIL).delete()
        sent, seconds = drain(dispatcher, db)
        print(
            f"{name}: schedule 52 meetings {without * 1000:.0f} ms without e-mail, "
            f"{with_mail * 1000:.0f} ms with {queued} invitations queued; "
            f"sent {sent} in {seconds:.1f} s = {sent / seconds:.0f} e-mails/s"
        )
        with db.session() as session:
            for i in range(mixed):
                if i % 2:
                    outbox.enqueue(
                        session, kind="confirmation", text=f"Melding {i}\nTekst", due_at=NOW,
                        address=f"post{i % 24}@pu.example.no", method=outbox.MAIL,
                    )  # fmt: skip
                else:
                    outbox.enqueue(
                        session, kind="confirmation", text=f"Melding {i}", due_at=NOW,
                        channel=f"C{i % 50:04d}",
                    )  # fmt: skip
        sent, seconds = drain(dispatcher, db)
        print(f"{name}: mixed queue of {mixed} (half e-mail): {sent / seconds:.0f} rows/s")
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--mixed", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        counter = iter(range(1000))

        def sqlite() -> Database:
            db = Database(f"sqlite:///{folder}/bench{next(counter)}.db")
            migrate.upgrade(db.engine)
            return db

        run("SQLite", sqlite, args.mixed)
    if args.pg:
        run("PostgreSQL", lambda: empty_postgres(args.pg), args.mixed)


if __name__ == "__main__":
    main()
