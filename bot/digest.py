"""The weekly digest (SPEC §4.4, §5): what happened this week, what is open, what comes next.

The week runs Monday to Sunday in the organisation's time zone. A scheduled digest is posted
exactly once per ISO week: posting claims the week with a ``DigestRun`` row (unique per week) in
the same transaction that queues the message, so a second scheduler process, a restart or a
crash can never post it twice; a digest missed while the bot was down goes out when it comes
back, if it is still the same week.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import bindings, outbox, permissions
from bot.context import Actor
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from bot.text.i18n import t
from storage import common
from storage import digest as store
from storage.models import AuditEntry, Decision, DigestRun, Issue, Meeting

KIND = "digest"
SHOWN = 10  # items listed per section before "… and N more"
# every item, to be filtered by department (a shared channel's digest): the week's and the open
# issues, never the whole history
ALL = 100_000
INSTALLED = "installed_at"
# the cron job fires at the slot; a run a moment early still counts as the slot's
EARLY = timedelta(seconds=5)


@dataclass(frozen=True)
class Week:
    start: datetime  # Monday 00:00 local
    end: datetime  # the next Monday 00:00 local

    @property
    def label(self) -> str:
        year, number, _ = self.start.date().isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def number(self) -> int:
        return self.start.date().isocalendar()[1]

    @property
    def last_day(self) -> date:
        return self.start.date() + timedelta(days=6)


def week_of(now: datetime, org: OrgConfig) -> Week:
    today = now.astimezone(org.timezone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=org.timezone)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=org.timezone)
    return Week(start, end)


def slot(week: Week, org: OrgConfig) -> datetime:
    """When this week's scheduled digest is due (config times never fall in the DST hour)."""
    day = week.start.date() + timedelta(days=org.digest_weekday)
    return datetime.combine(day, org.digest_time, tzinfo=org.timezone)


@dataclass
class Digest:
    week: Week
    today: date
    decisions: list[Decision] = field(default_factory=list)
    decisions_total: int = 0
    decisions_per_department: dict[str, int] = field(default_factory=dict)
    opened: list[Issue] = field(default_factory=list)
    opened_total: int = 0
    closed: list[Issue] = field(default_factory=list)
    closed_total: int = 0
    overdue: list[Issue] = field(default_factory=list)
    overdue_total: int = 0
    waiting: list[Issue] = field(default_factory=list)
    waiting_total: int = 0
    open_per_department: dict[str, tuple[int, int]] = field(default_factory=dict)
    meetings: list[tuple[Meeting, int]] = field(default_factory=list)
    meetings_total: int = 0
    lookahead_days: int = 14
    # the departments it is about: None for all; in a channel shared with other organisations
    # only those bound to that channel (SPEC §8)
    departments: tuple[str, ...] | None = None

    def codes(self, org: OrgConfig) -> tuple[str, ...]:
        """The departments whose figures it shows, in the config's order."""
        if self.departments is None:
            return org.department_codes
        return tuple(c for c in org.department_codes if c in self.departments)

    @property
    def is_empty(self) -> bool:
        return not (
            self.decisions_total
            or self.opened_total
            or self.closed_total
            or self.overdue_total
            or self.waiting_total
            or self.meetings_total
            or self.open_per_department
        )


def compose(
    session: Session, org: OrgConfig, now: datetime, *, week: Week | None = None,
    shown: int = SHOWN, only: Collection[str] | None = None,
) -> Digest:  # fmt: skip
    """The digest of ``week`` (default: this week) from the database, as it stands at ``now``;
    ``only``: just what concerns these departments (a channel shared with other organisations,
    SPEC §8), every other department's issues, decisions, meetings and figures left out."""
    if only is not None:
        return _only(compose(session, org, now, week=week, shown=ALL), org, set(only), shown)
    week = week or week_of(now, org)
    today = now.astimezone(org.timezone).date()
    start, end = week.start, week.end
    out = Digest(week=week, today=today, lookahead_days=org.lookahead_days)
    out.decisions, out.decisions_total = store.decisions_logged(session, start, end, shown)
    out.decisions_per_department = store.decisions_per_department(session, start, end)
    out.opened, out.opened_total = store.issues_opened(session, start, end, shown)
    out.closed, out.closed_total = store.issues_closed(session, start, end, shown)
    out.overdue, out.overdue_total = store.issues_overdue(session, today, shown)
    out.waiting, out.waiting_total = store.waiting_for_ack(session, shown)
    out.open_per_department = store.open_per_department(session, today)
    ahead = now + timedelta(days=org.lookahead_days)
    out.meetings, out.meetings_total = store.meetings_ahead(session, now, ahead, shown)
    return out


