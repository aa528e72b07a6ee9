"""What goes out by e-mail (SPEC §8), queued in the outbox in the transaction of its cause.

- An issue's notice to each affected department's addresses: its text, its page in the
  register and a one-click acknowledgement link for that department and address (with the web).
- The acknowledgement reminder a department's channel gets, to its addresses too.
- A meeting's invitation (iTIP REQUEST) to the addresses of its series' departments when it is
  scheduled, again with a higher SEQUENCE when it is moved, and a CANCEL when it is cancelled.

Nothing is queued without e-mail configured (``org.mail_from``). Each row is one message to one
address, kept from being queued twice by its dedupe key; the mail transport (``mail/``) sends
it with a Message-ID of its own row. The words are the organisation's language: a mailbox has
no Slack preference to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy.orm import Session

from bot import acklinks, addresses, calendar, outbox
from bot.context import Clock
from bot.meetings.rules import all_departments
from bot.orgconfig import OrgConfig
from bot.text.formats import format_date, format_datetime
from bot.text.i18n import t
from storage.models import Issue, Meeting, OutboxMessage

NOTICE = "issue_notice_mail"
REMINDER = "ack_reminder_mail"
INVITATION = "meeting_invitation_mail"
COMPOSED = (NOTICE, REMINDER)  # composed when sent: the link's token is made then
CARRIED = (INVITATION,)


def _lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p is not None)


def issue_notices(
    session: Session, org: OrgConfig, issue: Issue, codes: Iterable[str], now: datetime
) -> int:
    """The notice of ``issue`` to the addresses of the departments ``codes``; how many."""
    return _to_departments(session, org, issue.id, list(codes), NOTICE, "notice", now)


def mailboxes(session: Session, org: OrgConfig) -> Mapping[str, list[str]]:
    """Every department's addresses, read once for many messages (none without e-mail)."""
    return addresses.current(session, org) if org.mail_from else {}


def ack_reminders(
    session: Session, org: OrgConfig, issue_id: int, code: str, due_at: datetime,
    known: Mapping[str, list[str]] | None = None,
) -> int:  # fmt: skip
    """The reminder a department that has not acknowledged gets, to its addresses, at
    ``due_at`` (``known``: the addresses, read once by a caller that sends many)."""
    return _to_departments(session, org, issue_id, [code], REMINDER, "reminder", due_at, known)


def _to_departments(
    session: Session, org: OrgConfig, issue_id: int, codes: list[str], kind: str, name: str,
    due_at: datetime, known: Mapping[str, list[str]] | None = None,
) -> int:  # fmt: skip
    """One row per department and address; the text is composed when it is sent (below), so
    that the one-click link's token is made then and is kept nowhere but in the e-mail."""
    if not org.mail_from:
        return 0
    queued = 0
    every = mailboxes(session, org) if known is None else known
    for code in codes:
        for address in every.get(code, []):
            row = outbox.enqueue(
                session, kind=kind, text=f"{Issue.ref_of(issue_id)} {code}", address=address,
                method=outbox.MAIL, due_at=due_at, ref_kind="issue", ref_id=issue_id,
                dedupe_key=f"mail:{name}:{issue_id}:{code}:{address.lower()}",
                extra={"department": code},
            )  # fmt: skip
            queued += row is not None
    return queued


def renderers(org: OrgConfig, clock: Clock) -> outbox.Renderers:
    """How the e-mails that carry a one-click link are composed when they are sent."""
    found = outbox.Renderers()

    @found.add(NOTICE)
    def notice(session: Session, row: OutboxMessage) -> tuple[str, None]:
        return _with_link(session, org, row, clock.now(), "notice"), None

    @found.add(REMINDER)
    def reminder(session: Session, row: OutboxMessage) -> tuple[str, None]:
        return _with_link(session, org, row, clock.now(), "reminder"), None

    return found


