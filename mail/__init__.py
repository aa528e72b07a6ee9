"""E-mail's side (SPEC §8): the outbox's SMTP transport, the MIME it sends, and its settings.

``SMTP_URL`` and ``RETURBOT_MAIL_FROM`` are read by :mod:`mail.smtp_url`; :mod:`mail.message`
builds one message of an outbox row (text, and for an invitation the iTIP calendar part and the
same ``.ics`` as a file); :class:`mail.transport.MailTransport` sends it and says how it went.
"""

from mail.message import compose, message_id
from mail.smtp_url import MailFrom, SmtpServer, parse_mail_from, parse_smtp_url
from mail.transport import MEDIUM, MailTransport, Unconfigured

__all__ = [
    "MEDIUM",
    "MailFrom",
    "MailTransport",
    "SmtpServer",
    "Unconfigured",
    "compose",
    "message_id",
    "parse_mail_from",
    "parse_smtp_url",
]
