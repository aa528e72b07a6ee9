"""Building the package's XML with lxml: one namespace per file, values as the schemas want."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
NOARK5 = "http://www.arkivverket.no/standarder/noark5/"
ADDML = "http://www.arkivverket.no/standarder/addml"
# what XML 1.0 cannot hold at all: control characters other than tab and line breaks
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text)


def moment(value: datetime, tz: ZoneInfo) -> str:
    """An ``xs:dateTime`` in the organisation's time zone, to the second."""
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def day(value: date) -> str:
    """An ``xs:date``."""
    return value.isoformat()


class Tree:
    """One XML document whose elements are all in ``namespace``.

    Example::

        tree = Tree(NOARK5 + "endringslogg", "endringslogg", "endringslogg.xsd")
        tree.add(tree.root, "endring")
    """

    def __init__(self, namespace: str, root: str, schema: str | None = None) -> None:
        self.namespace = namespace
        nsmap: Any = {None: namespace, "xsi": XSI}  # the default namespace's key is None
        self.root = etree.Element(self._tag(root), nsmap=nsmap)
        if schema:
            self.root.set(f"{{{XSI}}}schemaLocation", f"{namespace} {schema}")

    def _tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def add(
        self, parent: etree._Element, name: str, text: str | int | None = None
    ) -> etree._Element:
        """A child element, with ``text`` if given."""
        child = etree.SubElement(parent, self._tag(name))
        if text is not None:
            child.text = xml_safe(str(text))
        return child

    def maybe(self, parent: etree._Element, name: str, text: str | None) -> None:
        """A child element only when there is a value (the schemas want no empty ones)."""
        if text:
            self.add(parent, name, text)

    def typed(self, parent: etree._Element, name: str, xsi_type: str) -> etree._Element:
        """A child element of a derived type (``<mappe xsi:type="saksmappe">``)."""
        child = self.add(parent, name)
        child.set(f"{{{XSI}}}type", xsi_type)
        return child

    def serialise(self) -> bytes:
        """The document as UTF-8 bytes: the same tree gives the same bytes."""
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
