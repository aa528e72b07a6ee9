"""Screening a record from public access (SPEC §10): who may, which words, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import decisions, issues, meetings, screening
from bot.context import Actor
from bot.decisions import DecisionInput
from bot.errors import UserError
from bot.issues import IssueInput
from bot.meetings import MeetingInput
from bot.runtime import Runtime
from storage import common
from storage.models import AuditEntry, Decision

KARI = Actor("UKARI", "nb")
OLA = Actor("UOLA", "nb")
COORD = Actor("UCOORD", "nb", is_coordinator=True)


def log(rt: Runtime, title: str, actor: Actor = KARI) -> int:
    with rt.db.session() as s:
        data = DecisionInput(title=title)
        return decisions.log(s, org=rt.org, actor=actor, data=data, now=rt.clock.now()).number


def screen(rt: Runtime, number: int, basis: str | None, actor: Actor = KARI, **kw: str) -> Decision:
    with rt.db.session() as s:
        return screening.screen_decision(
            s, actor=actor, number=number, basis=basis, now=rt.clock.now(), **kw
        )


def test_the_author_screens_chosen_words_and_the_public_sees_stars(runtime: Runtime) -> None:
    number = log(runtime, "Retur av Per Hansen til Irak")
    d = screen(runtime, number, " Offl. § 13 ", marked_title="Retur av **Per Hansen** til Irak")
    assert (d.screening, d.title) == ("Offl. § 13", "Retur av Per Hansen til Irak")
    assert screening.public_title(d) == "Retur av ***** til Irak"
    with runtime.db.session() as s:
        trail = common.audit_trail(s, "decision", d.id)
        assert trail[-1].action == "screened" and trail[-1].actor == "UKARI"
        assert trail[-1].changes["screening"] == [None, "Offl. § 13"]


def test_without_marks_the_whole_title_is_screened(runtime: Runtime) -> None:
    d = screen(runtime, log(runtime, "Saken om Kåre"), "Offl. § 14")
    assert d.screened_title is None and screening.public_title(d) == screening.MASK


def test_a_title_typed_with_marks_gives_its_own(runtime: Runtime) -> None:
    number = log(runtime, "Møte med **Ahmed K.** og **Lise**")
    d = screen(runtime, number, "Offl. § 13", actor=COORD)
    assert d.title == "Møte med Ahmed K. og Lise"
    assert screening.public_title(d) == "Møte med ***** og *****"
    with runtime.db.session() as s:
        last = common.audit_trail(s, "decision", d.id)[-1]
        assert last.changes["title"] == ["Møte med **Ahmed K.** og **Lise**", d.title]


def test_only_the_author_or_a_coordinator_may_screen(runtime: Runtime) -> None:
    number = log(runtime, "Felles rutine")
    with pytest.raises(UserError) as refused:
        screen(runtime, number, "Offl. § 13", actor=OLA)
    assert refused.value.key == "screening.not_allowed"
    assert refused.value.params == {"ref": f"D-{number}", "author": "UKARI"}
    assert screen(runtime, number, "Offl. § 13", actor=COORD).screening == "Offl. § 13"


def test_marks_must_fit_the_title_and_bad_input_writes_nothing(runtime: Runtime) -> None:
    number = log(runtime, "Retur av Per Hansen")
    cases = [
        ({"basis": "§ 13", "marked_title": "Retur av **Pål Hansen**"}, "screening.marks_differ"),
        ({"basis": "Offl. § 13", "marked_title": "Retur av Per Hansen"}, "screening.no_marks"),
        ({"basis": "x" * 101}, "safety.too_long"),
        ({"basis": "Gjelder 260692 35653"}, "safety.identity_number"),
        ({"basis": None}, "screening.not_screened"),
    ]  # fmt: skip
    for fields, key in cases:
        with pytest.raises(UserError) as refused:
            screen(runtime, number, **fields)  # type: ignore[arg-type]
        assert refused.value.key == key, fields
    with runtime.db.session() as s:
        d = decisions.get(s, number)
        assert d.screening is None and d.screened_title is None
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == d.id))
        assert list(actions) == ["logged"]


def test_a_screening_is_lifted_with_no_basis(runtime: Runtime) -> None:
    number = log(runtime, "Retur av Per Hansen")
    screen(runtime, number, "Offl. § 13", marked_title="Retur av **Per Hansen**")
    d = screen(runtime, number, "")
    assert (d.screening, d.screened_title) == (None, None)
    assert screening.public_title(d) == "Retur av Per Hansen"


def test_issues_and_meetings_are_screened_by_their_reporter_or_scheduler(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as s:
        data = IssueInput(title="Retur av **Ola N.**", departments=["RMA"])
        issue = issues.register(s, org=runtime.org, actor=OLA, data=data, now=now)
        start = now + timedelta(days=7)
        made = meetings.schedule(
            s, org=runtime.org, actor=COORD, data=MeetingInput("network", start), now=now
        )
    with runtime.db.session() as s:
        with pytest.raises(UserError, match=r"screening\.not_allowed"):
            screening.screen_issue(s, actor=KARI, number=issue.number, basis="§ 13", now=now)
        screened = screening.screen_issue(s, actor=OLA, number=issue.number, basis="§ 13", now=now)
        assert screening.public_title(screened) == "Retur av *****"
        with pytest.raises(UserError, match=r"screening\.not_allowed"):
            screening.screen_meeting(
                s, actor=OLA, number=made.meeting.number, basis="§ 13", now=now
            )
        meeting = screening.screen_meeting(
            s, actor=COORD, number=made.meeting.number, basis="§ 13", now=now
        )
        assert screening.public_title(meeting) == screening.MASK
    with runtime.db.session() as s, pytest.raises(UserError, match=r"common\.issue_not_found"):
        screening.screen_issue(s, actor=COORD, number=99, basis="§ 13", now=now)


def test_a_record_made_with_a_screening_is_stored_without_its_marks(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as s:
        data = DecisionInput(title="Retur av **Per Hansen** til Irak", screening=" Offl. § 13 ")
        d = decisions.log(s, org=runtime.org, actor=KARI, data=data, now=now)
        assert (d.title, d.screening) == ("Retur av Per Hansen til Irak", "Offl. § 13")
        assert d.screened_title == "Retur av **Per Hansen** til Irak"
        trail = common.audit_trail(s, "decision", d.id)
        assert [e.action for e in trail] == ["logged", "screened"]
        assert trail[0].changes["title"] == d.title
    with runtime.db.session() as s:
        plain = decisions.log(
            s, org=runtime.org, actor=KARI, data=DecisionInput(title="Uten **skjerming**"), now=now
        )
        assert (plain.title, plain.screening) == ("Uten **skjerming**", None)


def test_what_a_new_screening_refuses(runtime: Runtime) -> None:
    cases = [
        ("Tittel", "", "screening.basis_required"),
        ("Tittel", "  ", "screening.basis_required"),
        ("Retur av **Ola", "§ 13", "screening.unclosed_marks"),
        ("**Ola** og **Per", "§ 13", "screening.unclosed_marks"),
        ("Tittel", "x" * 101, "safety.too_long"),
    ]
    for title, basis, key in cases:
        with pytest.raises(UserError) as refused:
            screening.asked(title, basis)
        assert refused.value.key == key, (title, basis)
    with pytest.raises(UserError) as refused:
        screening.asked("Tittel", "x" * 101)
    assert refused.value.params["field"] == "skjerming"
    assert screening.asked("Ti **tt** el", None) == ("Ti **tt** el", None)
    assert screening.asked("Ti **tt** el", "§ 13") == (
        "Ti tt el",
        screening.Asked("§ 13", "Ti **tt** el"),
    )
    assert screening.asked("Tittel", "x" * 100)[1] == screening.Asked("x" * 100, None)


def test_a_meeting_series_is_not_screened_as_a_whole(runtime: Runtime) -> None:
    now = runtime.clock.now()
    start = now + timedelta(days=7)
    series = MeetingInput("network", start, repeat="monthly", screening="§ 13")
    with runtime.db.session() as s, pytest.raises(UserError, match=r"not_for_series"):
        meetings.schedule(s, org=runtime.org, actor=COORD, data=series, now=now)
    with runtime.db.session() as s:
        data = MeetingInput("network", start, title="Om **Ola**", screening="§ 13")
        made = meetings.schedule(s, org=runtime.org, actor=COORD, data=data, now=now)
        assert screening.public_title(made.meeting) == "Om *****"
        assert screening.screened_words(made.meeting) == ["Ola"]
        issue = issues.register(
            s, org=runtime.org, actor=OLA, now=now,
            data=IssueInput(title="Saken", departments=["RMA"], screening="§ 13"),
        )  # fmt: skip
        assert screening.public_title(issue) == screening.MASK
        assert screening.screened_words(issue) == []
