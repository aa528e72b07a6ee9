"""The decision log's rules, against a real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot import decisions
from bot.context import Actor, ManualClock
from bot.decisions import DecisionInput
from bot.errors import UserError
from bot.runtime import Runtime
from storage import common
from storage.models import AuditEntry, Decision

KARI = Actor("UKARI", "nb")
OLA = Actor("UOLA", "nb")
COORD = Actor("UCOORD", "nb", is_coordinator=True)


def log(rt: Runtime, actor: Actor = KARI, **fields: object) -> Decision:
    data = DecisionInput(**{"title": "Felles rutine", **fields})  # type: ignore[arg-type]
    with rt.db.session() as session:
        return decisions.log(session, org=rt.org, actor=actor, data=data, now=rt.clock.now())


def count(rt: Runtime) -> int:
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(Decision)) or 0


def test_numbers_are_sequential_and_defaults_apply(runtime: Runtime) -> None:
    first = log(runtime, departments=["rma", "PU", "RMA"], tags=["#Retur", "dublin"])
    second = log(runtime)
    assert (first.number, second.number) == (1, 2)
    with runtime.db.session() as session:
        d = decisions.get(session, 1)
        assert [x.department for x in d.departments] == ["PU", "RMA"]
        assert [x.tag for x in d.tags] == ["dublin", "retur"]
        assert d.decided_on == date(2026, 11, 25)
        assert d.status == "active" and d.author == "UKARI"


def test_bad_input_writes_nothing(runtime: Runtime) -> None:
    cases = [
        ({"title": ""}, "safety.required"),
        ({"title": "x" * 201}, "safety.too_long"),
        ({"details": "y" * 3001}, "safety.too_long"),
        ({"details": "Gjelder 010190 10127"}, "safety.identity_number"),
        ({"departments": ["XYZ"]}, "common.unknown_department"),
        ({"decided_on": date(2026, 12, 24)}, "decision.future_date"),
        ({"supersedes": 9}, "decision.not_found"),
        ({"meeting": 3}, "common.meeting_not_found"),
        ({"issue": 4}, "common.issue_not_found"),
        ({"tags": ["bad tag!"]}, "decision.bad_tag"),
    ]
    for fields, key in cases:
        with pytest.raises(UserError) as caught:
            log(runtime, **fields)
        assert caught.value.key == key, fields
    assert count(runtime) == 0
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        # no number was used up by the refused attempts
    assert log(runtime).number == 1


def test_eleven_digits_failing_the_check_are_accepted(runtime: Runtime) -> None:
    assert log(runtime, details="Saksnummer 12345678901").number == 1


def test_supersede_chain_is_visible_from_both_ends(runtime: Runtime) -> None:
    log(runtime)
    log(runtime, supersedes=1)
    log(runtime, supersedes=2)
    with runtime.db.session() as session:
        first, third = decisions.get(session, 1), decisions.get(session, 3)
        assert first.status == "superseded" and first.superseded_by is not None
        assert first.superseded_by.number == 2
        from storage.decisions import chain

        older, newer = chain(third)
        assert [d.number for d in older] == [2, 1] and newer == []
        older, newer = chain(first)
        assert older == [] and [d.number for d in newer] == [2, 3]
    with pytest.raises(UserError) as caught:
        log(runtime, supersedes=1)
    assert caught.value.key == "decision.already_superseded"
    assert caught.value.params["by"] == "D-2"


def test_revoke_by_author_or_coordinator_only(runtime: Runtime, clock: ManualClock) -> None:
    log(runtime)
    with runtime.db.session() as session, pytest.raises(UserError) as caught:
        decisions.revoke(session, actor=OLA, number=1, reason="feil", now=clock.now())
    assert caught.value.key == "decision.revoke_not_allowed"
    with runtime.db.session() as session:
        decisions.revoke(
            session, actor=COORD, number=1, reason="Erstattet av ny instruks", now=clock.now()
        )
    with runtime.db.session() as session:
        d = decisions.get(session, 1)
        assert (d.status, d.revoked_by, d.revoked_reason) == (
            "revoked",
            "UCOORD",
            "Erstattet av ny instruks",
        )
        trail = common.audit_trail(session, "decision", d.id)
        assert [e.action for e in trail] == ["logged", "revoked"]
    with runtime.db.session() as session, pytest.raises(UserError) as caught:
        decisions.revoke(session, actor=KARI, number=1, reason="igjen", now=clock.now())
    assert caught.value.key == "decision.already_revoked"
    with pytest.raises(UserError) as caught:
        log(runtime, supersedes=1)
    assert caught.value.key == "decision.supersede_revoked"


def test_list_filters_and_order(runtime: Runtime) -> None:
    log(runtime, title="A", decided_on=date(2026, 10, 1), departments=["RMA"], tags=["x"])
    log(runtime, title="B", decided_on=date(2026, 11, 20), departments=["PU"])
    log(runtime, title="C", decided_on=date(2026, 11, 20), departments=["RMA"], tags=["x"])
    with runtime.db.session() as session:
        found, total = decisions.latest(session, runtime.org)
        assert [d.title for d in found] == ["C", "B", "A"] and total == 3
        found, total = decisions.latest(session, runtime.org, department="rma")
        assert [d.title for d in found] == ["C", "A"]
        found, _ = decisions.latest(session, runtime.org, since=date(2026, 11, 1), tag="#X")
        assert [d.title for d in found] == ["C"]
        found, total = decisions.latest(session, runtime.org, limit=1)
        assert len(found) == 1 and total == 3


def test_search_ranks_title_matches_first(runtime: Runtime) -> None:
    log(runtime, title="Rutine for uttransport", details="Gjelder Dublin-saker")
    log(runtime, title="Dublin-overføringer til Italia", details="Midlertidig stans")
    log(runtime, title="Mottak", details="Ingenting om det", tags=["dublin"])
    log(runtime, title="Annet", details="Helt urelatert")
    with runtime.db.session() as session:
        found = decisions.find(session, "dublin")
        assert [d.number for d in found][0] == 2
        assert {d.number for d in found} == {1, 2, 3}
        assert [d.number for d in decisions.find(session, "dubl ital")] == [2]
        assert decisions.find(session, "finnesikke") == []
        with pytest.raises(UserError):
            decisions.find(session, "  ' \" * ")
        # operators and quotes typed by users are words, not syntax
        assert decisions.find(session, 'dublin" OR "x') == []