def _only(full: Digest, org: OrgConfig, codes: set[str], shown: int) -> Digest:
    """``full`` cut down to what concerns ``codes``, each list to ``shown`` again."""

    def issues(found: list[Issue]) -> tuple[list[Issue], int]:
        mine = [i for i in found if codes & {d.department for d in i.departments}]
        return mine[:shown], len(mine)

    decisions = [d for d in full.decisions if codes & {r.department for r in d.departments}]
    meetings = [
        (m, n) for m, n in full.meetings if codes & set(_series_departments(org, m.series_key))
    ]
    out = Digest(week=full.week, today=full.today, lookahead_days=full.lookahead_days)
    out.departments = tuple(c for c in org.department_codes if c in codes)
    out.decisions, out.decisions_total = decisions[:shown], len(decisions)
    out.decisions_per_department = {
        c: n for c, n in full.decisions_per_department.items() if c in codes
    }
    out.opened, out.opened_total = issues(full.opened)
    out.closed, out.closed_total = issues(full.closed)
    out.overdue, out.overdue_total = issues(full.overdue)
    out.waiting, out.waiting_total = issues(full.waiting)
    out.open_per_department = {c: v for c, v in full.open_per_department.items() if c in codes}
    out.meetings, out.meetings_total = meetings[:shown], len(meetings)
    return out


def _series_departments(org: OrgConfig, key: str) -> tuple[str, ...]:
    series = org.meeting_series(key)
    return () if series is None else (*series.departments, *series.optional)


def departments_in(session: Session, org: OrgConfig, channel: str) -> tuple[str, ...]:
    """The departments bound to ``channel``, in the config's order."""
    bound = bindings.department_channels(session, org)
    return tuple(code for code in org.department_codes if bound.get(code) == channel)


def installed_at(session: Session, now: datetime) -> datetime:
    """When this database started being used (the first audit entry, else now), kept once."""
    found = common.get_value(session, INSTALLED)
    if found:
        return datetime.fromisoformat(found)
    first = session.scalar(select(func.min(AuditEntry.at)))
    kept = common.keep_first_value(session, INSTALLED, (first or now).isoformat())
    return datetime.fromisoformat(kept)


def digest_channel(session: Session, org: OrgConfig) -> str | None:
    return bindings.current(session, org).get("digest")


def owed(session: Session, org: OrgConfig, now: datetime) -> Week | None:
    """This week, if its scheduled digest is due and was not posted (nor is for a new database)."""
    week = week_of(now, org)
    due = slot(week, org)
    if now < due - EARLY:
        return None
    if store.posted_for_week(session, week.label) is not None:
        return None
    if installed_at(session, now) > due:
        return None  # a database created after this week's slot has nothing to catch up
    return week


def next_slot(session: Session, org: OrgConfig, now: datetime) -> datetime:
    """When the next scheduled digest goes out (now, if this week's is owed and not yet sent)."""
    week = week_of(now, org)
    if owed(session, org, now) is not None:
        return now
    due = slot(week, org)
    return due if now < due - EARLY else slot(week_of(week.end, org), org)


def post_scheduled(session: Session, org: OrgConfig, now: datetime) -> DigestRun | None:
    """Post this week's scheduled digest if it is owed; None if not (or not possible yet)."""
    week = owed(session, org, now)
    if week is None:
        return None
    channel = digest_channel(session, org)
    if channel is None:
        _no_channel(session, org, week, now)
        return None
    try:
        with session.begin_nested():
            run = DigestRun(week=week.label, trigger="scheduled", created_at=now)
            session.add(run)
            session.flush()
    except IntegrityError:
        return None  # another process claimed the week a moment ago
    _queue(session, now, channel, week, run, key=f"digest:{week.label}")
    return run


def post_now(
    session: Session, *, org: OrgConfig, actor: Actor, now: datetime
) -> tuple[DigestRun, str]:
    """Coordinator: post the digest now (it does not count as the week's scheduled one)."""
    permissions.require_coordinator(actor)
    channel = digest_channel(session, org)
    if channel is None:
        raise UserError("digest.no_channel")
    user_id = actor.user_id
    run = DigestRun(week=None, trigger="manual", posted_by=user_id, created_at=now)
    session.add(run)
    session.flush()
    common.audit(
        session, actor=user_id, entity="digest", entity_id=run.id, action="posted",
        changes={"channel": channel}, at=now,
    )  # fmt: skip
    _queue(session, now, channel, week_of(now, org), run, key=None)
    return run, channel


def _queue(
    session: Session, now: datetime, channel: str, week: Week, run: DigestRun, *, key: str | None
) -> None:
    """Queue the digest; it is composed when it is sent (a renderer on the Slack side)."""
    outbox.enqueue(
        session, kind=KIND, text=week.label, channel=channel, due_at=now, dedupe_key=key,
        ref_kind="digest", ref_id=run.id, extra={"week": week.start.isoformat()},
    )  # fmt: skip


def week_starting(start: str, org: OrgConfig) -> Week:
    """The week whose Monday 00:00 is ``start`` (ISO), as kept on a queued digest."""
    return week_of(datetime.fromisoformat(start), org)


def _no_channel(session: Session, org: OrgConfig, week: Week, now: datetime) -> None:
    for coordinator in org.coordinators:
        outbox.enqueue(
            session, kind="alert", text=t(org.language, "digest.unbound"), user=coordinator,
            due_at=now, dedupe_key=f"unbound:digest:{week.label}:{coordinator}",
        )  # fmt: skip
