"""The archive export (SPEC §7): decisions, issues, meetings as JSON or CSV.

Each record carries its screening (SPEC §10): ``screening`` is the legal basis (empty when it
is not screened), ``public_title`` the title as the public journal shows it.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import screening
from storage.models import Decision, Issue, Meeting

KINDS = ("decisions", "issues", "meetings")
COLUMNS = {
    "decisions": (
        "id",
        "title",
        "details",
        "departments",
        "decided_by",
        "basis",
        "decided_on",
        "author",
        "tags",
        "meeting",
        "issue",
        "supersedes",
        "superseded_by",
        "status",
        "created_at",
        "screening",
        "public_title",
    ),
    "issues": (
        "id",
        "title",
        "description",
        "departments",
        "reporter",
        "owner",
        "priority",
        "status",
        "due",
        "created_at",
        "closed_at",
        "decision",
        "notes",
        "acknowledgements",
        "screening",
        "public_title",
    ),
    "meetings": (
        "id",
        "series",
        "title",
        "starts_at",
        "ends_at",
        "place",
        "status",
        "recurrence",
        "agenda",
        "attendance",
        "screening",
        "public_title",
    ),
}


def _iso(moment: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if moment is None:
        return None
    return (moment.astimezone(tz) if tz else moment).isoformat()


def _screening(record: screening.Screenable) -> dict[str, Any]:
    """The record's legal basis for screening (None: not screened) and its public title."""
    return {"screening": record.screening, "public_title": screening.public_title(record)}


def decisions(session: Session) -> Iterator[dict[str, Any]]:
    stmt = (
        select(Decision)
        .order_by(Decision.number)
        .options(
            selectinload(Decision.superseded_by),
            selectinload(Decision.supersedes),
            selectinload(Decision.meeting),
            selectinload(Decision.issue),
        )
    )
    for d in session.scalars(stmt):
        yield {
            "id": d.ref,
            "title": d.title,
            "details": d.details,
            "departments": [x.department for x in d.departments],
            "decided_by": d.decided_by,
            "basis": d.basis,
            "decided_on": d.decided_on.isoformat(),
            "author": d.author,
            "tags": [x.tag for x in d.tags],
            "meeting": d.meeting.ref if d.meeting else None,
            "issue": d.issue.ref if d.issue else None,
            "supersedes": d.supersedes.ref if d.supersedes else None,
            "superseded_by": d.superseded_by.ref if d.superseded_by else None,
            "status": d.status,
            "created_at": _iso(d.created_at),
            **_screening(d),
        }


def issues(session: Session) -> Iterator[dict[str, Any]]:
    stmt = (
        select(Issue)
        .order_by(Issue.number)
        .options(selectinload(Issue.notes), selectinload(Issue.decision))
    )
    for i in session.scalars(stmt):
        yield {
            "id": i.ref,
            "title": i.title,
            "description": i.description,
            "departments": [x.department for x in i.departments],
            "reporter": i.reporter,
            "owner": i.owner,
            "priority": i.priority,
            "status": i.status,
            "due": i.due.isoformat() if i.due else None,
            "created_at": _iso(i.created_at),
            "closed_at": _iso(i.closed_at),
            "decision": i.decision.ref if i.decision else None,
            "notes": [
                {"author": n.author, "text": n.text, "created_at": _iso(n.created_at)}
                for n in i.notes
            ],
            "acknowledgements": [
                # by a Slack user, or (one-click link) by an e-mail address
                {
                    "department": x.department,
                    "by": x.acked_address or x.acked_by,
                    "at": _iso(x.acked_at),
                }
                for x in i.departments
                if x.acked_by
            ],
            **_screening(i),
        }


