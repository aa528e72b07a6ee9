"""The numbers behind the /reports page (SPEC §9): open issues per department week by week,
time to acknowledge, decisions per month, what is overdue now; and the coordinators' download
of a list's current filter in the export's format (SPEC §7).

Keyword-only arguments after the session, plain data out, never a commit.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from bot import export, register
from bot.context import Actor
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from bot.register import DecisionFilter, Forbidden
from storage.models import Decision, DecisionDepartment, Issue, IssueDepartment


@dataclass(frozen=True)
class WeekCount:
    """Issues open at the end of one ISO week (Sunday, local time), per department."""

    week: str  # "2026-W48"
    ends: date  # that Sunday
    open: Mapping[str, int]  # department -> issues affecting it open then


def open_by_week(
    session: Session, *, org: OrgConfig, now: datetime, weeks: int = 12
) -> list[WeekCount]:
    """The open issues of each affected department at the end of each of the last ``weeks``
    weeks, this one (up to now) last; an issue reopened counts from its reopening only."""
    today = now.astimezone(org.timezone).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    ends = [min(_local_midnight(org, m + timedelta(days=7)), now) for m in mondays]

    # one pass: for each week's end, the issues registered before it and not closed by then
    # open at a week's end = open now + closed since that end - registered since that end (an
    # issue registered since is open now or was closed since; issues close after they open):
    # the issues open now and what changed in these weeks, each read through its index
    now_open = session.execute(
        select(IssueDepartment.department, func.count())
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(Issue.closed_at.is_(None))
        .group_by(IssueDepartment.department)
    ).all()
    # the moments as the database holds them (UTC), compared with the ends as UTC likewise:
    # thousands of rows are not each made aware first
    connection = session.connection()
    opened = connection.execute(
        select(IssueDepartment.department, type_coerce(Issue.created_at, DateTime()))
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(Issue.created_at >= ends[0])
    ).all()
    closed = connection.execute(
        select(IssueDepartment.department, type_coerce(Issue.closed_at, DateTime()))
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(Issue.closed_at >= ends[0])
    ).all()
    start: dict[str, int] = dict.fromkeys(org.department_codes, 0)
    start.update({code: count for code, count in now_open})
    registered: dict[str, list[datetime]] = {}
    closings: dict[str, list[datetime]] = {}
    for code, created_at in opened:
        registered.setdefault(code, []).append(created_at)
    for code, closed_at in closed:
        if closed_at is not None:  # the query asks for closed issues only
            closings.setdefault(code, []).append(closed_at)
    codes = list(start) + sorted({*registered, *closings} - start.keys())
    for times in (*registered.values(), *closings.values()):
        times.sort()

    def since(moments: list[datetime], end: datetime) -> int:
        return len(moments) - bisect_left(moments, end)

    out: list[WeekCount] = []
    for monday, end in zip(mondays, ends, strict=True):
        utc = _naive_utc(end)
        counts = {
            code: start.get(code, 0)
            + since(closings.get(code, []), utc)
            - since(registered.get(code, []), utc)
            for code in codes
        }
        year, number, _ = monday.isocalendar()
        out.append(WeekCount(f"{year}-W{number:02d}", monday + timedelta(days=6), counts))
    return out


def _naive_utc(moment: datetime) -> datetime:
    """``moment`` as a UTC datetime column holds it: UTC, without its zone."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _local_midnight(org: OrgConfig, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=org.timezone).astimezone(UTC)


@dataclass(frozen=True)
class AckTimes:
    """How long one department took to acknowledge the issues it acknowledged."""

    department: str
    count: int
    median: timedelta
    longest: timedelta


def ack_times(session: Session, *, org: OrgConfig, since: datetime | None = None) -> list[AckTimes]:
    """Median and longest time from registration to acknowledgement, per department (of the
    issues registered since ``since``, if given), in the organisation's order of departments."""
    # both moments as the database holds them (UTC, as they were written): only their
    # difference is wanted, so tens of thousands of rows are not each made aware first
    stmt = (
        select(
            IssueDepartment.department,
            type_coerce(Issue.created_at, DateTime()),
            type_coerce(IssueDepartment.acked_at, DateTime()),
        )
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(IssueDepartment.acked_at.is_not(None))
    )
    if since is not None:
        stmt = stmt.where(Issue.created_at >= since)
    waited: dict[str, list[timedelta]] = {}
    for code, created, acked in session.connection().execute(stmt):
        if acked is not None:  # the query asks for acknowledged rows only
            waited.setdefault(code, []).append(max(acked - created, timedelta(0)))
    order = {code: n for n, code in enumerate(org.department_codes)}
    return [
        AckTimes(code, len(times), median(times), max(times))
        for code, times in sorted(
            waited.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        )
    ]


