"""Full-text search over decisions: FTS5 on SQLite, tsvector with a GIN index on PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

# tables the migrations create per dialect, outside the models
SEARCH_TABLES = ("decision_fts", "decision_search")


def is_model_table(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name``: leave the search index tables out of schema comparisons."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLES))


_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
# Ranking every match of a very common word costs time that grows with the log; rank the
# newest CANDIDATES matches instead, so a search stays fast at any size and leans recent.
CANDIDATES = 1000


def terms(query: str) -> list[str]:
    """The searchable words of a query (letters and digits; operators and quotes dropped)."""
    return [w.casefold() for w in _WORD.findall(query)][:MAX_TERMS]


def index_decision(
    session: Session, decision_id: int, title: str, details: str, tags: str, *, new: bool = True
) -> None:
    """Put (or, with ``new=False``, replace) one decision in the search index."""
    # Core statements on the session's connection: no ORM bookkeeping on the hot path
    connection = session.connection()
    params = {"id": decision_id, "title": title, "details": details, "tags": tags}
    if connection.dialect.name == "sqlite":
        if not new:
            connection.execute(text("DELETE FROM decision_fts WHERE rowid = :id"), params)
        connection.execute(
            text(
                "INSERT INTO decision_fts (rowid, title, details, tags) "
                "VALUES (:id, :title, :details, :tags)"
            ),
            params,
        )
    else:
        connection.execute(
            text(
                "INSERT INTO decision_search (decision_id, document) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :tags), 'B') || "
                "setweight(to_tsvector('simple', :details), 'C')) "
                "ON CONFLICT (decision_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            params,
        )


def search_decisions(session: Session, query: str, limit: int = 10) -> list[int]:
    """IDs of the decisions matching every word of ``query``, best first.

    Whole words first; only when they find fewer than ``limit`` are the words also read as
    prefixes ("dubl" finds "dublin"). Whole-word queries get good plans on PostgreSQL, whose
    estimates for prefix queries are poor.
    """
    words = terms(query)
    if not words:
        return []
    found = _search(session, words, limit, prefix=False)
    if len(found) < limit:
        found += [i for i in _search(session, words, limit, prefix=True) if i not in found]
    return found[:limit]


def _search(session: Session, words: list[str], limit: int, *, prefix: bool) -> list[int]:
    star = "*" if prefix else ""
    if session.get_bind().dialect.name == "sqlite":
        match = " AND ".join('"' + w.replace('"', "") + '"' + star for w in words)
        rows = session.execute(
            text(
                "SELECT id FROM (SELECT rowid AS id, bm25(decision_fts, 10.0, 1.0, 5.0) AS score "
                "FROM decision_fts WHERE decision_fts MATCH :q ORDER BY rowid DESC LIMIT :c) "
                "ORDER BY score, id DESC LIMIT :n"
            ),
            {"q": match, "n": limit, "c": CANDIDATES},
        )
    else:
        star = ":*" if prefix else ""
        tsquery = " & ".join(w.replace("'", "").replace("\\", "") + star for w in words)
        rows = session.execute(
            text(
                "SELECT decision_id FROM (SELECT decision_id, document FROM decision_search "
                "WHERE document @@ to_tsquery('simple', :q) ORDER BY decision_id DESC LIMIT :c) "
                "AS candidates ORDER BY ts_rank(document, to_tsquery('simple', :q)) DESC, "
                "decision_id DESC LIMIT :n"
            ),
            {"q": tsquery, "n": limit, "c": CANDIDATES},
        )
    return [int(r[0]) for r in rows]
