"""The one search engine (SPEC §11): decisions, issues with their notes, meetings with their agenda.

**What a record is indexed as.** Its words are read once, in Python, the same way for every
database: Unicode-normalised, case-folded, with the Norwegian letters folded (``æ`` → ``ae``,
``ø`` → ``o``, ``å`` → ``a``; other diacritics dropped), and each word stemmed by Snowball's
Norwegian and English algorithms (PyStemmer), so inflected forms meet and English text is
stemmed as English. A record becomes one set of *terms*, each naming its field and form:
``tx:avtalen`` (the title holds the exact form), ``ts:avtal`` (the title holds that stem),
``gx:``/``gs:`` for tags, ``bx:``/``bs:`` for the text, and ``k:decision`` for its kind. SQLite
keeps the terms in FTS5, PostgreSQL as a ``tsvector`` built with ``array_to_tsvector`` (no
parser of its own between us and the terms): the same terms match the same queries on both.

**Compound parts** are found by the indexes' own prefix search (FTS5's ``"term"*``, a
``tsquery``'s ``'term':*`` through the GIN index): the first part of a compound is a prefix of its
exact form (``retur`` → ``tx:retur*`` finds ``returarbeid``), and the last part a prefix of its
stem written backwards, which every record also holds (``tr:``; ``avtalene`` → ``tr:latva*``
finds ``tilbaketakelsesavtale``). Both rank below the word itself. A part in the middle of a
compound of three (``takelse``) is not found.

**Typos.** A query word of five letters or more that finds nothing is compared with a
vocabulary of every word form the register holds, those of its length (one letter more or less)
that begin or end with its own first or last two letters — every word one edit away does — by
rapidfuzz's optimal string alignment distance; those within one edit stand in for it.

**Ranking** is by *level*, then newest first. A record's level is that of its worst-matching
query word, and the levels go title before tags before text, and within each field the exact
form before a stem before a compound part. So every level is one query on the index, asking
that all words match within the classes allowed so far, newest first, ``LIMIT`` the hits still
wanted: the best hits are found however many weaker ones there are, with no cut-off by age.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import Stemmer
from rapidfuzz.distance import OSA
from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, lazyload, selectinload

from storage.hot import Statement
from storage.models import Decision, Issue, Meeting

DECISION: Final = "decision"
ISSUE: Final = "issue"
MEETING: Final = "meeting"
KINDS: Final = (DECISION, ISSUE, MEETING)

# the index's tables, made by the migrations outside the models (per dialect)
SEARCH_TABLES = ("search_docs", "search_terms", "search_vocab")
# the tables of the search before migration 0006, left out of schema comparisons too
_OLD_TABLES = ("decision_fts", "decision_search")

MAX_WORDS: Final = 12  # query words read; the rest are ignored
MAX_TOKEN: Final = 64  # a longer "word" (a pasted hash) is indexed by its first 64 characters
PART_MIN: Final = 4  # a query word shorter than this is not looked for inside compounds
TYPO_MIN: Final = 5  # a query word shorter than this gets no typo tolerance
VOCAB_MIN: Final = TYPO_MIN - 1  # the shortest word kept in the vocabulary (for typos)

TITLE, TAGS, BODY = "t", "g", "b"
EXACT, STEM, PART = "x", "s", "p"
# the classes of match, best first; a level allows every class up to its own
LEVELS: Final = tuple(
    (f, form) for f in (TITLE, TAGS, BODY) for form in (EXACT, STEM, PART)
)  # fmt: skip
TYPO_LEVELS: Final = (TITLE, TAGS, BODY)


def is_model_table(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name``: leave the search index's tables out of schema comparisons."""
    return not (
        type_ == "table" and name is not None and name.startswith((*SEARCH_TABLES, *_OLD_TABLES))
    )


# ---------------------------------------------------------------------------------------------
# reading words


