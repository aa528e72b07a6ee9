"""The outbox's e-mail transport: one message of an outbox row handed to an SMTP server.

What the server answers decides the outcome: 2xx sent; 4xx (421 closing, 451 local error, 452
full…) tried again later; 5xx (550 no such mailbox…) a refusal, reported to the coordinators by
the outbox. No answer at all (a time-out, a connection dropped, above all one dropped after the
message's data went out and before the server said it took it) is tried again too: the server
may have the message already, and the stable ``Message-ID`` (:func:`mail.message.message_id`)
makes the second copy the same message to the reader's mail client.

A connection per message: the dispatcher's threads send side by side, and a connection the
server dropped between two messages is never reused. The password goes to the server only, never
into a log line or an outcome.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime

from bot.outbox.transport import Fault, Outcome, Outgoing, excerpt
from mail.message import compose
from mail.smtp_url import MailFrom, SmtpServer

log = logging.getLogger("returbot.mail")

MEDIUM = "email"
DEFAULT_TIMEOUT = 30.0
# the server refused the address itself (RFC 5321, 3463): the fix is the department's address
_ADDRESS_CODES = frozenset({550, 551, 553})
# authentication is the operator's to fix: tried again until the attempts are used up
_AUTH_CODES = frozenset({530, 534, 535, 538})
_MARKUP = re.compile(r"[`<>]")


def _words(said: bytes | str, password: str) -> str:
    """A server's answer in a few words that are safe to show a coordinator."""
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else said
    if password:
        text = text.replace(password, "[redacted]")
    return excerpt(_MARKUP.sub("'", text), 160)


def classify(code: int, said: bytes | str, *, at: str, password: str = "") -> Outcome:
    """The outcome of an SMTP answer ``code`` at step ``at`` (``rcpt``, ``data``, …)."""
    error = f"smtp_{code} at {at}: {_words(said, password)}".rstrip(": ")
    if 400 <= code < 500:
        return Outcome("transient", error)
    if code in _AUTH_CODES:
        return Outcome("transient", error)
    fault: Fault = "user" if at == "rcpt" and code in _ADDRESS_CODES else ""
    return Outcome("refused", error, fault=fault)


class MailTransport:
    """Sends outbox messages of the e-mail medium through ``server`` as ``sender``."""

    medium = MEDIUM

    def __init__(
        self,
        server: SmtpServer,
        sender: MailFrom,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        local_hostname: str | None = None,
    ) -> None:
        self.server = server
        # the name the bot gives in EHLO, looked up once, not by smtplib for every connection
        self.local_hostname = local_hostname or socket.getfqdn()
        self.sender = sender
        self.timeout = timeout
        self.tls_context = tls_context
        self.clock = clock

    def __repr__(self) -> str:
        return f"MailTransport({self.server}, from {self.sender.address})"

    def send(self, message: Outgoing, note_file: Callable[[str], None]) -> Outcome:
        try:
            mail = compose(message, sender=self.sender, now=self.clock())
        except (ValueError, TypeError) as error:
            return Outcome("unbuildable", excerpt(_MARKUP.sub("'", str(error)), 200))
        step = "connect"
        try:
            smtp = self._connect()
            try:
                step = "login"
                if self.server.username:
                    smtp.login(self.server.username, self.server.password)
                step = "send"
                refused = smtp.send_message(
                    mail, from_addr=self.sender.address, to_addrs=[message.target]
                )
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPRecipientsRefused as error:
            code, said = next(iter(error.recipients.values()))
            return classify(code, said, at="rcpt", password=self.server.password)
        except smtplib.SMTPSenderRefused as error:
            return classify(error.smtp_code, error.smtp_error, at="mail",
                            password=self.server.password)  # fmt: skip
        except smtplib.SMTPDataError as error:
            return classify(error.smtp_code, error.smtp_error, at="data",
                            password=self.server.password)  # fmt: skip
        except smtplib.SMTPResponseException as error:
            return classify(error.smtp_code, error.smtp_error, at=step,
                            password=self.server.password)  # fmt: skip
        except smtplib.SMTPServerDisconnected as error:
            # after the data went out the server may have taken it: the same Message-ID again
            if isinstance(error.__context__, TimeoutError):
                log.info("outbox #%d: %s did not answer at %s", message.id, self.server, step)
                return Outcome("transient", f"timeout at {step}", unsure=step == "send")
            log.info("outbox #%d: %s closed the connection at %s", message.id, self.server, step)
            return Outcome("transient", f"connection_dropped at {step}", unsure=step == "send")
        except TimeoutError:
            log.info("outbox #%d: %s did not answer at %s", message.id, self.server, step)
            return Outcome("transient", f"timeout at {step}", unsure=step == "send")
        except (OSError, smtplib.SMTPException) as error:
            log.info(
                "outbox #%d: %s at %s: %s", message.id, self.server, step, type(error).__name__
            )
            return Outcome("transient", f"connection_error at {step}: {type(error).__name__}",
                           unsure=step == "send")  # fmt: skip
        except Exception as error:
            # a fault of ours is retried and, if it persists, reported: never a silent loss
            log.warning("outbox #%d: unexpected %s while mailing", message.id, type(error).__name__)
            return Outcome("transient", f"unexpected: {type(error).__name__}", unsure=True)
        # the server has answered for the message: a QUIT it does not answer changes nothing
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
        if refused:  # one recipient only: it was taken, or send_message raised
            code, said = next(iter(refused.values()))
            return classify(code, said, at="rcpt", password=self.server.password)
        log.debug("outbox #%d (%s) mailed to %s", message.id, message.kind, message.target)
        # the row keeps no Message-ID (its result columns hold Slack IDs): it is made again from
        # the row whenever it is needed
        return Outcome("sent")

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if self.tls_context is None and (server.tls or server.starttls):
            # made once: reading the system's certificates takes about 50 ms
            self.tls_context = ssl.create_default_context()
        context = self.tls_context
        smtp: smtplib.SMTP
        if server.tls:
            smtp = smtplib.SMTP_SSL(server.host, server.port, self.local_hostname,
                                    timeout=self.timeout, context=context)  # fmt: skip
        else:
            smtp = smtplib.SMTP(server.host, server.port, self.local_hostname, timeout=self.timeout)
        try:
            smtp.set_debuglevel(0)  # its debug output would show the AUTH exchange
            smtp.ehlo_or_helo_if_needed()
            if server.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp


class Unconfigured:
    """The e-mail medium of a process without ``SMTP_URL``: nothing is queued for it then, and a
    row queued while e-mail was on fails for good (the coordinators are told), never silently."""

    medium = MEDIUM

    def send(self, message: Outgoing, note_file: Callable[[str], None]) -> Outcome:
        return Outcome("refused", error="mail_not_configured")
