"""The search engine (SPEC §11) on a real SQLite file and a real PostgreSQL: a Norwegian relevance
set, the same results on both, the index written in the writer's transaction, and the migration
that builds it for records made before it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from storage import migrate, search
from storage.db import Database
from tests.support.database import statements
from tests.support.relevance import CASES, Case, documents, ref_of


def load(db: Database) -> None:
    with db.session() as session:
        search.index(session, [document for _, document in documents()])
        session.commit()


def results(db: Database, case: Case, limit: int = 10) -> list[str]:
    with db.session() as session:
        return [
            ref_of(h) for h in search.search(session, case.query, kinds=case.kinds, limit=limit)
        ]


def unmet(case: Case, found: list[str]) -> str | None:
    """Why ``found`` does not begin with ``case``'s groups in order, or None."""
    at = 0
    for group in case.groups:
        got = found[at : at + len(group)]
        if sorted(got) != sorted(group):
            return f"{case.query!r} ({case.why}): wanted {case.groups}, got {found}"
        at += len(group)
    return None


def test_the_relevance_set_ranks_as_expected(db: Database) -> None:
    load(db)
    failures = [why for case in CASES if (why := unmet(case, results(db, case))) is not None]
    assert failures == []


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_results(
    sqlite_db: Database, pg_database: Database
) -> None:
    from tests.support.database import empty_tables

    empty_tables(pg_database)
    load(sqlite_db)
    load(pg_database)
    queries = [*CASES, Case("kapasitet", [], "many matches"), Case("rapport trandum", [], "")]
    for case in queries:
        assert results(sqlite_db, case, 30) == results(pg_database, case, 30), case.query


def test_words_fold_and_stem_the_same_way_for_records_and_queries() -> None:
    assert search.words("Ål, ÅL og «ål»!") == ["ål", "ål", "og", "ål"]
    assert search.fold("ål") == "al" and search.fold("særskilt") == "saerskilt"
    assert search.fold("øst") == "ost" and search.fold("café") == "cafe"
    assert "mottak" in search.forms("mottakene").stems
    assert "avtal" in search.forms("avtalene").stems
    assert "archiv" in search.forms("archiving").stems  # English
    assert search.words("ＦＵＬＬ２０２６") == ["full2026"]  # fullwidth, NFKC
    assert search.query_words("retur retur RETUR") == ["retur"]


@pytest.mark.parametrize(
    "query",
    [
        'dublin" OR "x',
        "'a' | 'b'",
        "*",
        "(",
        ")",
        "NEAR(a b)",
        "retur:*",
        "a & !b",
        "\\",
        "k:issue",
    ],
)
def test_query_syntax_typed_by_users_is_read_as_words(db: Database, query: str) -> None:
    load(db)
    with db.session() as session:
        search.search(session, query)  # no error: operators are not syntax
        assert search.search(session, 'dublin" OR "x') == []  # "or" and "x" must match too


def test_a_record_indexed_again_matches_its_new_text_and_keeps_its_place(db: Database) -> None:
    with db.session() as session:
        search.index(session, [search.Document(search.ISSUE, 1, "Tolk mangler", (), "")])
        search.index(session, [search.Document(search.ISSUE, 2, "Tolk mangler", (), "")])
        session.commit()
    with db.session() as session:
        notes = "Ny avtale med formidler"
        search.index(session, [search.Document(search.ISSUE, 1, "Tolk mangler", (), notes)])
        session.commit()
    with db.session() as session:
        assert [h.record_id for h in search.search(session, "formidler")] == [1]
        assert [h.record_id for h in search.search(session, "tolk")] == [2, 1]  # order kept
        count = session.scalar(text("SELECT count(*) FROM search_docs"))
        assert count == 2


def test_an_index_written_in_a_transaction_that_rolls_back_is_gone(db: Database) -> None:
    with db.session() as session:
        search.index(session, [search.Document(search.DECISION, 1, "Returavtale", (), "")])
        session.rollback()
    with db.session() as session:
        assert search.search(session, "returavtale") == []
        assert search.search(session, "retur") == []  # the vocabulary rolled back too


def test_typos_are_tried_only_when_nothing_matches_and_only_for_long_words(db: Database) -> None:
    with db.session() as session:
        search.index(
            session,
            [
                search.Document(search.DECISION, 1, "Uttransport av familier", (), ""),
                search.Document(search.DECISION, 2, "Uttrasport", (), "a record with the typo"),
                search.Document(search.DECISION, 3, "Tolk", (), ""),
            ],
        )
        session.commit()
    with db.session() as session:
        # the typed form is in the register: only it is found
        assert [h.record_id for h in search.search(session, "uttrasport")] == [2]
        assert [h.record_id for h in search.search(session, "uttransprt")] == [1]
        assert search.search(session, "tolx") == []  # four letters: no typo tolerance
        found = search.search(session, "famlier")  # two letters swapped
        assert [h.record_id for h in found] == [1] and found[0].level >= len(search.LEVELS)


