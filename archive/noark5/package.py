"""Writing a Noark 5 (v5.0) transfer package for a period (SPEC §10).

The package directory holds ``arkivstruktur.xml``, ``endringslogg.xml``,
``offentligJournal.xml``, ``loependeJournal.xml``, ``arkivuttrekk.xml`` (ADDML 8.3), the
renderings under ``DOKUMENT/`` and Arkivverket's schemas, copied unchanged. Every XML file is
validated against its schema before the package is put in place; the directory appears whole
or not at all. The same database and period give the same bytes, except the moment the
package was made (``now``: when the archive part was closed, in ``arkivstruktur.xml``, and so
the checksums in ``arkivuttrekk.xml``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lxml import etree
from sqlalchemy.orm import Session

from archive.noark5 import addml, changelog, folders, journal, structure
from archive.noark5.context import Context
from archive.noark5.model import Folder
from bot import archival
from bot.archival import LeftOut
from bot.orgconfig import OrgConfig

NOARK = "noark5-v5.0"
ADDML_DIR = "addml-v8.3"
NOARK_SCHEMAS = (
    "arkivstruktur.xsd", "endringslogg.xsd", "loependeJournal.xsd", "metadatakatalog.xsd",
    "offentligJournal.xsd",
)  # fmt: skip
ADDML_SCHEMA = "addml.xsd"
REASONS = {
    archival.OPEN: "still open: a case is archived when it is closed",
    archival.AHEAD: "not held yet: a meeting is archived when it is over",
    archival.CANCELLED_MEETING: "cancelled, so never held",
}


class PackageError(Exception):
    """The package cannot be written as asked; the message is one sentence saying why."""


@dataclass(frozen=True)
class Report:
    """What a package holds, what it left out and the files it is made of."""

    out_dir: Path
    folders: int
    registrations: int
    documents: int
    journal_posts: int
    changes: int
    left_out: list[LeftOut]
    files: list[str]  # relative to ``out_dir``, sorted


SCHEMAS_ENV = "RETURBOT_SCHEMAS"  # where Arkivverket's XSDs are (noark5-v5.0/, addml-v8.3/)


def default_schemas_dir() -> Path:
    """``RETURBOT_SCHEMAS``, else ``../shared/schemas`` beside the repository."""
    given = os.environ.get(SCHEMAS_ENV, "").strip()
    return Path(given) if given else Path(__file__).resolve().parents[3] / "shared" / "schemas"


def describe(left: LeftOut) -> str:
    """One line saying what was left out and why."""
    return f"{left.ref}: {REASONS.get(left.reason, left.reason)}"


def write_package(
    session: Session, org: OrgConfig, *, start: date, end: date, out_dir: Path,
    schemas_dir: Path, now: datetime,
    names: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
) -> Report:  # fmt: skip
    """Write the transfer package of ``start``..``end`` (local dates, both included) to
    ``out_dir`` (absent or empty); ``names`` gives people's names by Slack user ID (or is
    asked for them once the period and the directory have been found good).

    Raises :class:`PackageError` before anything is written when the period or the directory
    will not do, or the period holds nothing a journal can list.
    """
    schemas = _check(start, end, Path(out_dir), Path(schemas_dir))
    known = names() if callable(names) else names
    ctx = Context(org, start, end, dict(known or {}))
    held = archival.holdings(session, start=start, end=end, tz=org.timezone, now=now)
    built = folders.build(ctx, held)
    posts = journal.posts(built)
    if not posts:
        raise PackageError(
            f"The period {ctx.period} holds no closed issue and no decision, and a Noark 5 "
            "journal cannot be empty: choose a period with some."
        )
    refs = _refs(held)
    changes = changelog.count(held.audit, refs)
    if not changes:
        raise PackageError(f"The records of {ctx.period} have no audit trail to export.")
    files = _files(ctx, built, held, refs, now)
    documents = {e.document.path: e.document.body for f in built for e in f.entries}
    files["arkivuttrekk.xml"] = _arkivuttrekk(ctx, built, files, schemas, len(documents), changes)
    _put_in_place(Path(out_dir), {**files, **documents, **schemas})
    return Report(
        out_dir=Path(out_dir),
        folders=len(built),
        registrations=sum(len(f.entries) for f in built),
        documents=len(documents),
        journal_posts=len(posts),
        changes=changes,
        left_out=held.left_out,
        files=sorted([*files, *documents, *schemas]),
    )


def _check(start: date, end: date, out_dir: Path, schemas_dir: Path) -> dict[str, bytes]:
    """The arguments checked; the schemas read (file name -> bytes)."""
    if end < start:
        raise PackageError(f"The period ends ({end}) before it starts ({start}).")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise PackageError(f"{out_dir} exists and is not an empty directory.")
    wanted = [schemas_dir / NOARK / n for n in NOARK_SCHEMAS]
    wanted.append(schemas_dir / ADDML_DIR / ADDML_SCHEMA)
    missing = [str(p) for p in wanted if not p.is_file()]
    if missing:
        raise PackageError(f"Arkivverket's schema {missing[0]} is missing.")
    return {p.name: p.read_bytes() for p in wanted}


def _refs(held: archival.Holdings) -> dict[tuple[str, int], str]:
    refs: dict[tuple[str, int], str] = {("issue", i.id): i.ref for i in held.issues}
    refs.update({("meeting", m.id): m.ref for m in held.meetings})
    placed = [d for ds in held.issue_decisions.values() for d in ds]
    placed += [d for ds in held.meeting_decisions.values() for d in ds] + held.other_decisions
    refs.update({("decision", d.id): d.ref for d in placed})
    return refs


def _files(
    ctx: Context, built: list[Folder], held: archival.Holdings,
    refs: dict[tuple[str, int], str], now: datetime,
) -> dict[str, bytes]:  # fmt: skip
    return {
        "arkivstruktur.xml": structure.write(ctx, built, now),
        "endringslogg.xml": changelog.write(ctx, held.audit, refs),
        "offentligJournal.xml": journal.write(ctx, built, public=True),
        "loependeJournal.xml": journal.write(ctx, built, public=False),
    }


def _arkivuttrekk(
    ctx: Context, built: list[Folder], files: dict[str, bytes], schemas: dict[str, bytes],
    documents: int, changes: int,
) -> bytes:  # fmt: skip
    entries = [e for f in built for e in f.entries]
    posts = len(journal.posts(built))
    counts = {
        "arkivstruktur": (("mappe", len(built)), ("registrering", len(entries)),
                          ("dokumentobjekt", len(entries))),
        "endringslogg": (("endring", changes),),
        "loependeJournal": (("journalregistrering", posts),),
        "offentligJournal": (("journalregistrering", posts),),
    }  # fmt: skip
    described = [
        addml.Described(
            name, _sha256(files[f"{name}.xml"]), _sha256(schemas[f"{name}.xsd"]), counted
        )
        for name, counted in counts.items()
    ]
    screened = any(f.screening for f in built) or any(e.screening for e in entries)
    facts = addml.Facts(documents, screened, _sha256(schemas["metadatakatalog.xsd"]))
    return addml.write(ctx, described, facts)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SCHEMA_OF = {
    "arkivstruktur.xml": "arkivstruktur.xsd",
    "endringslogg.xml": "endringslogg.xsd",
    "offentligJournal.xml": "offentligJournal.xsd",
    "loependeJournal.xml": "loependeJournal.xsd",
    "arkivuttrekk.xml": ADDML_SCHEMA,
}


def _put_in_place(out_dir: Path, contents: dict[str, bytes]) -> None:
    """Write the package beside ``out_dir``, validate it there, then move it into place."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = out_dir.parent / f".{out_dir.name}.{uuid.uuid4().hex}.partial"
    scratch.mkdir()
    try:
        for name, data in sorted(contents.items()):
            path = scratch / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for name, schema in SCHEMA_OF.items():
            _validate(scratch / name, scratch / schema)
        if out_dir.exists():
            out_dir.rmdir()  # checked empty before anything was written
        scratch.rename(out_dir)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _validate(document: Path, schema: Path) -> None:
    """A file its schema refuses stops the package: it would not pass the archive's checks."""
    validator = etree.XMLSchema(etree.parse(str(schema)))
    try:
        validator.assertValid(etree.parse(str(document)))
    except etree.DocumentInvalid as refused:
        raise PackageError(f"{document.name} does not pass {schema.name}: {refused}") from None
