"""What is read about meetings: one meeting, the upcoming ones, the next of each series, a
meeting's details and the issues it may take up, and where a series' messages go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import bindings
from bot.errors import UserError
from bot.meetings.rules import all_departments, series_of
from bot.orgconfig import MeetingSeries, OrgConfig
from storage import meetings as store
from storage.models import Issue, IssueNote, Meeting


def get(session: Session, number: int) -> Meeting:
    meeting = store.by_number(session, number)
    if meeting is None:
        raise UserError("common.meeting_not_found", ref=Meeting.ref_of(number))
    return meeting


def channel_for(session: Session, org: OrgConfig, series_key: str) -> str | None:
    """Where a series' messages go: its bound channel, else the digest channel."""
    bound = bindings.current(session, org)
    return bound.get(f"series:{series_key}") or bound.get("digest")


def suggestions(
    session: Session, org: OrgConfig, meeting: Meeting, *, limit: int = 10
) -> tuple[list[Issue], int]:
    """Open issues of the meeting's departments that are not on its agenda yet."""
    series = org.meeting_series(meeting.series_key)
    if series is None:
        return [], 0
    on_agenda = {item.issue_id for item in meeting.agenda if item.issue_id}
    found = [
        i for i in store.open_issues_of(session, all_departments(series)) if i.id not in on_agenda
    ]
    return list(found[:limit]), len(found)


@dataclass(frozen=True)
class Upcoming:
    meetings: list[Meeting]
    total: int
    agenda_counts: Mapping[int, int]  # items on each meeting's agenda, by meeting id


def upcoming(
    session: Session, *, org: OrgConfig, now: datetime, series: str | None = None
) -> Upcoming:
    """``/meeting list``: the meetings that have not ended (of one series if asked), soonest
    first, with how many there are and the size of each one's agenda."""
    key = series_of(org, series).key if series else None
    found, total = store.upcoming(session, now=now, series=key)
    return Upcoming(found, total, store.agenda_counts(session, [m.id for m in found]))


def next_per_series(session: Session, now: datetime) -> dict[str, Meeting]:
    """The next scheduled meeting of each series, by series key."""
    return store.next_per_series(session, now)


@dataclass(frozen=True)
class Details:
    """What ``/meeting show`` shows besides the meeting itself."""

    series: MeetingSeries | None
    issues: Mapping[int, Issue]  # the issues on the agenda, by id
    latest: Mapping[int, IssueNote]  # their newest notes
    notes: Sequence[IssueNote]  # status notes written for this meeting
    note_issues: Mapping[int, Issue]
    suggestions: Sequence[Issue]
    suggestion_total: int


def details(session: Session, *, org: OrgConfig, meeting: Meeting, suggested: int) -> Details:
    """The issues on ``meeting``'s agenda with their newest notes, the status notes written for
    it, and up to ``suggested`` open issues of its departments not on the agenda yet."""
    issue_ids = {item.issue_id for item in meeting.agenda if item.issue_id}
    notes = store.status_notes(session, meeting.id)
    found, total = suggestions(session, org, meeting, limit=suggested)
    return Details(
        series=org.meeting_series(meeting.series_key),
        issues=store.issues_by_id(session, issue_ids),
        latest=store.latest_notes(session, issue_ids),
        notes=notes,
        note_issues=store.issues_by_id(session, {n.issue_id for n in notes}),
        suggestions=found,
        suggestion_total=total,
    )


def agenda_issues(session: Session, meeting: Meeting) -> dict[int, Issue]:
    """The issues on ``meeting``'s agenda, by id."""
    return store.issues_by_id(session, {i.issue_id for i in meeting.agenda if i.issue_id})


def issues_owned(session: Session, *, org: OrgConfig, meeting: Meeting, owner: str) -> list[Issue]:
    """The open issues of ``meeting``'s departments that ``owner`` owns, by number (what a
    status request asks them about)."""
    series = org.meeting_series(meeting.series_key)
    codes = all_departments(series) if series else []
    mine = [i for i in store.open_issues_of(session, codes) if i.owner == owner]
    return sorted(mine, key=lambda i: i.number)