def test_a_snippet_shows_the_words_around_the_match() -> None:
    text_ = ("Innledning. " * 20) + "Reisedokumentene fra ambassaden kom i går. " + "Slutt. " * 20
    cut = search.snippet(text_, "reisedokument", width=60)
    assert cut.startswith("…") and cut.endswith("…") and "Reisedokumentene" in cut
    assert len(cut) <= 62
    assert search.snippet("Kort tekst", "finnes ikke") == "Kort tekst"
    assert search.snippet("", "x") == ""
    assert search.snippet("Linje én\n\nLinje   to", "to") == "Linje én · Linje to"


def test_the_migration_builds_the_index_for_records_made_before_it(db: Database) -> None:
    migrate.downgrade(db.engine, "0005")
    made = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO decisions (id, number, title, details, decided_by, basis, decided_on, "
                "author, status, created_at) VALUES (1, 1, 'Felles rutine for uttransport', "
                "'Gjelder alle', 'AUAs ledermøte', '', :day, 'U1', 'active', :made)"
            ),
            {"day": date(2026, 1, 5), "made": made},
        )
        connection.execute(text("INSERT INTO decision_tags VALUES (1, 'retur')"))
        connection.execute(
            text(
                "INSERT INTO issues (id, number, title, description, reporter, owner, priority, "
                "status, created_at, last_activity_at) VALUES (1, 1, 'Tolk mangler', '', 'U1', "
                "'U1', 'normal', 'open', :made, :made)"
            ),
            {"made": made},
        )
        connection.execute(
            text(
                "INSERT INTO issue_notes (issue_id, author, text, created_at) "
                "VALUES (1, 'U1', 'Ny avtale med tolkeformidler', :made)"
            ),
            {"made": made},
        )
        connection.execute(
            text(
                "INSERT INTO meetings (id, number, series_key, title, starts_at, ends_at, place, "
                "status, sequence, created_by, created_at, updated_at) VALUES (1, 1, 'nettverk', "
                "'Returnettverket', :made, :made, 'Rom 3', 'scheduled', 0, 'U1', :made, :made)"
            ),
            {"made": made},
        )
        connection.execute(
            text(
                "INSERT INTO agenda_items (meeting_id, text, author, created_at) "
                "VALUES (1, 'Statistikk for kvartalet', 'U1', :made)"
            ),
            {"made": made},
        )
    migrate.upgrade(db.engine)
    with db.session() as session:
        assert [h.kind for h in search.search(session, "rutinen")] == [search.DECISION]
        assert [h.kind for h in search.search(session, "ledermøte")] == [search.DECISION]
        assert [h.kind for h in search.search(session, "tolkeformidleren")] == [search.ISSUE]
        assert [h.kind for h in search.search(session, "kvartalet")] == [search.MEETING]
        assert [h.kind for h in search.search(session, "retur")] == [
            search.MEETING,  # a compound in the title
            search.DECISION,  # a tag
        ]


def test_a_list_of_hits_reads_no_record_twice_and_nothing_it_does_not_show(db: Database) -> None:
    """``lean``: a hit's line and snippet need the record and its text, not its departments
    or tags: one statement loads the decisions, and showing them asks for nothing more."""
    from bot.search import find
    from handlers.views.search import hits
    from storage.models import Decision, DecisionDepartment, DecisionTag

    with db.session() as session:
        for number in range(1, 13):
            decision = Decision(
                number=number, title=f"Felles rutine for retur {number}",
                decided_on=date(2026, 3, 28), author="U1", details="Gjelder alle avdelinger",
                departments=[DecisionDepartment(department=c) for c in ("RMA", "PU")],
                tags=[DecisionTag(tag="retur")],
            )  # fmt: skip
            session.add(decision)
            session.flush()
            search.index(session, [search.of_decision(decision)])
    with statements(db) as seen, db.session() as session:
        found = find(session, words="rutine", kinds=(search.DECISION,), lean=True)
        loading = len(seen)
        text_, _blocks = hits(found, "nb")
        assert len(found) == 10 and "D-12" in text_ and "Gjelder alle" in text_
        assert len(seen) == loading, seen[loading:]  # nothing lazily loaded
    # one statement for the decisions (the index's are compiled ones, not counted here)
    assert len([s for s in seen if "FROM decisions" in s]) == 1
    assert not [s for s in seen if "decision_tags" in s or "decision_departments" in s]
