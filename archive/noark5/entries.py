"""The registreringer of SPEC §10: a note, a decision, an agenda item, each with its document.

A note takes its title from its issue ("Notat 2: <the issue's title>"), so what the public
sees of it is masked as the issue is; an agenda item of a screened meeting is masked whole,
since which of its words the screening covers cannot be known.
"""

from __future__ import annotations

from datetime import datetime

from archive.noark5 import render
from archive.noark5.context import Context
from archive.noark5.model import JOURNALPOST, MOETEREGISTRERING, Document, Entry, Remark, Screening
from bot import screening as rules
from storage.models import AgendaItem, Decision, Issue, IssueNote, Meeting

TITLE_LIMIT = 200  # an agenda item's title: the first line of its text, this long at most


def screening_of(record: Decision | Issue | Meeting) -> Screening | None:
    """The record's screening, if it has one."""
    if not record.screening:
        return None
    return Screening(basis=record.screening, partial=bool(record.screened_title))


def _document(
    ctx: Context, name: str, *, kind: str, title: str, author: str, created: datetime,
    body: bytes,
) -> Document:  # fmt: skip
    return Document(
        system_id=ctx.sid(f"{name}/dokumentbeskrivelse"),
        object_id=ctx.sid(f"{name}/dokumentobjekt"),
        kind=kind,
        title=title,
        author=author,
        created=created,
        path=f"DOKUMENT/{name.replace('/', '-')}.txt",
        body=body,
    )


def decision(ctx: Context, d: Decision, *, kind: str = JOURNALPOST) -> Entry:
    """A decision: a journalpost in a saksmappe, a møteregistrering in a møtemappe."""
    title, author = ctx.text(d.title), ctx.person(d.author)
    document = _document(
        ctx, d.ref, kind="Beslutning", title=title, author=author, created=d.created_at,
        body=render.decision(ctx, d),
    )  # fmt: skip
    entry = Entry(
        kind=kind,
        system_id=ctx.sid(d.ref),
        ref=d.ref,
        title=title,
        public_title=ctx.text(rules.public_title(d)),
        author=author,
        created=d.created_at,
        document=document,
        journal_date=ctx.local_day(d.created_at),
        document_date=d.decided_on,
        screening=screening_of(d),
        description=ctx.text(d.details) or None,
        keywords=[ctx.text(t.tag) for t in d.tags],
        remarks=_status_remarks(ctx, d),
        related=[ctx.sid(x.ref) for x in (d.supersedes, d.superseded_by) if x is not None],
        folders=[ctx.sid(x.ref) for x in (d.issue, d.meeting) if x is not None],
        meeting_type="Møtebok" if kind == MOETEREGISTRERING else "",
        unit=ctx.org.name,
    )
    return entry


def _status_remarks(ctx: Context, d: Decision) -> list[Remark]:
    out: list[Remark] = []
    newer = d.superseded_by
    if d.status == "superseded" and newer is not None:
        by = ctx.person(newer.author)
        out.append(Remark(f"Erstattet av {newer.ref}", "Status", newer.created_at, by))
    if d.status == "revoked" and d.revoked_at is not None:
        reason = ctx.text(d.revoked_reason)
        out.append(
            Remark(f"Trukket tilbake: {reason}", "Status", d.revoked_at, ctx.person(d.revoked_by))
        )
    return out


def note(ctx: Context, issue: Issue, item: IssueNote, n: int) -> Entry:
    """Note ``n`` of an issue: a journalpost in the issue's saksmappe."""
    name = f"{issue.ref}/notat/{item.id}"
    title = f"Notat {n}: {ctx.text(issue.title)}"
    author = ctx.person(item.author)
    document = _document(
        ctx, name, kind="Notat", title=title, author=author, created=item.created_at,
        body=render.note(ctx, issue, item, n),
    )  # fmt: skip
    return Entry(
        kind=JOURNALPOST,
        system_id=ctx.sid(name),
        ref=f"{issue.ref}/{n}",
        title=title,
        public_title=f"Notat {n}: {ctx.text(rules.public_title(issue))}",
        author=author,
        created=item.created_at,
        document=document,
        journal_date=ctx.local_day(item.created_at),
        document_date=ctx.local_day(item.created_at),
        screening=screening_of(issue),
        unit=ctx.org.name,
    )


def agenda_item(
    ctx: Context, meeting: Meeting, item: AgendaItem, n: int, issue_ref: str | None
) -> Entry:
    """Agenda item ``n`` of a meeting: a møteregistrering in the meeting's møtemappe."""
    name = f"{meeting.ref}/sak/{item.id}"
    title = _first_line(ctx.text(item.text)) or f"Sak {n}"
    author = ctx.person(item.author)
    document = _document(
        ctx, name, kind="Saksframlegg", title=title, author=author, created=item.created_at,
        body=render.agenda_item(ctx, meeting, item, n, issue_ref),
    )  # fmt: skip
    screening = screening_of(meeting)
    return Entry(
        kind=MOETEREGISTRERING,
        system_id=ctx.sid(name),
        ref=f"{meeting.ref}/{n}",
        title=title,
        public_title=rules.MASK if screening else title,
        author=author,
        created=item.created_at,
        document=document,
        journal_date=ctx.local_day(item.created_at),
        document_date=ctx.local_day(meeting.starts_at),
        screening=Screening(screening.basis, partial=False) if screening else None,
        folders=[ctx.sid(issue_ref)] if issue_ref else [],
        meeting_type="Saksframlegg",
        unit=ctx.department(item.department) if item.department else ctx.org.name,
    )


def _first_line(text: str) -> str:
    line = text.splitlines()[0].strip() if text else ""
    return line if len(line) <= TITLE_LIMIT else line[: TITLE_LIMIT - 1].rstrip() + "…"