def _with_link(
    session: Session, org: OrgConfig, row: OutboxMessage, now: datetime, name: str
) -> str:
    """The text of a notice or a reminder (``name``): subject, why it came, the issue, how to
    acknowledge; a notice also says the issue's details and where its page is."""
    issue, code, link = _linked(session, org, row, now)
    lang = org.language
    notice = name == "notice"
    return _lines(
        t(lang, f"mail.{name}_subject", ref=issue.ref, code=code, title=issue.title),
        "",
        t(lang, f"mail.{name}_intro", ref=issue.ref, code=code, name=_name(org, code)),
        "",
        issue.title,
        (issue.description or None) if notice else None,
        _due(issue, lang) if notice else None,
        "",
        link,
        t(lang, "mail.issue_page", url=f"{org.web_url}/issues/{issue.ref}")
        if notice and org.web_url
        else None,
        "",
        t(lang, "mail.footer", org=org.name),
    )


def _linked(
    session: Session, org: OrgConfig, row: OutboxMessage, now: datetime
) -> tuple[Issue, str, str]:
    """The row's issue, its department, and how to acknowledge: a new one-click link for the
    row's address when the web is on, else the words for Slack."""
    issue = session.get(Issue, row.ref_id) if row.ref_id is not None else None
    code = str((row.payload.get("extra") or {}).get("department") or "")
    if issue is None or not code or row.address is None:
        raise LookupError(f"the issue or department of outbox row {row.id} is gone")
    lang = org.language
    if not org.web_url:
        return issue, code, t(lang, "mail.ack_in_slack", ref=issue.ref, code=code)
    token = acklinks.make(session, issue=issue, department=code, address=row.address, now=now)
    return issue, code, t(lang, "mail.ack_link", code=code, url=f"{org.web_url}/ack/{token}")


def invitations(
    session: Session, org: OrgConfig, meetings: Iterable[Meeting], now: datetime
) -> int:
    """Each meeting's iTIP message (REQUEST, or CANCEL for a cancelled one) to the addresses of
    its series' departments; how many e-mails were queued."""
    if not org.mail_from:
        return 0
    organizer = parseaddr(org.mail_from)[1]
    lang = org.language
    every = mailboxes(session, org)  # once, however many meetings a series makes
    queued = 0
    for meeting in meetings:
        series = org.meeting_series(meeting.series_key)
        if series is None:
            continue  # a series that left the config: nobody to invite
        attendees = list(
            dict.fromkeys(a for code in all_departments(series) for a in every.get(code, []))
        )
        if not attendees:
            continue
        cancelled = meeting.status == "cancelled"
        method: calendar.ItipMethod = "CANCEL" if cancelled else "REQUEST"
        content = calendar.invitation(
            session, meeting, org, method=method, organizer=organizer, attendees=attendees
        ).decode("utf-8")
        when = format_datetime(meeting.starts_at, lang, org.timezone)
        subject = "mail.cancel_subject" if cancelled else (
            "mail.moved_subject" if meeting.sequence else "mail.invite_subject"
        )  # fmt: skip
        text = _lines(
            t(lang, subject, ref=meeting.ref, title=meeting.title, when=when),
            "",
            t(lang, "mail.invite_when", when=when),
            t(lang, "mail.invite_place", place=meeting.place) if meeting.place else None,
            t(lang, "mail.cancel_reason", reason=meeting.cancel_reason)
            if cancelled and meeting.cancel_reason
            else None,
            t(lang, "mail.meeting_page", url=f"{org.web_url}/meetings/{meeting.ref}")
            if org.web_url
            else None,
            "",
            t(lang, "mail.invite_note"),
            t(lang, "mail.footer", org=org.name),
        )
        # no dedupe key: each is queued by the one change that makes it (a new SEQUENCE), and
        # a key looked up per row would cost a series of 52 meetings seconds
        for address in attendees:
            outbox.enqueue(
                session, kind=INVITATION, text=text, address=address, method=outbox.MAIL,
                due_at=now, ref_kind="meeting", ref_id=meeting.id,
                extra={"filename": f"{meeting.ref}.ics", "content": content},
            )  # fmt: skip
            queued += 1
    return queued


def _name(org: OrgConfig, code: str) -> str:
    found = org.department(code)
    return found.name if found else code


def _due(issue: Issue, lang: str) -> str | None:
    if issue.due is None:
        return None
    return t(lang, "mail.due", date=format_date(issue.due, lang))
