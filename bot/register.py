"""The register as the web reads it (SPEC §9): pages of decisions, issues and meetings, one
record with what belongs to it, who may sign in, and a signed-in user's language.

Keyword-only arguments after the session, plain data out, never a commit. The web pages take
their records from here only; the queries of their own are the paged lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from bot import decisions as decision_cases
from bot import departments, issues, meetings, permissions, search
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from bot.permissions import Viewer
from bot.text.i18n import Lang, as_lang
from storage import common
from storage.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionDepartment,
    DecisionTag,
    Issue,
    IssueDepartment,
    IssueNote,
    Meeting,
)

PAGE = 50  # records a list shows at a time
SEARCH_LIMIT = 500  # search results a filtered search pages through
DECISION_STATUSES = ("active", "superseded", "revoked")
T = TypeVar("T")


class NotFound(UserError):
    """A record or a page that is not there: the web answers it with 404 and the sentence."""


class Forbidden(UserError):
    """Something the reader may not do or see: the web answers it with 403 and the sentence."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its records, its number (from 1) and how many match in all."""

    items: Sequence[T]
    number: int
    total: int
    size: int = PAGE
    more: bool | None = None  # a search's page: whether more follow (``total`` unknown)

    @property
    def pages(self) -> int:
        if self.more is not None:
            return self.number + self.more
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(value: str | None) -> int:
    """``?page=`` as a page number; anything else than a whole number from 1 is not a page."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 9:
        raise NotFound("web.error.no_page", page=value[:20])
    return int(value)


def _check_page(number: int, total: int) -> None:
    if number > 1 and (number - 1) * PAGE >= total:
        raise NotFound("web.error.no_page", page=str(number))


# who and in which language


def viewer(org: OrgConfig, *, user_id: str, home_team: str, team: str) -> Viewer | None:
    """Who a signed-in Slack user is to the register (SPEC §9): the home team's users see it
    all, a partner agency's users (its ``slack_team``) the records of its departments; None
    for anyone else, who may not sign in (the rule: ``bot.permissions.viewer_for``)."""
    return permissions.viewer_for(
        user_id=user_id, team=team, home_team=home_team, teams=org.slack_teams
    )


def may_sign_in(org: OrgConfig, *, home_team: str, team: str) -> bool:
    """Whether a Slack user of ``team`` may sign in to the register."""
    return viewer(org, user_id="", home_team=home_team, team=team) is not None


def sees_everything(viewer: Viewer | None) -> bool:
    """Whether the reader sees the whole register, the reports included."""
    return permissions.may_see_all(viewer)


def require_whole_register(viewer: Viewer | None) -> None:
    """The reports sum up every department: a partner agency's reader may not see them
    (``bot.permissions.may_see_all``)."""
    if not permissions.may_see_all(viewer):
        raise Forbidden("web.error.home_team_only")


def _codes_of(record: Decision | Issue) -> list[str]:
    return [d.department for d in record.departments]


def sees_meeting(org: OrgConfig, viewer: Viewer | None, meeting: Meeting) -> bool:
    """Whether ``viewer`` sees ``meeting``: one of its series' departments is theirs."""
    if viewer is None or viewer.departments is None:
        return True
    series = org.meeting_series(meeting.series_key)
    return series is not None and viewer.sees([*series.departments, *series.optional])


def _sees(org: OrgConfig, viewer: Viewer | None, record: Decision | Issue | Meeting) -> bool:
    if isinstance(record, Meeting):
        return sees_meeting(org, viewer, record)
    return viewer is None or viewer.sees(_codes_of(record))


def language_of(session: Session, org: OrgConfig, user_id: str) -> Lang:
    """The user's ``/returbot language``, else the organisation's."""
    return as_lang(common.user_language(session, user_id) or org.language)


# decisions


@dataclass(frozen=True)
class DecisionFilter:
    department: str | None = None
    tag: str | None = None
    status: str | None = None
    since: date | None = None
    words: str | None = None


