"""The documents under ``DOKUMENT/``: each record rendered as UTF-8 text a person can read.

One ``Felt: verdi`` line per field, then the record's own text. The whole rendering is read
for identity numbers once more, so that no number is made out of fields that meet on a line.
"""

from __future__ import annotations

from collections.abc import Iterable

from archive.noark5.context import Context
from bot.text import guard
from storage.models import AgendaItem, Decision, Issue, IssueNote, Meeting

STATUS = {"active": "gjeldende", "superseded": "erstattet", "revoked": "trukket tilbake"}


def _document(heading: str, fields: Iterable[tuple[str, str | None]], body: str) -> bytes:
    lines = [heading, "=" * len(heading), ""]
    lines += [f"{label}: {value}" for label, value in fields if value]
    if body:
        lines += ["", body]
    text = "\n".join(lines) + "\n"
    return guard.redact_identity_numbers(text).encode("utf-8")


def decision(ctx: Context, d: Decision) -> bytes:
    """A decision with its links, its place in a chain and its status."""
    revoked = None
    if d.status == "revoked" and d.revoked_at is not None:
        revoked = f"{ctx.when(d.revoked_at)} av {ctx.person(d.revoked_by)}: " + ctx.text(
            d.revoked_reason
        )
    fields = [
        ("Tittel", ctx.text(d.title)),
        ("Beslutningsdato", d.decided_on.isoformat()),
        ("Besluttet av", ctx.text(d.decided_by)),
        ("Grunnlag", ctx.text(d.basis)),
        ("Avdelinger", ", ".join(_dept(ctx, x.department) for x in d.departments)),
        ("Emneord", ", ".join(ctx.text(x.tag) for x in d.tags)),
        ("Loggført av", ctx.person(d.author)),
        ("Loggført", ctx.when(d.created_at)),
        ("Møte", d.meeting.ref if d.meeting else None),
        ("Problemstilling", d.issue.ref if d.issue else None),
        ("Erstatter", d.supersedes.ref if d.supersedes else None),
        ("Erstattet av", d.superseded_by.ref if d.superseded_by else None),
        ("Status", STATUS.get(d.status, d.status)),
        ("Trukket tilbake", revoked),
        ("Skjermet etter", ctx.text(d.screening)),
        ("Lenke til meldingen", ctx.text(d.source_permalink)),
    ]
    return _document(f"Beslutning {d.ref}", fields, ctx.text(d.details))


def note(ctx: Context, issue: Issue, item: IssueNote, n: int) -> bytes:
    """Note ``n`` of an issue."""
    fields = [
        ("Problemstilling", f"{issue.ref} {ctx.text(issue.title)}"),
        ("Skrevet av", ctx.person(item.author)),
        ("Skrevet", ctx.when(item.created_at)),
        ("Skjermet etter", ctx.text(issue.screening)),
    ]
    return _document(f"Notat {n} til {issue.ref}", fields, ctx.text(item.text))


def agenda_item(
    ctx: Context, meeting: Meeting, item: AgendaItem, n: int, issue_ref: str | None
) -> bytes:
    """Agenda item ``n`` of a meeting."""
    fields = [
        ("Møte", f"{meeting.ref} {ctx.text(meeting.title)}"),
        ("Tid", f"{ctx.when(meeting.starts_at)} – {ctx.when(meeting.ends_at)}"),
        ("Meldt av", ctx.person(item.author)),
        ("Meldt", ctx.when(item.created_at)),
        ("Avdeling", _dept(ctx, item.department) if item.department else None),
        ("Problemstilling", issue_ref),
        ("Skjermet etter", ctx.text(meeting.screening)),
    ]
    return _document(f"Sak {n} på sakslisten til {meeting.ref}", fields, ctx.text(item.text))


def _dept(ctx: Context, code: str) -> str:
    return f"{code} ({ctx.department(code)})"
