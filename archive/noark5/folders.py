"""The mapper of SPEC §10: a saksmappe per closed issue, a møtemappe per held meeting, and a
saksmappe "Beslutninger <period>" for the decisions that belong to neither."""

from __future__ import annotations

from archive.noark5 import entries
from archive.noark5.context import SYSTEM, Context
from archive.noark5.model import (
    MOETEMAPPE,
    MOETEREGISTRERING,
    SAKSMAPPE,
    Case,
    Entry,
    Folder,
    Party,
    Remark,
    Sitting,
)
from bot import screening as rules
from bot.archival import Holdings
from storage.models import Decision, Issue, Meeting

CLOSED = "Avsluttet"
ANSWERS = {"attend": "deltar", "skip": "deltar ikke"}


def build(ctx: Context, held: Holdings) -> list[Folder]:
    """Every folder of the package, in a fixed order, its journal numbered."""
    folders = [issue(ctx, i, held.issue_decisions.get(i.id, [])) for i in held.issues]
    folders += [
        meeting(ctx, m, held.meeting_decisions.get(m.id, []), held.issue_numbers)
        for m in held.meetings
    ]
    if held.other_decisions:
        folders.append(decisions(ctx, held.other_decisions))
    _keep_references_inside(folders)
    number_journal(folders)
    return folders


def issue(ctx: Context, i: Issue, linked: list[Decision]) -> Folder:
    """A closed issue with its notes and linked decisions, in the order they were written."""
    items = [entries.note(ctx, i, note, n) for n, note in enumerate(i.notes, start=1)]
    items += [entries.decision(ctx, d) for d in linked]
    items.sort(key=lambda e: (e.created, e.system_id))
    assert i.closed_at is not None
    opened = ctx.local_day(i.created_at)
    return Folder(
        kind=SAKSMAPPE,
        system_id=ctx.sid(i.ref),
        folder_id=i.ref,
        title=ctx.text(i.title),
        public_title=ctx.text(rules.public_title(i)),
        created=i.created_at,
        created_by=ctx.person(i.reporter),
        closed=i.closed_at,
        closed_by=ctx.person(i.closed_by),
        case=Case(opened.year, i.number, opened, ctx.org.name, ctx.person(i.owner), CLOSED),
        description=ctx.text(i.description) or None,
        screening=entries.screening_of(i),
        parties=[_party(ctx, row.department) for row in i.departments],
        remarks=_acknowledgements(ctx, i),
        entries=items,
    )


def _acknowledgements(ctx: Context, i: Issue) -> list[Remark]:
    return [
        Remark(
            f"Kvittert for {row.department} ({ctx.department(row.department)})",
            "Kvittering",
            row.acked_at,
            row.acked_address or ctx.person(row.acked_by),  # an e-mail link's, or a person
        )
        for row in i.departments
        if row.acked_by and row.acked_at
    ]


def _party(ctx: Context, code: str) -> Party:
    found = ctx.org.department(code)
    role = "Berørt etat" if found is not None and found.kind == "external" else "Berørt avdeling"
    return Party(code, ctx.department(code), role)


def meeting(ctx: Context, m: Meeting, linked: list[Decision], numbers: dict[int, int]) -> Folder:
    """A held meeting with its agenda items and the decisions taken on it."""
    items = [
        entries.agenda_item(
            ctx, m, item, n, Issue.ref_of(numbers[item.issue_id]) if item.issue_id else None
        )
        for n, item in enumerate(m.agenda, start=1)
    ]
    items += [entries.decision(ctx, d, kind=MOETEREGISTRERING) for d in linked]
    series = ctx.org.meeting_series(m.series_key)
    forum = series.name if series else m.series_key
    return Folder(
        kind=MOETEMAPPE,
        system_id=ctx.sid(m.ref),
        folder_id=m.ref,
        title=ctx.text(m.title) or forum,
        public_title=ctx.text(rules.public_title(m)) or forum,
        created=m.created_at,
        created_by=ctx.person(m.created_by),
        closed=m.ends_at,
        closed_by=SYSTEM,
        sitting=Sitting(
            m.ref, forum, ctx.local_day(m.starts_at), ctx.text(m.place), _attendees(ctx, m)
        ),
        description=f"Møte i {forum} {ctx.when(m.starts_at)} – {ctx.when(m.ends_at)}",
        screening=entries.screening_of(m),
        entries=items,
    )


def _attendees(ctx: Context, m: Meeting) -> list[tuple[str, str]]:
    series = ctx.org.meeting_series(m.series_key)
    answers = {a.department: a.answer for a in m.attendance}
    fixed = list(series.departments) if series else []
    optional = list(series.optional) if series else []
    optional += [code for code in sorted(answers) if code not in fixed + optional]
    out = [(ctx.department(code), "Fast deltaker") for code in fixed]
    for code in optional:
        answer = ANSWERS.get(answers.get(code, ""), "svarte ikke")
        out.append((ctx.department(code), f"Valgfri deltaker: {answer}"))
    return out


def decisions(ctx: Context, found: list[Decision]) -> Folder:
    """The period's decisions that no exported issue or meeting holds."""
    title = f"Beslutninger {ctx.period}"
    responsible = ", ".join(ctx.person(c) for c in ctx.org.coordinators) or ctx.org.name
    return Folder(
        kind=SAKSMAPPE,
        system_id=ctx.sid(f"beslutninger/{ctx.start.isoformat()}/{ctx.end.isoformat()}"),
        folder_id=title,
        title=title,
        public_title=title,
        created=ctx.opened,
        created_by=SYSTEM,
        closed=ctx.closed,
        closed_by=SYSTEM,
        # sequence 0: no issue has that number, so the folder's case number is its own
        case=Case(ctx.start.year, 0, ctx.start, ctx.org.name, responsible, CLOSED),
        description=f"Beslutningene fra {ctx.period} som ingen problemstilling eller møte "
        "i uttrekket holder.",
        entries=[entries.decision(ctx, d) for d in found],
    )


def _keep_references_inside(folders: list[Folder]) -> None:
    """A cross-reference points only at what the package holds."""
    folder_ids = {f.system_id for f in folders}
    entry_ids = {e.system_id for f in folders for e in f.entries}
    for folder in folders:
        for entry in folder.entries:
            entry.related = [x for x in entry.related if x in entry_ids]
            entry.folders = [x for x in entry.folders if x in folder_ids and x != folder.system_id]


def number_journal(folders: list[Folder]) -> None:
    """Journal numbers: per year in the order written, and per folder in its order."""
    posts: list[Entry] = []
    for folder in folders:
        for n, entry in enumerate(folder.journalposts(), start=1):
            entry.numbering.number = n
            posts.append(entry)
    posts.sort(key=lambda e: (e.journal_date, e.created, e.system_id))
    sequence: dict[int, int] = {}
    for entry in posts:
        year = entry.journal_date.year
        sequence[year] = sequence.get(year, 0) + 1
        entry.numbering.year, entry.numbering.sequence = year, sequence[year]
