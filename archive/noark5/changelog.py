"""``endringslogg.xml``: the audit trail of every exported record, one ``endring`` a field.

An audit entry says who changed what, when: each field it names becomes an endring with the
value before and after (``(ingen)`` where there was none); an entry that names no field (a
record logged, an issue closed) becomes one endring naming what was done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from lxml import etree

from archive.noark5.context import Context
from archive.noark5.xmltree import NOARK5, Tree
from storage.models import AuditEntry

NAMESPACE = NOARK5 + "endringslogg"
NONE = "(ingen)"
# the bot's names for what changed, as Noark 5 names the metadata where it has a name
FIELDS = {
    "title": "tittel",
    "status": "status",
    "owner": "saksansvarlig",
    "screening": "skjermingshjemmel",
    "screened_title": "skjermingMetadata",
    "departments": "part",
    "department": "part",
    "note": "registrering",
    "text": "registrering",
    "starts_at": "moetedato",
    "reason": "merknad",
}
ACTIONS = {
    "logged": "loggført", "registered": "registrert", "noted": "notat skrevet",
    "assigned": "ny ansvarlig", "closed": "lukket", "reopened": "gjenåpnet",
    "acknowledged": "kvittert", "revoked": "trukket tilbake", "superseded": "erstattet",
    "scheduled": "planlagt", "moved": "flyttet", "cancelled": "avlyst",
    "agenda_added": "sak på sakslisten", "screened": "skjermet",
    "unscreened": "skjerming opphevet",
}  # fmt: skip


def write(ctx: Context, trail: list[AuditEntry], refs: Mapping[tuple[str, int], str]) -> bytes:
    """``endringslogg.xml`` for the audit entries of the exported records.

    ``refs`` names each exported record, ``("decision", id) -> "D-4"``.
    """
    tree = Tree(NAMESPACE, "endringslogg", "endringslogg.xsd")
    for entry in trail:
        ref = refs.get((entry.entity, entry.entity_id or 0))
        if ref is None:
            continue
        for field, before, after in changes(entry):
            _change(tree, tree.root, ctx, entry, ref, field, before, after)
    return tree.serialise()


def count(trail: list[AuditEntry], refs: Mapping[tuple[str, int], str]) -> int:
    """How many endringer ``write`` writes."""
    return sum(len(changes(e)) for e in trail if (e.entity, e.entity_id or 0) in refs)


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """The fields an audit entry changed: (field, before, after)."""
    out: list[tuple[str, object, object]] = []
    for key in sorted(entry.changes or {}):
        value = entry.changes[key]
        if isinstance(value, list) and len(value) == 2 and key not in ("departments",):
            before, after = value
        else:
            before, after = None, value
        if after is None and before is None:
            continue
        out.append((FIELDS.get(key, key), before, after))
    return out or [("hendelse", None, ACTIONS.get(entry.action, entry.action))]


def _change(
    tree: Tree, parent: etree._Element, ctx: Context, entry: AuditEntry, ref: str,
    field: str, before: object, after: object,
) -> None:  # fmt: skip
    el = tree.add(parent, "endring")
    tree.add(el, "referanseArkivenhet", ctx.sid(ref))
    tree.add(el, "referanseMetadata", field)
    tree.add(el, "endretDato", ctx.when(entry.at))
    tree.add(el, "endretAv", ctx.person(entry.actor))
    tree.add(el, "tidligereVerdi", _value(ctx, before))
    tree.add(el, "nyVerdi", _value(ctx, after))


def _value(ctx: Context, value: object) -> str:
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return ctx.text(text) or NONE
