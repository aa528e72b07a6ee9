"""One outbox row as an e-mail (MIME): its headers, its text, and for a meeting invitation the
iTIP calendar part and the same ``.ics`` as a file.

The row's text is the message as the bot composed it: its first line is the subject, the rest
the body. It was written in Slack's mrkdwn, so it is shown as a reader of Slack would see it:
a broadcast (``<!channel>``) or a mention is plain ``@channel`` text, a link shows its address.

The ``Message-ID`` is made from the row (its ID and the time it was queued, which tells one
database's row 5 from another's), so a message sent again after an attempt that got no answer
is the same message to a mail client, which shows it once.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from bot.outbox.transport import Outgoing
from bot.text import markup
from mail.smtp_url import MailFrom, check_address

# an iTIP calendar says what it asks in its METHOD line (RFC 5546)
_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)
ITIP_METHODS = frozenset({"REQUEST", "CANCEL", "PUBLISH"})
_SUBJECT_LIMIT = 200
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
_URL = re.compile(r"https?://[^\s<>\"']+")


def message_id(message: Outgoing, domain: str) -> str:
    """The row's Message-ID: the same for every attempt at it."""
    queued = str(message.marker.get("queued_at") or "")
    tag = hashlib.sha256(f"{message.id}|{queued}".encode()).hexdigest()[:16]
    return f"<returbot.outbox.{message.id}.{tag}@{domain}>"


def readable(text: str) -> str:
    """mrkdwn as its reader sees it, as plain text: nothing that pings or hides a link."""
    shown = markup.plain(text)
    return re.sub(r"&(?:lt|gt|amp);", lambda m: _ENTITIES[m.group(0)], shown)


def subject_and_body(text: str) -> tuple[str, str]:
    """The first line of ``text`` as a subject, the lines after it as the body."""
    first, _, rest = readable(text).strip().partition("\n")
    subject = " ".join(first.split())
    if len(subject) > _SUBJECT_LIMIT:
        subject = subject[: _SUBJECT_LIMIT - 1] + "…"
    return subject, rest.strip("\n")


def html_of(subject: str, body: str) -> str:
    """The body as a small HTML page: its paragraphs and lines kept, each web address a link
    that shows the address it leads to, everything else escaped."""

    def line(text: str) -> str:
        shown, pos = [], 0
        for found in _URL.finditer(text):
            url = found.group(0).rstrip(".,;:!?)")
            shown.append(html.escape(text[pos : found.start()]))
            shown.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
            pos = found.start() + len(url)
        shown.append(html.escape(text[pos:]))
        return "".join(shown)

    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    inner = "\n".join(
        "<p>" + "<br>\n".join(line(row) for row in p.strip("\n").split("\n")) + "</p>"
        for p in paragraphs
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n<body>\n{inner}\n</body></html>\n"
    )


def itip_method(content: bytes) -> str | None:
    """The METHOD of a calendar file, if it is one."""
    found = _METHOD.search(content)
    return found.group(1).decode() if found and found.group(1).decode() in ITIP_METHODS else None


def compose(message: Outgoing, *, sender: MailFrom, now: datetime) -> EmailMessage:
    """The e-mail of ``message`` to the address it goes to (``message.target``).

    multipart/mixed [multipart/alternative [text/plain, text/html, text/calendar; method=…],
    the .ics] for an invitation (as Google Calendar sends them), multipart/alternative
    [text/plain, text/html] otherwise. Raises
    ValueError for a message that cannot be sent as e-mail (no address, no subject)."""
    to = check_address(message.target)
    subject, body = subject_and_body(message.text)
    if not subject:
        raise ValueError("an e-mail without a subject: the message has no text")
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender.header
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id(message, sender.domain)
    # a message from a program: no out-of-office answers to it (RFC 3834; Outlook's own)
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(body + "\n", subtype="plain", charset="utf-8", cte="quoted-printable")
    mail.add_alternative(
        html_of(subject, body), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    file = message.file
    if file is not None:
        _attach(mail, file.content, file.filename)
    # boundaries of the row's own, so that every attempt sends the same body ("=_" is in no
    # quoted-printable nor base64 text)
    tag = message_id(message, sender.domain).split(".")[3]
    for number, part in enumerate(p for p in mail.walk() if p.is_multipart()):
        part.set_boundary(f"=_returbot_{tag}_{number}")
    return mail


def _attach(mail: EmailMessage, content: bytes, filename: str) -> None:
    """An iTIP calendar as the part a mail client offers to accept, and the same file to open;
    any other file as a file."""
    method = itip_method(content) if filename.lower().endswith(".ics") else None
    if method is None:
        mail.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=filename
        )
        return
    mail.add_alternative(
        content, maintype="text", subtype="calendar", cte="base64",
        params={"method": method, "charset": "utf-8"},
    )  # fmt: skip
    mail.add_attachment(content, maintype="application", subtype="ics", filename=filename)