def decision_filter(
    org: OrgConfig,
    *,
    department: str = "",
    tag: str = "",
    status: str = "",
    since: str = "",
    words: str = "",
) -> DecisionFilter:
    """The decisions page's filters as typed in its form; a wrong one is a sentence."""
    code = departments.resolve(org, [department])[0] if department.strip() else None
    tags = decision_cases.normalise_tags([tag]) if tag.strip() else []
    wanted = status.strip().lower() or None
    if wanted is not None and wanted not in DECISION_STATUSES:
        raise UserError("web.error.bad_status", value=status[:40])
    day = None
    if since.strip():
        try:
            day = date.fromisoformat(since.strip())
        except ValueError:
            raise UserError("web.error.bad_date", value=since[:40]) from None
    return DecisionFilter(code, tags[0] if tags else None, wanted, day, words.strip() or None)


def decision_page(
    session: Session, *, filters: DecisionFilter, number: int, viewer: Viewer | None = None
) -> Page[Decision]:
    """Newest first (decided, then logged); with words, best match first through the search.
    A partner agency's reader (``viewer``) gets its departments' decisions only."""
    codes = viewer.departments if viewer is not None else None
    if filters.words and filters == DecisionFilter(words=filters.words) and codes is None:
        return _window(
            number,
            lambda limit: [d for d in _find_decisions(session, filters.words or "", limit=limit)],
        )
    if filters.words:
        found = [
            d
            for d in _search_decisions(session, filters)
            if viewer is None or viewer.sees(_codes_of(d))
        ]
        _check_page(number, len(found))
        start = (number - 1) * PAGE
        return Page(found[start : start + PAGE], number, len(found))
    stmt = _decision_query(filters)
    if codes is not None:
        stmt = stmt.where(
            Decision.id.in_(
                select(DecisionDepartment.decision_id).where(
                    DecisionDepartment.department.in_(sorted(codes))
                )
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    _check_page(number, total)
    rows = session.scalars(
        stmt.order_by(Decision.decided_on.desc(), Decision.id.desc())
        .offset((number - 1) * PAGE)
        .limit(PAGE)
    )
    return Page(list(rows), number, total)


def decision_numbers(session: Session, *, filters: DecisionFilter) -> list[int]:
    """The numbers of every decision ``filters`` select, on all pages (for a download)."""
    if filters.words:
        return [d.number for d in _search_decisions(session, filters)]
    return list(session.scalars(_decision_query(filters).with_only_columns(Decision.number)))


def _search_decisions(session: Session, filters: DecisionFilter) -> list[Decision]:
    """The decisions the search finds for the words (at most SEARCH_LIMIT) that pass the
    other filters."""
    hits = _find_decisions(session, filters.words or "", limit=SEARCH_LIMIT)
    return [d for d in hits if _matches(d, filters)]


def _find_decisions(session: Session, words: str, *, limit: int) -> list[Decision]:
    try:
        return list(decision_cases.find(session, words, limit=limit))
    except UserError:  # no word to search for: said without the slash command's advice
        raise UserError("web.error.search_needs_words") from None


def _window(number: int, find: Callable[[int], Sequence[T]]) -> Page[T]:
    """Page ``number`` of a search, asking it for no more than that page and one more record
    (the words around each match cost time), at most SEARCH_LIMIT records deep."""
    limit = min(number * PAGE + 1, SEARCH_LIMIT)
    hits = find(limit)
    start = (number - 1) * PAGE
    if number > 1 and start >= len(hits):
        raise NotFound("web.error.no_page", page=str(number))
    more = len(hits) > number * PAGE
    return Page(hits[start : start + PAGE], number, len(hits), more=more)


def _decision_query(filters: DecisionFilter) -> Select[Decision]:
    # joins, not IN: a decision has a department or a tag once (their primary keys), and the
    # database can start from the rarer of the two
    stmt = select(Decision)
    if filters.department:
        stmt = stmt.join(
            DecisionDepartment,
            and_(
                DecisionDepartment.decision_id == Decision.id,
                DecisionDepartment.department == filters.department,
            ),
        )
    if filters.tag:
        tagged = and_(DecisionTag.decision_id == Decision.id, DecisionTag.tag == filters.tag)
        stmt = stmt.join(DecisionTag, tagged)
    if filters.status:
        stmt = stmt.where(Decision.status == filters.status)
    if filters.since:
        stmt = stmt.where(Decision.decided_on >= filters.since)
    return stmt


def _matches(decision: Decision, filters: DecisionFilter) -> bool:
    """Whether a search hit passes the other filters too."""
    if filters.department and filters.department not in {
        d.department for d in decision.departments
    }:
        return False
    if filters.tag and filters.tag not in {t.tag for t in decision.tags}:
        return False
    if filters.status and decision.status != filters.status:
        return False
    return not (filters.since and decision.decided_on < filters.since)


@dataclass(frozen=True)
class DecisionRecord:
    decision: Decision
    older: Sequence[Decision]  # what it superseded, nearest first
    newer: Sequence[Decision]  # what superseded it, nearest first


def decision_record(
    session: Session, *, number: int, viewer: Viewer | None = None
) -> DecisionRecord:
    """D-``number`` with its supersede chain both ways (not found for a reader it does not
    concern)."""
    try:
        decision = decision_cases.get(session, number)
    except UserError:
        raise NotFound("web.error.not_found", ref=Decision.ref_of(number)) from None
    if viewer is not None and not viewer.sees(_codes_of(decision)):
        raise NotFound("web.error.not_found", ref=decision.ref)
    older, newer = decision_cases.chain(decision)
    return DecisionRecord(decision, older, newer)


# issues


@dataclass(frozen=True)
class Cell:
    """One department's acknowledgement of one issue on the board."""

    acked_by: str | None
    acked_at: datetime | None
    overdue: bool  # not acknowledged within the organisation's ack_within


@dataclass(frozen=True)
class Board:
    """The open issues by urgency and the acknowledgement matrix: departments × issues."""

    page: Page[Issue]
    departments: Sequence[str]  # the columns: every department an issue on the page affects
    cells: Mapping[tuple[int, str], Cell]  # (issue id, department)
    today: date

    def overdue(self, issue: Issue) -> bool:
        return issue.due is not None and issue.due < self.today


def board(
    session: Session, *, org: OrgConfig, now: datetime, number: int, viewer: Viewer | None = None
) -> Board:
    """A page of the open issues, most urgent first (overdue, priority, due date), and who in
    each affected department acknowledged them when (a partner's reader: its issues only)."""
    today = now.astimezone(org.timezone).date()
    open_ = select(Issue).where(Issue.status == "open")
    if viewer is not None and viewer.departments is not None:
        open_ = open_.where(
            Issue.id.in_(
                select(IssueDepartment.issue_id).where(
                    IssueDepartment.department.in_(sorted(viewer.departments))
                )
            )
        )
    total = session.scalar(select(func.count()).select_from(open_.subquery())) or 0
    _check_page(number, total)
    overdue = case((and_(Issue.due.is_not(None), Issue.due < today), 0), else_=1)
    priority = case({"high": 0, "normal": 1, "low": 2}, value=Issue.priority, else_=1)
    rows = list(
        session.scalars(
            open_.order_by(overdue, priority, Issue.due.is_(None), Issue.due, Issue.number.desc())
            .offset((number - 1) * PAGE)
            .limit(PAGE)
        )
    )
    cells: dict[tuple[int, str], Cell] = {}
    used: set[str] = set()
    for issue in rows:
        late = now - issue.created_at > org.ack_within
        for row in issue.departments:
            used.add(row.department)
            waiting = row.acked_at is None
            who = row.acked_address or row.acked_by  # an e-mail link's address, or a person
            cells[(issue.id, row.department)] = Cell(who, row.acked_at, waiting and late)
    order = {code: n for n, code in enumerate(org.department_codes)}
    columns = sorted(used, key=lambda code: (order.get(code, len(order)), code))
    return Board(Page(rows, number, total), columns, cells, today)


@dataclass(frozen=True)
class IssueRecord:
    issue: Issue
    notes: Sequence[IssueNote]
    acknowledgements: Sequence[IssueDepartment]
    decisions: Sequence[Decision]
    overdue: bool


def issue_record(
    session: Session, *, org: OrgConfig, now: datetime, number: int,
    viewer: Viewer | None = None,
) -> IssueRecord:  # fmt: skip
    """I-``number`` with its notes, its departments' acknowledgements and linked decisions
    (not found for a reader it does not concern)."""
    try:
        issue = issues.get(session, number)
    except UserError:
        raise NotFound("web.error.not_found", ref=Issue.ref_of(number)) from None
    if viewer is not None and not viewer.sees(_codes_of(issue)):
        raise NotFound("web.error.not_found", ref=issue.ref)
    today = now.astimezone(org.timezone).date()
    return IssueRecord(
        issue=issue,
        notes=list(issue.notes),
        acknowledgements=list(issue.departments),
        decisions=issues.decisions_for(session, issue),
        overdue=issue.status == "open" and issue.due is not None and issue.due < today,
    )


# meetings

WHEN = ("upcoming", "past")


@dataclass(frozen=True)
class MeetingList:
    page: Page[Meeting]
    when: str  # upcoming (soonest first) | past (latest first)
    agenda_counts: Mapping[int, int]  # by meeting id


def meeting_page(
    session: Session, *, org: OrgConfig, now: datetime, when: str, number: int,
    viewer: Viewer | None = None,
) -> MeetingList:  # fmt: skip
    """The meetings that have not ended (soonest first) or those that have (latest first); a
    partner's reader gets the meetings of the series its departments are in."""
    if when not in WHEN:
        raise NotFound("web.error.no_page", page=when[:20])
    stmt = select(Meeting)
    if viewer is not None and viewer.departments is not None:
        keys = [
            s.key for s in org.series
            if viewer.sees([*s.departments, *s.optional])
        ]  # fmt: skip
        stmt = stmt.where(Meeting.series_key.in_(keys))
    if when == "upcoming":
        stmt = stmt.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    else:
        stmt = stmt.where(Meeting.ends_at < now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    _check_page(number, total)
    rows = list(session.scalars(stmt.offset((number - 1) * PAGE).limit(PAGE)))
    counted = session.execute(
        select(AgendaItem.meeting_id, func.count())
        .where(AgendaItem.meeting_id.in_([m.id for m in rows]))
        .group_by(AgendaItem.meeting_id)
    )
    counts = {meeting_id: count for meeting_id, count in counted}
    return MeetingList(Page(rows, number, total), when, counts)


@dataclass(frozen=True)
class MeetingRecord:
    meeting: Meeting
    series_name: str | None
    departments: Sequence[str]  # the series' departments (required first)
    optional: Sequence[str]
    attendance: Sequence[Attendance]
    issues: Mapping[int, Issue]  # the issues on the agenda, by id
    decisions: Sequence[Decision]  # decisions logged at the meeting


def meeting_record(
    session: Session, *, org: OrgConfig, number: int, viewer: Viewer | None = None
) -> MeetingRecord:
    """M-``number`` with its agenda, the optional departments' answers, the issues on it and
    the decisions logged at it (not found for a reader it does not concern)."""
    try:
        meeting = meetings.get(session, number)
    except UserError:
        raise NotFound("web.error.not_found", ref=Meeting.ref_of(number)) from None
    if not sees_meeting(org, viewer, meeting):
        raise NotFound("web.error.not_found", ref=meeting.ref)
    series = org.meeting_series(meeting.series_key)
    logged = session.scalars(
        select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.number)
    )
    return MeetingRecord(
        meeting=meeting,
        series_name=series.name if series else None,
        departments=series.departments if series else (),
        optional=series.optional if series else (),
        attendance=list(meeting.attendance),
        issues=meetings.agenda_issues(session, meeting),
        decisions=list(logged),
    )


# the one search (SPEC §9, §11)

SEARCH_KINDS = (search.DECISION, search.ISSUE, search.MEETING)


def search_page(
    session: Session, *, org: OrgConfig, words: str, kind: str, number: int,
    viewer: Viewer | None = None,
) -> Page[search.Found]:  # fmt: skip
    """The records of ``kind`` (every kind when empty) best matching ``words``, best first;
    for a partner's reader, those that concern its departments."""
    if kind and kind not in SEARCH_KINDS:
        raise UserError("web.error.bad_kind", value=kind[:40])
    kinds = (kind,) if kind else search.KINDS

    scoped = viewer is not None and viewer.departments is not None

    def find(limit: int) -> list[search.Found]:
        try:
            # a partner's reader: the best of a deeper list, so that a page still fills
            found = search.find(
                session, words=words, kinds=kinds, limit=SEARCH_LIMIT if scoped else limit
            )
        except UserError:  # no word to search for: said without the slash command's advice
            raise UserError("web.error.search_needs_words") from None
        if scoped:
            found = [f for f in found if _sees(org, viewer, f.record)][:limit]
        return found

    return _window(number, find)