_WORD = re.compile(r"[^\W_]+")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "ð": "d", "þ": "th", "ł": "l"})
_local = threading.local()  # a PyStemmer stemmer is not to be shared between threads


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    found: tuple[Stemmer.Stemmer, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if found is None:
        found = (Stemmer.Stemmer("norwegian"), Stemmer.Stemmer("english"))
        _local.stemmers = found
    return found


def words(value: str) -> list[str]:
    """The words of ``value``, case-folded, in order (letters and digits; the rest separates)."""
    return [w[:MAX_TOKEN] for w in _WORD.findall(unicodedata.normalize("NFKC", value).casefold())]


def fold(word: str) -> str:
    """``word`` (case-folded) with Norwegian letters spelled out and other diacritics dropped."""
    word = word.translate(_FOLD)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or word


@dataclass(frozen=True)
class Forms:
    """One word as the index knows it: its folded exact form and its folded stems."""

    exact: str
    stems: tuple[str, ...]


@lru_cache(maxsize=200_000)
def forms(word: str) -> Forms:
    """The forms of one case-folded word: exact, and its Norwegian and English stems."""
    norwegian, english = _stemmers()
    stems = dict.fromkeys(fold(s) for s in (norwegian.stemWord(word), english.stemWord(word)))
    return Forms(exact=fold(word), stems=tuple(s for s in stems if s))


# ---------------------------------------------------------------------------------------------
# indexing


@dataclass(frozen=True)
class Document:
    """A record as the index reads it: where its words stand decides how well they match."""

    kind: str
    record_id: int
    title: str
    tags: Sequence[str] = ()
    body: str = ""

    def terms(self) -> list[str]:
        """The index's terms of the record, each once, in a stable order."""
        out: dict[str, None] = {f"k:{self.kind}": None}
        for where, value in ((TITLE, self.title), (TAGS, " ".join(self.tags)), (BODY, self.body)):
            for word in words(value):
                found = forms(word)
                out[f"{where}x:{found.exact}"] = None
                for stem in found.stems:
                    out[f"{where}s:{stem}"] = None
                    if len(stem) >= PART_MIN:  # its last part is found by a prefix of this
                        out[f"{where}r:{stem[::-1]}"] = None
        return list(out)


def _vocabulary(terms: Iterable[str]) -> set[str]:
    """The exact forms among a record's terms (``tx:``, ``gx:``, ``bx:``) long enough to be
    looked up as typos."""
    return {t[3:] for t in terms if t[1:3] == "x:" and len(t) - 3 >= VOCAB_MIN}


def decision_document(
    record_id: int, *, title: str, tags: Sequence[str], details: str, decided_by: str, basis: str
) -> Document:
    """A decision: its title, its tags, and its details, forum and basis as its text."""
    return Document(DECISION, record_id, title, tuple(tags), _text(details, decided_by, basis))


def _text(*parts: str) -> str:
    return "\n".join(v for v in parts if v)


def issue_document(
    record_id: int, *, title: str, description: str, notes: Sequence[str]
) -> Document:
    """An issue: its title, and its description and every note as its text."""
    return Document(ISSUE, record_id, title, (), "\n".join(v for v in (description, *notes) if v))


def meeting_document(
    record_id: int, *, title: str, place: str, series: str, agenda: Sequence[str]
) -> Document:
    """A meeting: its title, its series as a tag, and its place and agenda as its text."""
    return Document(
        MEETING, record_id, title, (series,), "\n".join(v for v in (place, *agenda) if v)
    )


def of_decision(decision: Decision) -> Document:
    return decision_document(
        decision.id, title=decision.title, tags=[t.tag for t in decision.tags],
        details=decision.details, decided_by=decision.decided_by, basis=decision.basis,
    )  # fmt: skip


def of_issue(issue: Issue, *, notes: Sequence[str] | None = None) -> Document:
    """``issue`` with its notes (``notes=()`` for a new one: nothing is read for them)."""
    return issue_document(
        issue.id, title=issue.title, description=issue.description,
        notes=[n.text for n in issue.notes] if notes is None else notes,
    )  # fmt: skip


def of_meeting(meeting: Meeting, *, agenda: Sequence[str] | None = None) -> Document:
    """``meeting`` with its agenda (``agenda=()`` for a new one: nothing is read for it)."""
    return meeting_document(
        meeting.id, title=meeting.title, place=meeting.place, series=meeting.series_key,
        agenda=[a.text for a in meeting.agenda] if agenda is None else agenda,
    )  # fmt: skip


def body_of(record: Decision | Issue | Meeting) -> str:
    """The text of a record as the index reads it (its snippet is taken from it)."""
    if isinstance(record, Decision):  # its tags are not its text: they are left unread
        return _text(record.details, record.decided_by, record.basis)
    if isinstance(record, Issue):
        return of_issue(record).body
    return of_meeting(record).body


_DECISIONS = select(Decision).where(Decision.id.in_(bindparam("ids", expanding=True)))
_ISSUES = select(Issue).where(Issue.id.in_(bindparam("ids", expanding=True)))
_MEETINGS = (
    select(Meeting)
    .where(Meeting.id.in_(bindparam("ids", expanding=True)))
    .options(selectinload(Meeting.agenda))
)
# what a hit's line and snippet read: no departments, no tags (the text is read without them)
_LEAN: dict[str, Select[Any]] = {
    DECISION: _DECISIONS.options(lazyload(Decision.departments), lazyload(Decision.tags)),
    ISSUE: _ISSUES.options(selectinload(Issue.notes), lazyload(Issue.departments)),
    MEETING: _MEETINGS,
}
_COMPLETE: dict[str, Select[Any]] = {
    DECISION: _DECISIONS,
    ISSUE: _ISSUES.options(selectinload(Issue.notes)),
    MEETING: _MEETINGS,
}


def records(
    session: Session, hits: Sequence[Hit], *, lean: bool = False
) -> list[Decision | Issue | Meeting | None]:
    """The records of ``hits``, in their order (None for one no longer there), each with the
    children its text is read from (notes, agenda) loaded in one statement per kind; and,
    unless ``lean``, the children a record is always loaded with (departments, tags), which
    a hit's line and snippet do not show."""
    statements = _LEAN if lean else _COMPLETE
    loaded: dict[tuple[str, int], Decision | Issue | Meeting] = {}
    for kind in KINDS:
        wanted = [h.record_id for h in hits if h.kind == kind]
        if wanted:
            found = session.scalars(statements[kind], {"ids": wanted})
            loaded.update(((kind, r.id), r) for r in found)
    return [loaded.get((h.kind, h.record_id)) for h in hits]


def index(session: Session, documents: Sequence[Document]) -> None:
    """Put ``documents`` in the index (new or again), in the session's transaction (written
    with its other put-off writes: nothing searches in the transaction that indexes)."""
    if documents:
        _index(session.connection(), documents, session)


def index_on(connection: Connection, documents: Sequence[Document]) -> None:
    """:func:`index` on a connection (the migration that builds the index uses it)."""
    if documents:
        _index(connection, documents, None)


_SQLITE_DOCS = Statement(
    lambda: text(
        "INSERT INTO search_docs (kind, record_id, terms) VALUES (:kind, :id, :terms) "
        "ON CONFLICT (kind, record_id) DO UPDATE SET terms = excluded.terms"
    )
)
_SQLITE_VOCAB = Statement(
    lambda: text(
        "INSERT OR IGNORE INTO search_vocab (word, head, tail, len) "
        "SELECT value, substr(value, 1, 2), substr(value, -2), length(value) "
        "FROM json_each(:words)"
    )
)
_PG_DOCS = Statement(
    lambda: text(
        "INSERT INTO search_docs (kind, record_id, terms) "
        "VALUES (:kind, :id, array_to_tsvector(CAST(:terms AS text[]))) "
        "ON CONFLICT (kind, record_id) DO UPDATE SET terms = EXCLUDED.terms"
    )
)
_PG_VOCAB = Statement(
    lambda: text(
        "INSERT INTO search_vocab (word, head, tail, len) "
        "SELECT w, left(w, 2), right(w, 2), length(w) "
        "FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS v(w, n) ORDER BY n "
        "ON CONFLICT (word) DO NOTHING"
    )
)


def _index(connection: Connection, documents: Sequence[Document], session: Session | None) -> None:
    sqlite = connection.dialect.name == "sqlite"
    analysed = [(d, d.terms()) for d in documents]  # each record's words read once
    rows = [
        {"kind": d.kind, "id": d.record_id, "terms": " ".join(terms) if sqlite else terms}
        for d, terms in analysed
    ]
    # sorted, so that two writers adding the same new words take their locks in one order
    vocabulary = sorted(set[str]().union(*(_vocabulary(terms) for _, terms in analysed)))
    docs, vocab = (_SQLITE_DOCS, _SQLITE_VOCAB) if sqlite else (_PG_DOCS, _PG_VOCAB)
    words = {"words": json.dumps(vocabulary) if sqlite else vocabulary}
    if session is not None:
        if len(rows) == 1:
            docs.later(session, rows[0])
        else:
            docs.later_many(session, rows)
        if vocabulary:
            vocab.later(session, words)
        return
    if len(rows) == 1:
        docs.run_on(connection, rows[0])
    else:
        docs.run_many_on(connection, rows)
    if vocabulary:
        vocab.run_on(connection, words)


# ---------------------------------------------------------------------------------------------
# searching


@dataclass(frozen=True)
class Hit:
    """A record found, with the level it matched at (0 is best)."""

    kind: str
    record_id: int
    level: int


@dataclass
class _Word:
    """A query word and the terms that match it, class by class (a term ending in ``*`` is a
    prefix)."""

    forms: Forms
    typos: list[str] | None = None

    @property
    def parts(self) -> list[str]:
        """What is looked for as a compound's part: its stems of four letters or more."""
        return [s for s in self.forms.stems if len(s) >= PART_MIN]

    def terms(self, where: str, form: str) -> list[str]:
        if form == EXACT:
            return [f"{where}x:{self.forms.exact}"]
        if form == STEM:
            return [f"{where}s:{s}" for s in self.forms.stems]
        # the first part of a compound, and (its stem read backwards) the last
        return [t for p in self.parts for t in (f"{where}x:{p}*", f"{where}r:{p[::-1]}*")]

    def typo_terms(self, where: str) -> list[str]:
        out: list[str] = []
        for word in self.typos or ():
            out.append(f"{where}x:{word}")
            out += [f"{where}s:{s}" for s in forms(word).stems]
        return out


def query_words(query: str) -> list[str]:
    """The searchable words of a query, each once (letters and digits; the rest is dropped)."""
    return list(dict.fromkeys(words(query)))[:MAX_WORDS]


def search(
    session: Session, query: str, *, kinds: Sequence[str] = KINDS, limit: int = 10
) -> list[Hit]:
    """The records matching every word of ``query``, best first (see the module's text)."""
    typed = query_words(query)
    if not typed or limit <= 0 or not set(kinds) & set(KINDS):
        return []
    connection = session.connection()
    engine = _Engine(connection, [k for k in KINDS if k in kinds])
    query_terms = [_Word(forms(w)) for w in typed]
    found: dict[tuple[str, int], Hit] = {}
    allowed: list[tuple[str, str]] = []
    last: list[list[str]] | None = None
    for level, (where, form) in enumerate(LEVELS):
        if where == TAGS and engine.kinds == [ISSUE]:
            continue  # issues have no tags
        allowed.append((where, form))
        clauses = [
            sorted({t for w, f in allowed for t in word.terms(w, f)}) for word in query_terms
        ]
        if clauses == last:
            continue  # this level adds nothing for these words
        last = clauses
        engine.collect(clauses, level, found, limit)
        if len(found) >= limit:
            return list(found.values())[:limit]
    if found:
        return list(found.values())
    # nothing at all: read each long word as possibly mistyped by one letter
    for word in query_terms:
        word.typos = engine.typos(word)
    if not any(word.typos for word in query_terms):
        return []
    for offset in range(len(TYPO_LEVELS)):
        allowed_typos = TYPO_LEVELS[: offset + 1]
        clauses = [
            sorted(
                {t for w, f in allowed for t in word.terms(w, f)}
                | {t for w in allowed_typos for t in word.typo_terms(w)}
            )
            for word in query_terms
        ]
        engine.collect(clauses, len(LEVELS) + offset, found, limit)
        if len(found) >= limit:
            break
    return list(found.values())[:limit]


# each level's query, compiled once (``storage.hot``)
_MATCHING_FTS = Statement(
    lambda: text(
        "SELECT d.kind, d.record_id FROM search_terms "
        "JOIN search_docs d ON d.doc = search_terms.rowid "
        "WHERE search_terms MATCH :q ORDER BY search_terms.rowid DESC LIMIT :n"
    ),
    writes=False,
)
_MATCHING_TS = Statement(
    lambda: text("SELECT kind, record_id FROM search_matching(CAST(:q AS tsquery), :n)"),
    writes=False,
)
_VOCABULARY = Statement(
    lambda: text(
        "SELECT word FROM search_vocab WHERE (head = :head OR tail = :tail) "
        "AND len BETWEEN :shortest AND :longest"
    ),
    writes=False,
)


class _Engine:
    """The dialect's statements for one search."""

    def __init__(self, connection: Connection, kinds: list[str]) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.kinds = kinds

    def collect(
        self, clauses: list[list[str]], level: int, found: dict[tuple[str, int], Hit], limit: int
    ) -> None:
        """Add the newest records matching every clause, not found already, up to ``limit``."""
        if any(not clause for clause in clauses):
            return  # a word with no terms at this level matches nothing
        wanted = limit + len(found)
        kinds = [f"k:{k}" for k in self.kinds] if len(self.kinds) < len(KINDS) else []
        if self.sqlite:
            match = " AND ".join(_fts_any(c) for c in [*clauses, *([kinds] if kinds else [])])
            rows = _MATCHING_FTS.run_on(self.connection, {"q": match, "n": wanted}).rows
        else:
            tsquery = " & ".join(_ts_any(c) for c in [*clauses, *([kinds] if kinds else [])])
            rows = _MATCHING_TS.run_on(self.connection, {"q": tsquery, "n": wanted}).rows
        for kind, record_id in rows:
            key = (str(kind), int(record_id))
            if key not in found and len(found) < limit:
                found[key] = Hit(kind=key[0], record_id=key[1], level=level)

    def typos(self, word: _Word) -> list[str]:
        """The vocabulary's words one edit (a letter changed, added, dropped or two swapped)
        from ``word``, when it is long enough to be read as mistyped."""
        exact = word.forms.exact
        if len(exact) < TYPO_MIN:
            return []
        # one edit leaves the first two letters or the last two as they were
        params = {
            "head": exact[:2],
            "tail": exact[-2:],
            "shortest": len(exact) - 1,
            "longest": len(exact) + 1,
        }
        candidates = [w for (w,) in _VOCABULARY.run_on(self.connection, params).rows]
        return sorted(w for w in candidates if w != exact and OSA.distance(exact, w) <= 1)


def _fts_quote(term: str) -> str:
    """A term in FTS5's query syntax: a string, and ``*`` after it for a prefix."""
    prefix = term.endswith("*")
    return '"' + term.removesuffix("*").replace('"', '""') + '"' + ("*" if prefix else "")


def _fts_any(terms: Sequence[str]) -> str:
    return "(" + " OR ".join(_fts_quote(t) for t in terms) + ")"


def _ts_quote(term: str) -> str:
    """A term in tsquery syntax: a quoted lexeme, and ``:*`` after it for a prefix."""
    prefix = term.endswith("*")
    return "'" + term.removesuffix("*").replace("'", "''") + "'" + (":*" if prefix else "")


def _ts_any(terms: Sequence[str]) -> str:
    """A balanced OR of ``terms`` in tsquery syntax (a long chain would nest too deep)."""
    quoted = [_ts_quote(t) for t in terms]
    while len(quoted) > 1:
        quoted = [
            f"({' | '.join(quoted[i : i + 8])})" if len(quoted[i : i + 8]) > 1 else quoted[i]
            for i in range(0, len(quoted), 8)
        ]
    return quoted[0]


# ---------------------------------------------------------------------------------------------
# snippets


def snippet(value: str, query: str, *, width: int = 140) -> str:
    """The part of ``value`` around the first word that matches a word of ``query``: the start
    of ``value`` when none does; whole words, with "…" where it was cut, and " · " between
    its lines (an issue's notes, a meeting's agenda items)."""
    value = " · ".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
    if not value:
        return ""
    wanted = [forms(w) for w in query_words(query)]
    at = 0
    for start, word in _positions(value):
        if _matches(forms(word), wanted):
            at = start
            break
    begin = 0 if at <= width // 4 else value.rfind(" ", 0, at - width // 4) + 1
    end = begin + width
    if end < len(value):
        cut = value.rfind(" ", begin, end)
        end = cut if cut > begin else end
    out = value[begin:end].strip()
    return ("…" if begin > 0 else "") + out + ("…" if end < len(value) else "")


def _positions(value: str) -> Iterator[tuple[int, str]]:
    normalised = unicodedata.normalize("NFKC", value)
    if len(normalised) != len(value):  # positions would not line up: read the raw text
        normalised = value
    for m in _WORD.finditer(normalised):
        yield m.start(), m.group().casefold()[:MAX_TOKEN]


def _matches(found: Forms, wanted: Iterable[Forms]) -> bool:
    """Whether a word of a record matches one of the query's, as the index would match it."""
    for w in wanted:
        if found.exact == w.exact or set(found.stems) & set(w.stems):
            return True
        for part in (s for s in w.stems if len(s) >= PART_MIN):
            if found.exact.startswith(part) or any(s.endswith(part) for s in found.stems):
                return True
    return False
