"""``offentligJournal.xml`` and ``loependeJournal.xml``: the journalposter of the package.

The public journal shows only what the public may see: the public titles, in which screened
words are ``*****``, and the legal basis of each screening. The running journal is the same
list with the full titles, for the archive itself. Møteregistreringer are no journal entries
in Noark 5, so a meeting's agenda is in ``arkivstruktur.xml`` only.
"""

from __future__ import annotations

from lxml import etree

from archive.noark5.context import Context
from archive.noark5.model import Entry, Folder
from archive.noark5.structure import INTERNAL_SENDER, RESTRICTED, screened_metadata
from archive.noark5.xmltree import NOARK5, Tree, day

PUBLIC = "offentligJournal"
RUNNING = "loependeJournal"


def posts(folders: list[Folder]) -> list[tuple[Folder, Entry]]:
    """Every journalpost with its folder, in journal order."""
    found = [(f, e) for f in folders for e in f.journalposts()]
    found.sort(key=lambda pair: (pair[1].numbering.year, pair[1].numbering.sequence))
    return found


def write(ctx: Context, folders: list[Folder], *, public: bool) -> bytes:
    """The public journal (``public``) or the running one."""
    name = PUBLIC if public else RUNNING
    tree = Tree(NOARK5 + name, name, f"{name}.xsd")
    found = posts(folders)
    head = tree.add(tree.root, "journalhode")
    tree.add(head, "journalStartDato", day(ctx.start))
    tree.add(head, "journalSluttDato", day(ctx.end))
    tree.add(head, "antallJournalposter", len(found))
    creator = tree.add(head, "arkivskaper")
    tree.add(creator, "arkivskaperID", ctx.text(ctx.org.name))
    tree.add(creator, "arkivskaperNavn", ctx.text(ctx.org.name))
    for folder, entry in found:
        row = tree.add(tree.root, "journalregistrering")
        _case(tree, row, folder, public=public)
        _post(tree, row, entry, public=public)
    return tree.serialise()


def _case(tree: Tree, row: etree._Element, f: Folder, *, public: bool) -> None:
    assert f.case is not None, "journalposter stand in saksmapper"
    el = tree.add(row, "saksmappe")
    tree.add(el, "mappeID", f.folder_id)
    tree.add(el, "saksaar", f.case.year)
    tree.add(el, "sakssekvensnummer", f.case.sequence)
    if public:
        tree.add(el, "offentligTittel", f.public_title)
        tree.add(el, "administrativEnhet", f.case.unit)
        tree.add(el, "saksansvarlig", f.case.responsible)
        if f.screening:
            tree.add(el, "tilgangsrestriksjon", RESTRICTED)
            tree.add(el, "skjermingshjemmel", f.screening.basis)
        return
    tree.add(el, "tittel", f.title)
    tree.add(el, "offentligTittel", f.public_title)
    if f.screening:
        tree.add(el, "skjermingMetadata", screened_metadata(f.screening, "mappe"))
    tree.add(el, "administrativEnhet", f.case.unit)
    tree.add(el, "saksansvarlig", f.case.responsible)


def _post(tree: Tree, row: etree._Element, e: Entry, *, public: bool) -> None:
    el = tree.add(row, "journalpost")
    n = e.numbering
    tree.add(el, "systemID", e.system_id)
    tree.add(el, "registreringsID", e.ref)
    tree.add(el, "journalaar", n.year)
    tree.add(el, "journalsekvensnummer", n.sequence)
    tree.add(el, "journalpostnummer", n.number)
    if not public:
        tree.add(el, "tittel", e.title)
    tree.add(el, "offentligTittel", e.public_title)
    if e.screening:
        tree.add(el, "skjermingMetadata", screened_metadata(e.screening, "registrering"))
    tree.add(el, "journaldato", day(e.journal_date))
    tree.add(el, "dokumentetsDato", day(e.document_date))
    tree.add(el, "administrativEnhet", e.unit)
    tree.add(el, "saksbehandler", e.author)
    if e.screening:
        tree.add(el, "tilgangsrestriksjon", RESTRICTED)
        tree.add(el, "skjermingshjemmel", e.screening.basis)
    party = tree.add(el, "korrespondansepart")
    tree.add(party, "korrespondanseparttype", INTERNAL_SENDER)
    tree.add(party, "korrespondansepartNavn", e.author)
