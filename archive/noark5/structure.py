"""``arkivstruktur.xml``: one arkiv, one arkivdel for the period, the mapper with their
registreringer, each with its document (Noark 5 v5.0, ``arkivstruktur.xsd``).

The elements come in the schema's order; a derived type (saksmappe, møtemappe, journalpost,
møteregistrering) adds its own elements after everything of its base type.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from archive.noark5.context import SYSTEM, Context
from archive.noark5.model import JOURNALPOST, Document, Entry, Folder, Remark, Screening
from archive.noark5.xmltree import NOARK5, Tree, day

NAMESPACE = NOARK5 + "arkivstruktur"
MEDIUM = "Elektronisk"
RESTRICTED = "UO"  # tilgangsrestriksjon: unntatt offentlighet, the basis says why
FORMAT = "x-fmt/111"  # PRONOM: plain text
FORMAT_DETAILS = "UTF-8"
CHECKSUM_ALGORITHM = "SHA256"
INTERNAL_SENDER = "Intern avsender"
POST_TYPE = "Organinternt dokument uten oppfølging"


def write(ctx: Context, folders: list[Folder], now: datetime) -> bytes:
    """The whole ``arkivstruktur.xml``; ``now`` is when the package closes the archive part."""
    tree = Tree(NAMESPACE, "arkiv", "arkivstruktur.xsd")
    arkiv = tree.root
    tree.add(arkiv, "systemID", ctx.sid("arkiv"))
    tree.add(arkiv, "tittel", ctx.text(ctx.org.name))
    tree.add(arkiv, "beskrivelse", f"Arkivet etter {ctx.text(ctx.org.name)}, ført i returbot")
    tree.add(arkiv, "dokumentmedium", MEDIUM)
    _created_closed(tree, arkiv, ctx.when(ctx.opened), SYSTEM, ctx.when(now), SYSTEM)
    creator = tree.add(arkiv, "arkivskaper")
    tree.add(creator, "arkivskaperID", ctx.text(ctx.org.name))
    tree.add(creator, "arkivskaperNavn", ctx.text(ctx.org.name))
    part = tree.add(arkiv, "arkivdel")
    tree.add(part, "systemID", ctx.sid(f"arkivdel/{ctx.start.isoformat()}/{ctx.end.isoformat()}"))
    tree.add(part, "tittel", f"{ctx.text(ctx.org.name)} {ctx.period}")
    tree.add(part, "arkivdelstatus", "Avsluttet periode")
    tree.add(part, "dokumentmedium", MEDIUM)
    _created_closed(tree, part, ctx.when(ctx.opened), SYSTEM, ctx.when(now), SYSTEM)
    tree.add(part, "arkivperiodeStartDato", day(ctx.start))
    tree.add(part, "arkivperiodeSluttDato", day(ctx.end))
    for folder in folders:
        _folder(tree, part, ctx, folder)
    return tree.serialise()


def _created_closed(
    tree: Tree, parent: etree._Element, created: str, by: str, closed: str, closed_by: str
) -> None:
    tree.add(parent, "opprettetDato", created)
    tree.add(parent, "opprettetAv", by)
    tree.add(parent, "avsluttetDato", closed)
    tree.add(parent, "avsluttetAv", closed_by)


def _folder(tree: Tree, parent: etree._Element, ctx: Context, f: Folder) -> None:
    el = tree.typed(parent, "mappe", f.kind)
    tree.add(el, "systemID", f.system_id)
    tree.add(el, "mappeID", f.folder_id)
    tree.add(el, "tittel", f.title)
    tree.add(el, "offentligTittel", f.public_title)
    tree.maybe(el, "beskrivelse", f.description)
    tree.add(el, "dokumentmedium", MEDIUM)
    _created_closed(tree, el, ctx.when(f.created), f.created_by, ctx.when(f.closed), f.closed_by)
    for party in f.parties:
        p = tree.add(el, "part")
        tree.add(p, "partID", party.id)
        tree.add(p, "partNavn", party.name)
        tree.add(p, "partRolle", party.role)
    for remark in f.remarks:
        _remark(tree, el, ctx, remark)
    if f.screening:
        _screening(tree, el, f.screening, "mappe")
    for entry in f.entries:
        _entry(tree, el, ctx, entry)
    if f.case:
        c = f.case
        for name, value in (
            ("saksaar", c.year), ("sakssekvensnummer", c.sequence), ("saksdato", day(c.opened)),
            ("administrativEnhet", c.unit), ("saksansvarlig", c.responsible),
            ("saksstatus", c.status),
        ):  # fmt: skip
            tree.add(el, name, value)
    if f.sitting:
        s = f.sitting
        tree.add(el, "moetenummer", s.number)
        tree.add(el, "utvalg", s.forum)
        tree.add(el, "moetedato", day(s.held_on))
        tree.maybe(el, "moetested", s.place)
        for name, function in s.attendees:
            who = tree.add(el, "moetedeltaker")
            tree.add(who, "moetedeltakerNavn", name)
            tree.add(who, "moetedeltakerFunksjon", function)


def _remark(tree: Tree, parent: etree._Element, ctx: Context, remark: Remark) -> None:
    el = tree.add(parent, "merknad")
    tree.add(el, "merknadstekst", remark.text)
    tree.add(el, "merknadstype", remark.kind)
    tree.add(el, "merknadsdato", ctx.when(remark.at))
    tree.add(el, "merknadRegistrertAv", remark.by)


def _screening(tree: Tree, parent: etree._Element, s: Screening, level: str) -> None:
    el = tree.add(parent, "skjerming")
    tree.add(el, "tilgangsrestriksjon", RESTRICTED)
    tree.add(el, "skjermingshjemmel", s.basis)
    tree.add(el, "skjermingMetadata", screened_metadata(s, level))
    tree.add(el, "skjermingDokument", "Hele dokumentet")


def screened_metadata(s: Screening, level: str) -> str:
    """What of the metadata is screened: selected words of the title, or all of it."""
    return f"Skjerming tittel {level} - " + ("utvalgte ord" if s.partial else "hele tittelen")


def _entry(tree: Tree, parent: etree._Element, ctx: Context, e: Entry) -> None:
    el = tree.typed(parent, "registrering", e.kind)
    tree.add(el, "systemID", e.system_id)
    tree.add(el, "opprettetDato", ctx.when(e.created))
    tree.add(el, "opprettetAv", e.author)
    tree.add(el, "arkivertDato", ctx.when(e.created))
    tree.add(el, "arkivertAv", SYSTEM)
    if e.screening:
        _screening(tree, el, e.screening, "registrering")
    _document(tree, el, ctx, e.document, e.screening)
    tree.add(el, "registreringsID", e.ref)
    tree.add(el, "tittel", e.title)
    tree.add(el, "offentligTittel", e.public_title)
    tree.maybe(el, "beskrivelse", e.description)
    for word in e.keywords:
        tree.maybe(el, "noekkelord", word)
    tree.add(el, "forfatter", e.author)
    tree.add(el, "dokumentmedium", MEDIUM)
    for remark in e.remarks:
        _remark(tree, el, ctx, remark)
    for target, name in [(x, "referanseTilMappe") for x in e.folders] + [
        (x, "referanseTilRegistrering") for x in e.related
    ]:
        tree.add(tree.add(el, "kryssreferanse"), name, target)
    if e.kind == JOURNALPOST:
        _journalpost(tree, el, e)
    else:
        tree.add(el, "moeteregistreringstype", e.meeting_type)
        tree.add(el, "administrativEnhet", e.unit)
        tree.add(el, "saksbehandler", e.author)


def _journalpost(tree: Tree, el: etree._Element, e: Entry) -> None:
    party = tree.add(el, "korrespondansepart")
    tree.add(party, "korrespondanseparttype", INTERNAL_SENDER)
    tree.add(party, "korrespondansepartNavn", e.author)
    n = e.numbering
    for name, value in (
        ("journalaar", n.year), ("journalsekvensnummer", n.sequence),
        ("journalpostnummer", n.number), ("journalposttype", POST_TYPE),
        ("journalstatus", "Arkivert"), ("journaldato", day(e.journal_date)),
        ("dokumentetsDato", day(e.document_date)),
    ):  # fmt: skip
        tree.add(el, name, value)


def _document(
    tree: Tree, parent: etree._Element, ctx: Context, d: Document, s: Screening | None
) -> None:
    el = tree.add(parent, "dokumentbeskrivelse")
    tree.add(el, "systemID", d.system_id)
    tree.add(el, "dokumenttype", d.kind)
    tree.add(el, "dokumentstatus", "Dokumentet er ferdigstilt")
    tree.add(el, "tittel", d.title)
    tree.add(el, "forfatter", d.author)
    tree.add(el, "opprettetDato", ctx.when(d.created))
    tree.add(el, "opprettetAv", d.author)
    tree.add(el, "dokumentmedium", MEDIUM)
    tree.add(el, "tilknyttetRegistreringSom", "Hoveddokument")
    tree.add(el, "dokumentnummer", 1)
    tree.add(el, "tilknyttetDato", ctx.when(d.created))
    tree.add(el, "tilknyttetAv", SYSTEM)
    if s:
        _screening(tree, el, s, "dokumentbeskrivelse")
    obj = tree.add(el, "dokumentobjekt")
    for name, value in (
        ("systemID", d.object_id), ("versjonsnummer", 1), ("variantformat", "Arkivformat"),
        ("format", FORMAT), ("formatDetaljer", FORMAT_DETAILS),
        ("opprettetDato", ctx.when(d.created)), ("opprettetAv", SYSTEM),
        ("referanseDokumentfil", d.path), ("sjekksum", d.checksum),
        ("sjekksumAlgoritme", CHECKSUM_ALGORITHM), ("filstoerrelse", d.size),
    ):  # fmt: skip
        tree.add(obj, name, value)
