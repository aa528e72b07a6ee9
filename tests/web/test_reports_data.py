"""The numbers behind /reports (SPEC §9), from records made through the use cases: open issues
per department week by week, time to acknowledge, decisions per month, what is overdue now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot import decisions, issues, reports
from bot.context import ManualClock
from bot.decisions import DecisionInput
from bot.issues import IssueInput
from bot.runtime import Runtime
from tests.conftest import COORDINATOR


def _at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _register(
    rt: Runtime, clock: ManualClock, when: datetime, codes: list[str], **kw: object
) -> int:
    clock.set(when)
    with rt.db.session() as session:
        actor = rt.actor(session, COORDINATOR)
        data = IssueInput(title=f"Sak {when:%d.%m %H}", departments=codes, **kw)  # type: ignore[arg-type]
        return issues.register(session, org=rt.org, actor=actor, data=data, now=when).number


def _ack(rt: Runtime, when: datetime, number: int, code: str) -> None:
    with rt.db.session() as session:
        actor = rt.actor(session, COORDINATOR)
        issues.acknowledge(session, org=rt.org, actor=actor, number=number, code=code, now=when)


def _seed(rt: Runtime, clock: ManualClock) -> tuple[int, int, int]:
    first = _register(rt, clock, _at(10, 10), ["RMA", "PU"])  # week 46
    _ack(rt, _at(10, 12), first, "RMA")  # 2 hours
    _ack(rt, _at(12, 10), first, "PU")  # 2 days
    second = _register(rt, clock, _at(17, 10), ["RMA"])  # week 47
    _ack(rt, _at(17, 14), second, "RMA")  # 4 hours
    with rt.db.session() as session:
        actor = rt.actor(session, COORDINATOR)
        issues.close(session, actor=actor, number=second, now=_at(20, 9))
    third = _register(rt, clock, _at(24, 10), ["PU"], due=date(2026, 11, 26))  # week 48
    return first, second, third


def test_open_issues_per_department_week_by_week(runtime: Runtime, clock: ManualClock) -> None:
    _seed(runtime, clock)
    now = _at(27, 12)
    with runtime.db.session() as session:
        weeks = reports.open_by_week(session, org=runtime.org, now=now, weeks=4)
    assert [w.week for w in weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert weeks[-1].ends == date(2026, 11, 29)
    assert [(w.open["RMA"], w.open["PU"]) for w in weeks] == [(0, 0), (1, 1), (1, 1), (1, 2)]
    assert all(w.open["UNE"] == 0 for w in weeks)  # every department has its line


def test_median_and_longest_time_to_acknowledge(runtime: Runtime, clock: ManualClock) -> None:
    _seed(runtime, clock)
    with runtime.db.session() as session:
        found = {a.department: a for a in reports.ack_times(session, org=runtime.org)}
        recent = reports.ack_times(session, org=runtime.org, since=_at(15, 0))
    assert set(found) == {"RMA", "PU"}
    assert (found["RMA"].count, found["RMA"].median, found["RMA"].longest) == (
        2,
        timedelta(hours=3),
        timedelta(hours=4),
    )
    assert (found["PU"].count, found["PU"].median) == (1, timedelta(days=2))
    assert [(a.department, a.count) for a in recent] == [("RMA", 1)]


def test_the_median_of_an_odd_and_an_even_count() -> None:
    hours = [timedelta(hours=h) for h in (5, 1, 3)]
    assert reports.median(hours) == timedelta(hours=3)
    assert reports.median(hours[:2]) == timedelta(hours=3)


def test_decisions_per_month_per_department(runtime: Runtime, clock: ManualClock) -> None:
    with runtime.db.session() as session:
        actor = runtime.actor(session, COORDINATOR)
        for title, codes, day in [
            ("Oktober", ["RMA"], date(2026, 10, 3)),
            ("Oktober to", ["RMA", "PU"], date(2026, 10, 30)),
            ("November", ["PU"], date(2026, 11, 2)),
            ("For lenge siden", ["PU"], date(2026, 8, 31)),
        ]:
            data = DecisionInput(title=title, departments=codes, decided_on=day)
            decisions.log(session, org=runtime.org, actor=actor, data=data, now=clock.now())
        months = reports.decisions_by_month(session, org=runtime.org, now=clock.now(), months=3)
    assert [m.month for m in months] == ["2026-09", "2026-10", "2026-11"]
    assert [(m.decided["RMA"], m.decided["PU"]) for m in months] == [(0, 0), (2, 1), (0, 1)]


def test_a_year_of_months_crosses_new_year() -> None:
    assert reports._months_back(date(2026, 2, 1), 3) == date(2025, 11, 1)


def test_what_is_overdue_now(runtime: Runtime, clock: ManualClock) -> None:
    _first, _second, third = _seed(runtime, clock)
    with runtime.db.session() as session:
        before = reports.overdue_now(session, org=runtime.org, now=_at(25, 12))
        after = reports.overdue_now(session, org=runtime.org, now=_at(27, 12))
    assert before.past_due == [] and dict(before.unacknowledged) == {}
    assert [i.number for i in after.past_due] == [third]
    assert dict(after.unacknowledged) == {"PU": 1}
