"""The e-mail transport against a real SMTP server on a free port (aiosmtpd): what arrives, read
back with :mod:`email` (MIME structure, headers, the iTIP calendar and its SEQUENCE, no raw
Slack markup), and what each fault comes to: 421, 451 and no answer are tried again, 550 is a
refusal the outbox reports, and a connection dropped after the data sends the same Message-ID
again, so nothing is lost and a mail client shows it once."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Literal

import lxml.html
import pytest
import vobject

from bot import calendar
from bot.meetings import changes, scheduling
from bot.outbox.transport import Attachment, Outcome, Outgoing
from bot.runtime import Runtime
from mail import MailTransport, parse_mail_from, parse_smtp_url
from mail.smtp_url import MailFrom
from storage.models import Meeting
from tests.conftest import COORDINATOR
from tests.support.smtp import SmtpServer, silent_server

SENDER = "Returbot UDI <returbot@udi.example.no>"
TO = "post@pu.example.no"
QUEUED = "2026-11-25T09:30:00+00:00"
TEXT = (
    "Møte M-1: Returnettverket <!channel>\n"
    "Torsdag 10. desember 2026 kl. 10.00 i Møterom 3, spurt av <@UKARI>.\n"
    "Se <https://returbot.example.no/m/1|møtet> &amp; svar &lt;innen fredag&gt;."
)
BODY = (
    "Torsdag 10. desember 2026 kl. 10.00 i Møterom 3, spurt av @UKARI.\n"
    "Se https://returbot.example.no/m/1 & svar <innen fredag>.\n"
)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def transport(url: str, timeout: float = 5.0) -> MailTransport:
    return MailTransport(
        parse_smtp_url(url), parse_mail_from(SENDER), timeout=timeout, clock=lambda: NOW
    )


def outgoing(
    text: str = TEXT, file: Attachment | None = None, *, row: int = 41, to: str = TO
) -> Outgoing:
    return Outgoing(
        id=row, kind="meeting_invitation", method="email.send", target=to, to_user=False,
        text=text, blocks=None, file=file, marker={"outbox_id": row, "queued_at": QUEUED},
    )  # fmt: skip


def send(mailer: MailTransport, message: Outgoing) -> Outcome:
    noted: list[str] = []
    outcome = mailer.send(message, noted.append)
    assert noted == []  # e-mail uploads no file anywhere first
    return outcome


# -- a meeting through the use cases, as its invitations --------------------------------------


def _actor(runtime: Runtime, session: Any) -> Any:
    return runtime.actor(session, COORDINATOR)


def invitations(runtime: Runtime) -> list[tuple[str, bytes]]:
    """The iTIP calendars of M-1 scheduled, moved and cancelled, each as the use case left it."""
    org, now = runtime.org, runtime.clock.now()
    found = []

    def invite(method: calendar.ItipMethod) -> None:
        with runtime.db.session() as session:
            meeting = session.query(Meeting).one()
            found.append(
                (method, calendar.invitation(
                    session, meeting, org, method=method, organizer="returbot@udi.example.no",
                    attendees=[TO, "vakt@pu.example.no"],
                ))
            )  # fmt: skip

    with runtime.db.session() as session:
        scheduling.schedule(
            session, org=org, actor=_actor(runtime, session), now=now,
            data=scheduling.MeetingInput(
                series="network", start=datetime(2026, 12, 10, 9, tzinfo=UTC), place="Møterom 3"
            ),
        )  # fmt: skip
    invite("REQUEST")
    with runtime.db.session() as session:
        changes.move(
            session, org=org, actor=_actor(runtime, session), now=now,
            data=changes.MoveInput(number=1, start=datetime(2027, 6, 10, 8, tzinfo=UTC)),
        )  # fmt: skip
    invite("REQUEST")
    with runtime.db.session() as session:
        changes.cancel(
            session, org=org, actor=_actor(runtime, session), now=now,
            data=changes.CancelInput(number=1, reason="Koordinatoren er syk"),
        )  # fmt: skip
    invite("CANCEL")
    return found


def _parts(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_an_invitation_arrives_as_text_an_itip_part_and_the_same_ics_as_a_file(
    smtp: SmtpServer, runtime: Runtime
) -> None:
    mailer = transport(smtp.url)
    sent = invitations(runtime)
    for row, (_, ics) in enumerate(sent, start=1):
        file = Attachment(ics, "M-1.ics", "M-1")
        assert send(mailer, outgoing(file=file, row=row)) == Outcome("sent")
    assert len(smtp.received) == 3
    sequences = []
    for (method, ics), got in zip(sent, smtp.received, strict=True):
        assert (got.mail_from, got.rcpt_tos) == ("returbot@udi.example.no", [TO])
        mail = got.message
        assert _parts(mail) == [
            "multipart/mixed", "multipart/alternative", "text/plain", "text/html",
            "text/calendar",
            "application/ics",
        ]  # fmt: skip
        assert str(mail["From"]) == SENDER and str(mail["To"]) == TO
        assert str(mail["Subject"]) == "Møte M-1: Returnettverket @channel"
        assert str(mail["Date"]) == "Wed, 25 Nov 2026 09:30:00 +0000"
        assert str(mail["Auto-Submitted"]) == "auto-generated"
        _, _, plain, _, itip, attached = list(mail.walk())
        assert plain.get_content() == BODY
        assert itip.get_param("method") == method
        assert itip.get_content() == ics.decode()  # the text/calendar part, decoded as text
        assert attached.get_filename() == "M-1.ics"
        assert attached.get_content_disposition() == "attachment"
        assert attached.get_content() == ics
        cal = vobject.readOne(itip.get_content())
        assert cal.method.value == method
        sequences.append(int(cal.vevent.sequence.value))
        assert cal.vevent.organizer.value == "mailto:returbot@udi.example.no"
        assert [a.value for a in cal.vevent.contents["attendee"]] == [
            f"mailto:{TO}", "mailto:vakt@pu.example.no",
        ]  # fmt: skip
    assert sequences == [0, 1, 2]
    assert b'Content-Type: text/calendar; method="CANCEL"; charset="utf-8"' in smtp.received[2].data
    # one Message-ID per row, all on the sender's domain
    ids = [str(r.message["Message-ID"]) for r in smtp.received]
    assert len(set(ids)) == 3 and all(i.endswith("@udi.example.no>") for i in ids)


def test_the_text_is_shown_as_a_reader_sees_it_never_raw_markup(smtp: SmtpServer) -> None:
    assert send(transport(smtp.url), outgoing()) == Outcome("sent")
    (got,) = smtp.received
    assert _parts(got.message) == ["multipart/alternative", "text/plain", "text/html"]
    plain = got.message.get_body(("plain",))
    assert plain is not None and plain.get_content() == BODY
    for raw in (b"<!channel>", b"<@UKARI>", b"|m\xc3\xb8tet>"):
        assert raw not in got.data
    assert "<!" not in str(got.message["Subject"])
    # the HTML says the same, and each link shows the address it leads to
    part = got.message.get_body(("html",))
    assert part is not None
    page = lxml.html.document_fromstring(part.get_content())
    assert page.findtext(".//title") == "Møte M-1: Returnettverket @channel"
    assert page.body.text_content().strip() == BODY.strip()
    links = [(a.get("href"), a.text_content()) for a in page.iter("a")]
    assert links == [("https://returbot.example.no/m/1",) * 2]
    assert page.body.find(".//script") is None and len(page.body.findall(".//br")) == 1


# -- faults ---------------------------------------------------------------------------------


FAULTS = [
    # (inject, result, error starts with, fault)
    (("greeting", 421, "4.3.2 Service shutting down"), "transient", "smtp_421 at connect", ""),
    (("mail", 451, "4.3.0 Local error"), "transient", "smtp_451 at mail", ""),
    (("rcpt", 451, "4.7.1 Greylisted, try later"), "transient", "smtp_451 at rcpt", ""),
    (("rcpt", 550, "5.1.1 <post@pu.example.no>: no such mailbox"), "refused", "smtp_550 at rcpt",
     "user"),
    (("data", 451, "4.3.0 Queue full"), "transient", "smtp_451 at data", ""),
    (("data", 554, "5.7.1 Message rejected as spam"), "refused", "smtp_554 at data", ""),
]  # fmt: skip


@pytest.mark.parametrize(("inject", "result", "error", "fault"), FAULTS)
def test_each_answer_of_the_server_comes_to_its_outcome_and_nothing_is_lost(
    smtp: SmtpServer, inject: tuple[str, int, str], result: str, error: str, fault: str
) -> None:
    mailer = transport(smtp.url)
    smtp.fail(*inject)
    outcome = send(mailer, outgoing())
    assert (outcome.result, outcome.fault, outcome.unsure) == (result, fault, False)
    assert outcome.error.startswith(error), outcome.error
    assert "<" not in outcome.error and ">" not in outcome.error  # shown to a coordinator
    assert smtp.received == []
    # the server well again: the next attempt (the outbox's retry) delivers it
    assert send(mailer, outgoing()) == Outcome("sent")
    (got,) = smtp.received
    assert got.rcpt_tos == [TO]


def test_a_connection_dropped_after_the_data_sends_the_same_message_id_again(
    smtp: SmtpServer,
) -> None:
    mailer = transport(smtp.url)
    smtp.drop_after_data()
    first = send(mailer, outgoing())
    assert (first.result, first.unsure) == ("transient", True)
    assert first.error == "connection_dropped at send"
    assert len(smtp.received) == 1  # the server had it; the bot could not know
    assert send(mailer, outgoing()) == Outcome("sent")
    one, two = smtp.received
    assert str(one.message["Message-ID"]) == str(two.message["Message-ID"])
    assert one.data == two.data  # byte for byte: the same message (the clock stood still)
    # another row is another message
    send(mailer, outgoing(row=42))
    assert str(smtp.received[2].message["Message-ID"]) != str(one.message["Message-ID"])


def test_a_server_that_stops_answering_after_the_data_is_tried_again(smtp: SmtpServer) -> None:
    mailer = transport(smtp.url, timeout=0.5)
    smtp.hang_after_data()
    first = send(mailer, outgoing())
    assert (first.result, first.error, first.unsure) == ("transient", "timeout at send", True)
    assert send(mailer, outgoing()) == Outcome("sent")
    one, two = smtp.received
    assert str(one.message["Message-ID"]) == str(two.message["Message-ID"])


def test_a_message_the_server_took_is_sent_though_it_never_answers_the_quit(
    smtp: SmtpServer,
) -> None:
    smtp.hang_at_quit()
    assert send(transport(smtp.url, timeout=0.5), outgoing()) == Outcome("sent")
    assert len(smtp.received) == 1


def test_a_server_that_never_greets_and_one_that_is_not_there_are_tried_again() -> None:
    with silent_server() as port:
        outcome = send(transport(f"smtp://127.0.0.1:{port}", timeout=0.3), outgoing())
    assert (outcome.result, outcome.error, outcome.unsure) == ("transient", "timeout at connect",
                                                               False)  # fmt: skip
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed = free.getsockname()[1]
    outcome = send(transport(f"smtp://127.0.0.1:{closed}", timeout=0.3), outgoing())
    assert outcome.result == "transient"
    assert outcome.error == "connection_error at connect: ConnectionRefusedError"


def test_a_message_that_cannot_be_an_email_is_unbuildable_and_nothing_is_sent(
    smtp: SmtpServer,
) -> None:
    mailer = transport(smtp.url)
    for message in (outgoing(to="UKARI"), outgoing(to="a@b.no\r\nBcc: x@evil.example"),
                    outgoing(text="  \n ")):  # fmt: skip
        outcome = send(mailer, message)
        assert outcome.result == "unbuildable", outcome
    assert smtp.received == []


# -- the login and the password -------------------------------------------------------------

PASSWORD = "s3cret-Pass/word"


def test_the_login_is_used_and_the_password_never_logged_nor_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with SmtpServer(auth=("returbot", PASSWORD)) as server:
        url = f"smtp://returbot:s3cret-Pass%2Fword@127.0.0.1:{server.port}"
        mailer = transport(url)
        assert send(mailer, outgoing()) == Outcome("sent")
        assert server.logins == [("returbot", PASSWORD)]
        server.fail("data", 451)
        failed = send(mailer, outgoing())
        wrong = transport(f"smtp://returbot:wrong@127.0.0.1:{server.port}")
        refused = send(wrong, outgoing())
    assert refused.result == "transient" and refused.error.startswith("smtp_535 at login")
    shown = [caplog.text, failed.error, refused.error, repr(mailer), str(mailer.server),
             repr(mailer.server)]  # fmt: skip
    assert all(PASSWORD not in text and "s3cret" not in text for text in shown)
    assert str(mailer.server) == f"smtp://returbot@127.0.0.1:{server.port}"


# -- the settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "starttls", "user", "password"),
    [
        ("smtp://mail.udi.no", "mail.udi.no", 25, False, False, "", ""),
        ("smtp://u:p%40ss@mail.udi.no:587?starttls=true", "mail.udi.no", 587, False, True, "u",
         "p@ss"),
        ("smtps://returbot@mail.udi.no", "mail.udi.no", 465, True, False, "returbot", ""),
        ("SMTP://mail.udi.no:2525/?starttls=false", "mail.udi.no", 2525, False, False, "", ""),
    ],
)  # fmt: skip
def test_smtp_url_is_read(
    url: str, host: str, port: int, tls: bool, starttls: bool, user: str, password: str
) -> None:
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.tls, server.starttls) == (host, port, tls, starttls)
    assert (server.username, server.password) == (user, password)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://u:hemmelig@mail.udi.no", "must start with smtp:// or smtps://, not http://"),
        ("mail.udi.no:25", "must start with smtp:// or smtps://"),
        ("smtp://u:hemmelig@", "names no host"),
        ("smtp://u:hemmelig@mail.udi.no:99999", "port that is not a number"),
        ("smtp://u:hemmelig@mail.udi.no:abc", "port that is not a number"),
        ("smtp://u:hemmelig@mail.udi.no:0", "port that is not a number"),
        ("smtp://u:hemmelig@mail.udi.no/inbox", "has a path"),
        ("smtp://u:hemmelig@mail.udi.no?tls=yes", "'tls', which is not a setting"),
        ("smtp://u:hemmelig@mail.udi.no?starttls=kanskje", "neither true nor false"),
        ("smtps://u:hemmelig@mail.udi.no?starttls=true", "STARTTLS on smtps://"),
        ("smtp://:hemmelig@mail.udi.no", "a password but no user"),
    ],
)
def test_a_bad_smtp_url_is_one_sentence_without_the_password(url: str, says: str) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError) as raised:
        parse_smtp_url(url)
    sentence = str(raised.value)
    assert sentence.startswith("SMTP_URL ") and says in sentence, sentence
    assert "hemmelig" not in sentence and "\n" not in sentence
    assert sentence.endswith(".")


def test_mail_from_is_one_address_with_or_without_a_name() -> None:
    from bot.settings import SettingsError

    assert parse_mail_from("returbot@udi.no") == MailFrom("returbot@udi.no")
    named = parse_mail_from("Returbot UDI <returbot@udi.no>")
    assert (named.address, named.name, named.domain) == ("returbot@udi.no", "Returbot UDI",
                                                         "udi.no")  # fmt: skip
    for bad in ("", "returbot", "a@b.no, c@d.no", "returbot@udi.no\r\nBcc: x@evil.example"):
        with pytest.raises(SettingsError, match=r"^RETURBOT_MAIL_FROM must be one e-mail address"):
            parse_mail_from(bad)


# -- TLS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_mail_goes_over_tls_and_the_login_only_after_it(tls: Literal["starttls", "smtps"]) -> None:
    with SmtpServer(auth=("returbot", PASSWORD), tls=tls) as server:
        url = server.url.replace("://", f"://returbot:{PASSWORD.replace('/', '%2F')}@")
        mailer = MailTransport(
            parse_smtp_url(url), parse_mail_from(SENDER), timeout=5.0,
            tls_context=server.client_context, clock=lambda: NOW,
        )  # fmt: skip
        assert send(mailer, outgoing()) == Outcome("sent")
        assert server.logins == [("returbot", PASSWORD)] and server.tls_seen == [True]
        # a client that does not trust the server's certificate sends nothing
        untrusting = MailTransport(parse_smtp_url(url), parse_mail_from(SENDER), timeout=5.0)
        outcome = send(untrusting, outgoing())
    assert outcome.result == "transient"
    assert outcome.error == "connection_error at connect: SSLCertVerificationError"
    assert len(server.received) == 1 and len(server.logins) == 1
