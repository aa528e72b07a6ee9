"""One search over the register (SPEC §11, §4): `/returbot search`, `/decision search`,
`/issue search` and the web's search box all come here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.errors import UserError
from storage import search as engine
from storage.models import Decision, Issue, Meeting

DECISION, ISSUE, MEETING = engine.DECISION, engine.ISSUE, engine.MEETING
KINDS = engine.KINDS
# what `kind:` accepts, in English and Norwegian
KIND_NAMES = {
    "decision": DECISION, "decisions": DECISION, "beslutning": DECISION,
    "beslutninger": DECISION, "vedtak": DECISION, "d": DECISION,
    "issue": ISSUE, "issues": ISSUE, "sak": ISSUE, "saker": ISSUE, "i": ISSUE,
    "meeting": MEETING, "meetings": MEETING, "møte": MEETING, "møter": MEETING,
    "mote": MEETING, "moter": MEETING, "m": MEETING,
}  # fmt: skip
LIMIT = 10

Record = Decision | Issue | Meeting


@dataclass(frozen=True)
class Found:
    """A record found: its kind, the record, and the words around what matched in its text."""

    kind: str
    record: Record
    snippet: str


def kind_of(value: str | None) -> tuple[str, ...]:
    """The kinds a `kind:` option names (all of them without one); a sentence for a bad one."""
    if value is None:
        return KINDS
    found = KIND_NAMES.get(value.strip().casefold())
    if found is None:
        raise UserError("search.bad_kind", value=value.strip()[:40] or "—")
    return (found,)


def find(
    session: Session,
    *,
    words: str,
    kinds: Sequence[str] = KINDS,
    limit: int = LIMIT,
    lean: bool = False,
) -> list[Found]:
    """The records best matching ``words`` (every word must match), best first; ``lean``, for
    a list of hits only (each its line and snippet): a record's departments and tags are not
    read."""
    if not engine.query_words(words):
        only = kinds[0] if len(kinds) == 1 and kinds[0] != MEETING else "any"
        raise UserError(f"search.needs_words_{only}")
    hits = engine.search(session, words, kinds=kinds, limit=limit)
    out: list[Found] = []
    for hit, record in zip(hits, engine.records(session, hits, lean=lean), strict=True):
        if record is not None:
            out.append(Found(hit.kind, record, engine.snippet(engine.body_of(record), words)))
    return out