def meetings(session: Session, tz: ZoneInfo) -> Iterator[dict[str, Any]]:
    stmt = (
        select(Meeting)
        .order_by(Meeting.number)
        .options(
            selectinload(Meeting.agenda),
            selectinload(Meeting.attendance),
            selectinload(Meeting.recurrence),
        )
    )
    issue_numbers = {row[0]: row[1] for row in session.execute(select(Issue.id, Issue.number))}
    for m in session.scalars(stmt):
        yield {
            "id": m.ref,
            "series": m.series_key,
            "title": m.title,
            "starts_at": _iso(m.starts_at, tz),
            "ends_at": _iso(m.ends_at, tz),
            "place": m.place,
            "status": m.status,
            "recurrence": m.recurrence.rule if m.recurrence else None,
            "agenda": [
                {
                    "text": a.text,
                    "author": a.author,
                    "department": a.department,
                    "issue": Issue.ref_of(issue_numbers[a.issue_id]) if a.issue_id else None,
                }
                for a in m.agenda
            ],
            "attendance": [
                {"department": a.department, "answer": a.answer, "by": a.answered_by}
                for a in m.attendance
            ],
            **_screening(m),
        }


def rows(session: Session, kind: str, tz: ZoneInfo) -> Iterator[dict[str, Any]]:
    if kind == "decisions":
        return decisions(session)
    if kind == "issues":
        return issues(session)
    if kind == "meetings":
        return meetings(session, tz)
    raise ValueError(f"unknown export kind {kind!r}")


def write_json(records: Iterator[dict[str, Any]], out: io.TextIOBase | Any) -> int:
    """A JSON array, one object a line, streamed; returns how many were written."""
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


# OWASP, CSV Injection: a spreadsheet reads a cell that starts with one of these as a formula.
_FORMULA = ("=", "+", "-", "@")
# a tab, CR (OWASP) or NUL (ASVS 1.2.10) is where a formula can hide; a leading ' is escaped as
# well, so that reading back is always "drop one leading '", whatever the value was
_RAW_LEAD = ("\t", "\r", "\x00", "'")


def safe(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet could take it for a formula (OWASP).

    Beyond OWASP's list: a formula behind leading spaces or line breaks (spreadsheets that trim
    cells on import), and the full-width forms ``＝ ＋ － ＠`` (East Asian spreadsheets read
    them as the ASCII ones), found by NFKC. ``|`` alone starts no formula (LibreOffice's DDE
    needs ``=`` first), so it is left as it is.
    """
    if value.startswith(_RAW_LEAD):
        return "'" + value
    head = unicodedata.normalize("NFKC", value.lstrip()[:1])
    return "'" + value if head.startswith(_FORMULA) else value


def _leaf(value: Any) -> str:
    return "" if value is None else safe(str(value))


def _joined(values: list[str], delimiter: str) -> str:
    """``values`` as one CSV record with ``delimiter``: an item holding it, a ``"`` or a line
    break is quoted (``"`` doubled), so ``csv.reader(..., delimiter=delimiter)`` gives it back."""
    buffer = io.StringIO()
    # a line terminator holding both CR and LF makes the writer quote an item with either
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().removesuffix("\r\n")


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return _joined([_item(v) for v in value], ";")
    return _leaf(value)


def _item(value: Any) -> str:
    if isinstance(value, dict):
        return _joined([_leaf(v) for v in value.values()], "|")
    return _leaf(value)


def write_csv(records: Iterator[dict[str, Any]], out: io.TextIOBase | Any, kind: str) -> int:
    """CSV with the JSON's columns; lists joined with ``;``, an entry's fields with ``|``.

    Every value, list items and their fields too, is made safe for spreadsheets one by one
    (:func:`safe`), so a list cell never starts a formula either, nor does an item when a list
    is split into columns. Every value is quoted, so a ``;`` in one stays in its cell also for
    an import that splits on ``;`` (a Norwegian locale's separator) and honours quotes.
    """
    csv.writer(out, lineterminator="\n").writerow(COLUMNS[kind])
    writer = csv.DictWriter(
        out, fieldnames=COLUMNS[kind], lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    count = 0
    for record in records:
        writer.writerow({k: _cell(v) for k, v in record.items()})
        count += 1
    return count