def median(values: Sequence[timedelta]) -> timedelta:
    """The median of durations (the mean of the middle two for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class MonthCount:
    month: str  # "2026-11"
    decided: Mapping[str, int]  # department -> decisions concerning it decided that month


def decisions_by_month(
    session: Session, *, org: OrgConfig, now: datetime, months: int = 12
) -> list[MonthCount]:
    """Decisions decided in each of the last ``months`` months (this one last), per department
    they concern; a decision for two departments counts for each."""
    today = now.astimezone(org.timezone).date()
    firsts = [_months_back(today.replace(day=1), n) for n in range(months - 1, -1, -1)]
    rows = session.execute(
        select(DecisionDepartment.department, Decision.decided_on, func.count())
        .join(Decision, Decision.id == DecisionDepartment.decision_id)
        .where(Decision.decided_on >= firsts[0], Decision.decided_on <= today)
        .group_by(DecisionDepartment.department, Decision.decided_on)
    ).all()
    counts: dict[str, dict[str, int]] = {
        f"{d.year}-{d.month:02d}": dict.fromkeys(org.department_codes, 0) for d in firsts
    }
    for code, decided, count in rows:
        month = counts[f"{decided.year}-{decided.month:02d}"]
        month[code] = month.get(code, 0) + count
    return [MonthCount(month, decided) for month, decided in counts.items()]


def _months_back(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


ACK_PERIOD = timedelta(days=365)  # the acknowledgements the report reads: of a year's issues
OVERDUE_LISTED = 50  # past-due issues the report names; the counts hold them all


@dataclass(frozen=True)
class Overdue:
    """What is overdue now: open issues past their due date, and acknowledgements not given
    within the organisation's ``ack_within``, per department."""

    past_due: Sequence[Issue]  # the most overdue first, at most OVERDUE_LISTED of them
    past_due_total: int  # every open issue past its due date
    past_due_by_department: Mapping[str, int]  # department -> those of them affecting it
    unacknowledged: Mapping[str, int]  # department -> open issues it has not acknowledged in time

    def past_due_of(self, code: str) -> int:
        """The open issues past their due date that affect ``code``."""
        return self.past_due_by_department.get(code, 0)


def overdue_now(session: Session, *, org: OrgConfig, now: datetime) -> Overdue:
    """The open issues past their due date and the late acknowledgements, as of ``now``."""
    today = now.astimezone(org.timezone).date()
    late_issue = and_(Issue.status == "open", Issue.due.is_not(None), Issue.due < today)
    past_due = session.scalars(
        select(Issue).where(late_issue).order_by(Issue.due, Issue.number).limit(OVERDUE_LISTED)
    )
    total = session.scalar(select(func.count()).select_from(Issue).where(late_issue)) or 0
    by_department = session.execute(
        select(IssueDepartment.department, func.count())
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(late_issue)
        .group_by(IssueDepartment.department)
    )
    late = session.execute(
        select(IssueDepartment.department, func.count())
        .join(Issue, Issue.id == IssueDepartment.issue_id)
        .where(
            Issue.status == "open",
            IssueDepartment.acked_at.is_(None),
            Issue.created_at < now - org.ack_within,
        )
        .group_by(IssueDepartment.department)
    )
    return Overdue(
        past_due=list(past_due),
        past_due_total=total,
        past_due_by_department={code: count for code, count in by_department},
        unacknowledged={code: count for code, count in late},
    )


@dataclass(frozen=True)
class Report:
    """Everything the /reports page shows, as of ``now``."""

    now: datetime
    weeks: Sequence[WeekCount]
    ack: Sequence[AckTimes]
    months: Sequence[MonthCount]
    overdue: Overdue
    departments: Sequence[str]  # the columns, in the organisation's order


def report(session: Session, *, org: OrgConfig, now: datetime) -> Report:
    """The four reports of SPEC §9 as of ``now``."""
    return Report(
        now=now,
        weeks=open_by_week(session, org=org, now=now),
        ack=ack_times(session, org=org, since=now - ACK_PERIOD),
        months=decisions_by_month(session, org=org, now=now),
        overdue=overdue_now(session, org=org, now=now),
        departments=tuple(org.department_codes),
    )


# the coordinators' download of a list's current filter (SPEC §9), in the export's format

FORMATS = ("csv", "json")


def require_download(actor: Actor) -> None:
    """Only coordinators download the register (SPEC §9); the others get a sentence."""
    if not actor.is_coordinator:
        raise Forbidden("web.error.coordinators_only")


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise UserError("web.error.bad_format", value=value[:20])
    return value


def decision_download(
    session: Session, *, actor: Actor, filters: DecisionFilter
) -> Iterator[dict[str, Any]]:
    """The decisions the /decisions page's ``filters`` select (every page of them), as the
    export writes them (SPEC §7)."""
    require_download(actor)
    wanted = set(register.decision_numbers(session, filters=filters))
    refs = {Decision.ref_of(n) for n in wanted}
    return (row for row in export.decisions(session) if row["id"] in refs)


def issue_download(session: Session, *, actor: Actor) -> Iterator[dict[str, Any]]:
    """The issues the /issues board shows (the open ones, every page), as the export writes
    them (SPEC §7)."""
    require_download(actor)
    return (row for row in export.issues(session) if row["status"] == "open")


def write(records: Iterator[dict[str, Any]], out: Any, *, kind: str, fmt: str) -> int:
    """``records`` to ``out`` as the export writes them: CSV or JSON."""
    if fmt == "csv":
        return export.write_csv(records, out, kind)
    return export.write_json(records, out)
