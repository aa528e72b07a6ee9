"""The Noark 5 transfer package of a seeded year (SPEC §10), on SQLite and PostgreSQL.

Every XML file is validated with lxml against Arkivverket's own schemas in ../shared/schemas
(the originals, not the package's copies); the tests are skipped when they are not there.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select, update

from archive.noark5 import PackageError, Report, default_schemas_dir, describe, write_package
from archive.noark5.ids import system_id
from bot.runtime import Runtime
from storage.models import IssueNote
from tests.archive.seed import (
    END,
    LONG,
    NAMES,
    SECRET_DECISION,
    SECRET_MEETING,
    SECRET_PERSON,
    SECRET_WHOLE,
    START,
    Seeded,
    seed_year,
)

SCHEMAS = default_schemas_dir()
pytestmark = pytest.mark.skipif(
    not (SCHEMAS / "noark5-v5.0" / "arkivstruktur.xsd").is_file(),
    reason=f"Arkivverket's schemas are not in {SCHEMAS}: no package can be written or checked",
)
SCHEMA_OF = {
    "arkivstruktur.xml": "noark5-v5.0/arkivstruktur.xsd",
    "endringslogg.xml": "noark5-v5.0/endringslogg.xsd",
    "offentligJournal.xml": "noark5-v5.0/offentligJournal.xsd",
    "loependeJournal.xml": "noark5-v5.0/loependeJournal.xsd",
    "arkivuttrekk.xml": "addml-v8.3/addml.xsd",
}
NOARK = "http://www.arkivverket.no/standarder/noark5/"
N5 = NOARK + "arkivstruktur"
ADDML = "http://www.arkivverket.no/standarder/addml"


@cache
def schema(relative: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / relative)))


def export(rt: Runtime, out: Path, **kwargs: object) -> Report:
    with rt.db.session() as session:
        return write_package(
            session, rt.org, start=START, end=END, out_dir=out, schemas_dir=SCHEMAS,
            now=rt.clock.now(), names=NAMES, **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip


@pytest.fixture
def year(runtime: Runtime) -> Seeded:
    return seed_year(runtime)


NS = {"a": ADDML}
OCCURRENCES = ".//a:property[@name='numberOfOccurrences']"


def values(node: Any, path: str) -> list[str]:
    """The texts of what ``path`` finds in an ADDML node."""
    return [el.text or "" for el in node.xpath(path, namespaces=NS)]


def texts(path: Path, name: str, namespace: str = N5) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [el.text or "" for el in root.iter(f"{{{namespace}}}{name}")]


def test_every_file_is_valid_against_arkivverkets_schemas(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    report = export(runtime, tmp_path / "pkg")
    for name, relative in SCHEMA_OF.items():
        document = etree.parse(str(tmp_path / "pkg" / name))
        assert schema(relative).validate(document), (name, schema(relative).error_log)
    for relative in [*SCHEMA_OF.values(), "noark5-v5.0/metadatakatalog.xsd"]:
        copied = tmp_path / "pkg" / Path(relative).name
        assert copied.read_bytes() == (SCHEMAS / relative).read_bytes()
    written = [p for p in (tmp_path / "pkg").rglob("*") if p.is_file()]
    assert sorted(p.relative_to(tmp_path / "pkg").as_posix() for p in written) == report.files


def test_counts_and_checksums_are_those_of_the_files_written(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    report = export(runtime, pkg)
    addml = etree.parse(str(pkg / "arkivuttrekk.xml"))
    described = addml.xpath("//a:dataObject/a:dataObjects/a:dataObject", namespaces=NS)
    assert sorted(d.get("name") for d in described) == [
        "arkivstruktur", "endringslogg", "loependeJournal", "offentligJournal",
    ]  # fmt: skip
    for data_object in described:
        for file in data_object.xpath(".//a:property[@name='file']", namespaces=NS):
            name = values(file, "a:properties/a:property[@name='name']/a:value")[0]
            checksum = values(file, ".//a:property[@name='value']/a:value")[0]
            assert checksum == hashlib.sha256((pkg / name).read_bytes()).hexdigest(), name
        xml = etree.parse(str(pkg / f"{data_object.get('name')}.xml"))
        for counted in data_object.xpath(OCCURRENCES, namespaces=NS):
            element = values(counted, "a:value")[0]
            number = int(values(counted, ".//a:property[@name='value']/a:value")[0])
            assert number == len(xml.xpath(f"//*[local-name()='{element}']")), element
    files = values(addml, "//a:property[@name='antallDokumentfiler']/a:value")
    documents = sorted((pkg / "DOKUMENT").iterdir())
    assert int(files[0]) == len(documents) == report.documents
    assert report.documents == year.notes + year.agenda + len(year.decisions)
    assert report.folders == len(year.closed_issues) + len(year.held_meetings) + 1


def test_each_document_object_names_its_file_with_its_checksum_and_size(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    export(runtime, pkg)
    root = etree.parse(str(pkg / "arkivstruktur.xml")).getroot()
    objects = list(root.iter(f"{{{N5}}}dokumentobjekt"))
    assert len(objects) == len(list((pkg / "DOKUMENT").iterdir()))
    for obj in objects:
        path = pkg / obj.findtext(f"{{{N5}}}referanseDokumentfil")
        data = path.read_bytes()
        assert obj.findtext(f"{{{N5}}}sjekksum") == hashlib.sha256(data).hexdigest()
        assert int(obj.findtext(f"{{{N5}}}filstoerrelse")) == len(data)
        data.decode("utf-8")  # every rendering is UTF-8 text


def test_every_closed_record_is_present_by_its_system_id(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    report = export(runtime, tmp_path / "pkg")
    found = set(texts(tmp_path / "pkg" / "arkivstruktur.xml", "systemID"))
    org = runtime.org.name
    for ref in [*year.closed_issues, *year.held_meetings, *year.decisions]:
        assert system_id(org, ref) in found, ref
    for ref in [*year.open_issues, *year.ahead, *year.cancelled, *year.outside]:
        assert system_id(org, ref) not in found, ref
    left = {(x.ref, x.reason) for x in report.left_out}
    assert left == {
        *((ref, "open") for ref in year.open_issues),
        *((ref, "ahead") for ref in year.ahead),
        *((ref, "cancelled") for ref in year.cancelled),
    }
    assert all(describe(x).startswith(f"{x.ref}: ") for x in report.left_out)


def test_the_system_ids_are_the_same_in_every_export(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    export(runtime, tmp_path / "year")
    half = date(2026, 6, 30)
    with runtime.db.session() as session:
        write_package(
            session, runtime.org, start=START, end=half, out_dir=tmp_path / "half",
            schemas_dir=SCHEMAS, now=runtime.clock.now(), names=NAMES,
        )  # fmt: skip
    whole = texts(tmp_path / "year" / "arkivstruktur.xml", "systemID")
    assert len(set(whole)) == len(whole)  # no two things share one
    org = runtime.org.name
    of_the_period = {
        system_id(org, f"arkivdel/{START}/{half}"),
        system_id(org, f"beslutninger/{START}/{half}"),
    }
    part = set(texts(tmp_path / "half" / "arkivstruktur.xml", "systemID")) - of_the_period
    assert len(part) > 10 and part <= set(whole)


def test_screened_words_never_reach_the_public_journal(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    export(runtime, pkg)
    public = (pkg / "offentligJournal.xml").read_text(encoding="utf-8")
    running = (pkg / "loependeJournal.xml").read_text(encoding="utf-8")
    for words in (SECRET_PERSON, SECRET_WHOLE, "Kvisthaug", SECRET_DECISION, SECRET_MEETING):
        assert words not in public, words
    for words in (SECRET_PERSON, SECRET_WHOLE, SECRET_DECISION):  # the archive keeps them
        assert words in running, words
    titles = texts(pkg / "offentligJournal.xml", "offentligTittel", NOARK + "offentligJournal")
    assert "Retur av ***** til Irak" in titles
    assert "*****" in titles  # the whole title screened
    assert "Avtale om retur av *****" in titles
    assert "Felles rutine for frivillig retur" in titles  # what is not screened is shown
    assert "Offl. § 13" in public and "Offl. § 14" in public


def test_the_screening_is_in_the_archive_structure(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    export(runtime, tmp_path / "pkg")
    root = etree.parse(str(tmp_path / "pkg" / "arkivstruktur.xml")).getroot()
    folders = {m.findtext(f"{{{N5}}}mappeID"): m for m in root.iter(f"{{{N5}}}mappe")}
    meeting = folders[year.held_meetings[1]]
    assert meeting.findtext(f"{{{N5}}}skjerming/{{{N5}}}skjermingshjemmel") == "Offl. § 13"
    assert meeting.findtext(f"{{{N5}}}tittel") == f"Kvartalsmøte om {SECRET_MEETING}"
    assert meeting.findtext(f"{{{N5}}}offentligTittel") == "Kvartalsmøte om *****"
    item = meeting.find(f"{{{N5}}}registrering")
    assert item.findtext(f"{{{N5}}}offentligTittel") == "*****"  # its agenda, whole
    assert folders[year.closed_issues[1]].find(f"{{{N5}}}skjerming") is None


def test_decisions_are_placed_once_with_their_chain(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    export(runtime, tmp_path / "pkg")
    root = etree.parse(str(tmp_path / "pkg" / "arkivstruktur.xml")).getroot()
    placed = {
        r.findtext(f"{{{N5}}}registreringsID"): m.findtext(f"{{{N5}}}mappeID")
        for m in root.iter(f"{{{N5}}}mappe")
        for r in m.findall(f"{{{N5}}}registrering")
        if r.findtext(f"{{{N5}}}registreringsID", "").startswith("D-")
    }
    assert sorted(placed) == sorted(year.decisions)
    resolving, taken, old, new, dropped, _secret = year.decisions
    assert placed[resolving] == year.closed_issues[0]
    assert placed[taken] == year.held_meetings[0]
    assert placed[old] == placed[new] == placed[dropped] == f"Beslutninger {START}–{END}"
    posts = {r.findtext(f"{{{N5}}}registreringsID"): r for r in root.iter(f"{{{N5}}}registrering")}
    remarks = [x.findtext(f"{{{N5}}}merknadstekst") for x in posts[old].iter(f"{{{N5}}}merknad")]
    assert remarks == [f"Erstattet av {new}"]
    linked = posts[new].findtext(f"{{{N5}}}kryssreferanse/{{{N5}}}referanseTilRegistrering")
    assert linked == system_id(runtime.org.name, old)
    revoked = posts[dropped].findtext(f"{{{N5}}}merknad/{{{N5}}}merknadstekst")
    assert revoked == "Trukket tilbake: Ikke lenger aktuelt."


def test_norwegian_letters_and_long_texts_come_through_whole(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    export(runtime, pkg)
    titles = texts(pkg / "arkivstruktur.xml", "tittel")
    assert "Lang sak om mottakskapasitet i Nord-Norge" in titles
    assert "Rutine for tolk – første utgave" in titles
    rendered = (pkg / "DOKUMENT" / f"{year.decisions[2]}.txt").read_text(encoding="utf-8")
    assert LONG.strip() in rendered
    people = texts(pkg / "endringslogg.xml", "endretAv", NOARK + "endringslogg")
    assert {"Kari Nordby", "Ola Ås", "Åse Ødegård"} <= set(people)


def test_the_same_data_gives_the_same_bytes_but_the_creation_time(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    first, again, later = export(runtime, tmp_path / "a"), export(runtime, tmp_path / "b"), None
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    made = runtime.clock.now()
    runtime.clock.advance(hours=5)  # type: ignore[attr-defined]
    later = export(runtime, tmp_path / "c")
    assert later.files == again.files == first.files
    moment = made.astimezone(runtime.org.timezone).replace(microsecond=0).isoformat()
    moved = runtime.clock.now().astimezone(runtime.org.timezone).isoformat()
    for name in first.files:
        a, c = (tmp_path / "a" / name).read_bytes(), (tmp_path / "c" / name).read_bytes()
        if name == "arkivstruktur.xml":
            assert a != c and a == c.replace(moved.encode(), moment.encode())
        elif name != "arkivuttrekk.xml":  # it holds arkivstruktur.xml's checksum
            assert a == c, name


def test_an_identity_number_never_reaches_the_package(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    # text stored before the guard knew this way of writing one; the package still has none
    with runtime.db.session() as session:
        note = session.scalars(select(IssueNote).order_by(IssueNote.id)).first()
        assert note is not None
        session.execute(
            update(IssueNote).where(IssueNote.id == note.id).values(text="Fnr 260692 35653")
        )
    export(runtime, tmp_path / "pkg")
    for path in (tmp_path / "pkg").rglob("*"):
        if path.is_file():
            data = path.read_text(encoding="utf-8")
            assert "35653" not in data and "26069235653" not in data, path.name


def test_bad_arguments_are_refused_and_nothing_is_written(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "out"  # beside the test's database files
    out.mkdir()
    with pytest.raises(PackageError, match="before it starts"), runtime.db.session() as s:
        write_package(s, runtime.org, start=END, end=START, out_dir=out / "x",
                      schemas_dir=SCHEMAS, now=runtime.clock.now())  # fmt: skip
    full = out / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(PackageError, match="not an empty directory"):
        export(runtime, full)
    with pytest.raises(PackageError, match="schema"), runtime.db.session() as s:
        write_package(s, runtime.org, start=START, end=END, out_dir=out / "y",
                      schemas_dir=out / "nowhere", now=runtime.clock.now())  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["full"]
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    empty = out / "empty"
    empty.mkdir()
    assert export(runtime, empty).out_dir == empty  # an empty directory is taken


def test_a_period_with_nothing_for_the_journal_is_refused(
    runtime: Runtime, year: Seeded, tmp_path: Path
) -> None:
    quiet = date(2026, 11, 2)
    with pytest.raises(PackageError, match="journal cannot be empty"), runtime.db.session() as s:
        write_package(
            s, runtime.org, start=quiet, end=quiet + timedelta(days=3), out_dir=tmp_path / "q",
            schemas_dir=SCHEMAS, now=runtime.clock.now(),
        )  # fmt: skip
    assert not (tmp_path / "q").exists()
