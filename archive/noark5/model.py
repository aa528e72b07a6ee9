"""The package's content as Noark 5 sees it, before any XML: folders, registrations, documents.

``mapping`` fills these from the records; ``structure``, ``journal``, ``changelog`` and
``addml`` write them out. Every text here is already what may go into the package (no
identity number, people as their names).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

JOURNALPOST = "journalpost"
MOETEREGISTRERING = "moeteregistrering"
SAKSMAPPE = "saksmappe"
MOETEMAPPE = "moetemappe"


@dataclass(frozen=True)
class Screening:
    """A record screened from public access: its legal basis, and whether only some words of
    its title are (``partial``) or the whole title."""

    basis: str
    partial: bool


@dataclass(frozen=True)
class Remark:
    """A ``merknad``: an acknowledgement, a revocation, a replacement."""

    text: str
    kind: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Party:
    """A ``part`` of a case: a department it concerns."""

    id: str
    name: str
    role: str


@dataclass
class Document:
    """One rendering under ``DOKUMENT/``, described by a dokumentbeskrivelse and an object."""

    system_id: str
    object_id: str
    kind: str
    title: str
    author: str
    created: datetime
    path: str
    body: bytes

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def size(self) -> int:
        return len(self.body)


@dataclass
class Numbering:
    """Where a journalpost stands in the journal."""

    year: int = 0
    sequence: int = 0
    number: int = 0  # in its folder


@dataclass
class Entry:
    """A registrering: a journalpost (a note, a decision) or a møteregistrering (an agenda
    item, a decision taken at a meeting)."""

    kind: str
    system_id: str
    ref: str
    title: str
    public_title: str
    author: str
    created: datetime
    document: Document
    journal_date: date
    document_date: date
    screening: Screening | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    related: list[str] = field(default_factory=list)  # systemIDs of registreringer
    folders: list[str] = field(default_factory=list)  # systemIDs of mapper
    meeting_type: str = ""  # moeteregistreringstype
    unit: str = ""  # administrativEnhet of a møteregistrering
    numbering: Numbering = field(default_factory=Numbering)


@dataclass(frozen=True)
class Case:
    """What a saksmappe adds to a mappe."""

    year: int
    sequence: int
    opened: date
    unit: str
    responsible: str
    status: str


@dataclass(frozen=True)
class Sitting:
    """What a møtemappe adds to a mappe."""

    number: str
    forum: str
    held_on: date
    place: str
    attendees: list[tuple[str, str]]  # name, function


@dataclass
class Folder:
    """A mappe: a closed issue or the period's decisions (saksmappe), a held meeting
    (møtemappe)."""

    kind: str
    system_id: str
    folder_id: str
    title: str
    public_title: str
    created: datetime
    created_by: str
    closed: datetime
    closed_by: str
    case: Case | None = None
    sitting: Sitting | None = None
    description: str | None = None
    screening: Screening | None = None
    parties: list[Party] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def journalposts(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == JOURNALPOST]
