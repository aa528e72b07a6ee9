"""``arkivuttrekk.xml`` (ADDML 8.3, Arkivverket's template for a Noark 5 extraction): what the
package holds, each file with its SHA-256 checksum and its schemas, and how many of each."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from archive.noark5.context import Context
from archive.noark5.xmltree import ADDML, Tree, day

TITLE = "Noark 5-arkivuttrekk"
ALGORITHM = "SHA-256"


@dataclass(frozen=True)
class Described:
    """One of the package's XML files: its schema, its checksums, what it counts."""

    name: str  # "arkivstruktur"
    checksum: str
    schema_checksum: str
    counts: tuple[tuple[str, int], ...]  # ("mappe", 12), ...


@dataclass(frozen=True)
class Facts:
    """What the whole package says of itself."""

    documents: int
    screened: bool
    catalogue_checksum: str  # metadatakatalog.xsd, which every Noark 5 schema imports


def write(ctx: Context, files: list[Described], facts: Facts) -> bytes:
    """The whole ``arkivuttrekk.xml``."""
    tree = Tree(ADDML, "addml", "addml.xsd")
    tree.root.set("name", TITLE)
    dataset = tree.add(tree.root, "dataset")
    tree.add(dataset, "description", TITLE)
    _reference(tree, dataset, ctx)
    top = _object(tree, tree.add(dataset, "dataObjects"), TITLE)
    info = _props(tree, _property(tree, tree.add(top, "properties"), "info"))
    kind = _property(tree, info, "type", "Noark 5")
    _property(tree, _props(tree, kind), "version", "5.0")
    extra = _props(tree, _property(tree, info, "additionalInfo"))
    period = _props(tree, _property(tree, extra, "periode"))
    _property(tree, period, "inngaaendeSkille", "skarpt")
    _property(tree, period, "utgaaendeSkille", "skarpt")
    for name, value in (
        ("inneholderSkjermetInformasjon", facts.screened),
        ("omfatterDokumenterSomErKassert", False),
        ("inneholderDokumenterSomSkalKasseres", False),
        ("inneholderVirksomhetsspesifikkeMetadata", False),
    ):
        _property(tree, extra, name, "true" if value else "false", data_type="boolean")
    _property(tree, extra, "antallDokumentfiler", str(facts.documents), data_type="integer")
    inner = tree.add(top, "dataObjects")
    for described in files:
        _file_object(tree, inner, described, facts.catalogue_checksum)
    return tree.serialise()


def _reference(tree: Tree, dataset: etree._Element, ctx: Context) -> None:
    reference = tree.add(dataset, "reference")
    context = tree.add(tree.add(reference, "context"), "additionalElements")
    creators = _element(tree, context, "recordCreators")
    _element(tree, tree.add(creators, "additionalElements"), "recordCreator", ctx.org.name)
    _element(tree, context, "systemType", "Fagsystem (Noark 5-uttrekk)")
    _element(tree, context, "systemName", "returbot")
    _element(tree, context, "archive", ctx.text(ctx.org.name))
    content = tree.add(tree.add(reference, "content"), "additionalElements")
    period = tree.add(_element(tree, content, "archivalPeriod"), "properties")
    _property(tree, period, "startDate", day(ctx.start))
    _property(tree, period, "endDate", day(ctx.end))


def _file_object(tree: Tree, parent: etree._Element, d: Described, catalogue_checksum: str) -> None:
    props = tree.add(_object(tree, parent, d.name), "properties")
    _file(tree, _props(tree, _property(tree, props, "file")), f"{d.name}.xml", d.checksum)
    main = _property(tree, props, "schema", "main")
    _schema(tree, main, f"{d.name}.xsd", d.schema_checksum)
    _schema(tree, _property(tree, props, "schema"), "metadatakatalog.xsd", catalogue_checksum)
    info = _props(tree, _property(tree, props, "info"))
    for element, number in d.counts:
        occurrences = _property(tree, info, "numberOfOccurrences", element)
        counted = _props(tree, occurrences)
        _property(tree, counted, "elementPath", f"//{element}")
        _property(tree, counted, "value", str(number), data_type="integer")


def _schema(tree: Tree, schema: etree._Element, name: str, checksum: str) -> None:
    props = _props(tree, schema)
    _file(tree, _props(tree, _property(tree, props, "file")), name, checksum)
    kind = _property(tree, props, "type", "XML Schema")
    _property(tree, _props(tree, kind), "version", "1.0")


def _file(tree: Tree, props: etree._Element, name: str, checksum: str) -> None:
    _property(tree, props, "name", name)
    fmt = _property(tree, props, "format", "XML")
    _property(tree, _props(tree, fmt), "version", "1.0")
    check = _props(tree, _property(tree, props, "checksum"))
    _property(tree, check, "algorithm", ALGORITHM)
    _property(tree, check, "value", checksum)


def _object(tree: Tree, parent: etree._Element, name: str) -> etree._Element:
    el = tree.add(parent, "dataObject")
    el.set("name", name)
    return el


def _element(
    tree: Tree, parent: etree._Element, name: str, value: str | None = None
) -> etree._Element:
    el = tree.add(parent, "additionalElement")
    el.set("name", name)
    if value is not None:
        tree.add(el, "value", value)
    return el


def _props(tree: Tree, parent: etree._Element) -> etree._Element:
    """The ``properties`` of ``parent`` (made once, after its ``value``)."""
    found = parent.find(f"{{{ADDML}}}properties")
    return found if found is not None else tree.add(parent, "properties")


def _property(
    tree: Tree, parent: etree._Element, name: str, value: str | None = None,
    *, data_type: str | None = None,
) -> etree._Element:  # fmt: skip
    el = tree.add(parent, "property")
    if data_type:
        el.set("dataType", data_type)
    el.set("name", name)
    if value is not None:
        tree.add(el, "value", value)
    return el
