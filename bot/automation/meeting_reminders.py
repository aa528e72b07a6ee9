"""Meeting automation (SPEC §5): reminders, optional departments' invitations, status requests.

What a meeting is owed follows from the meeting as it is now (its time, its series' offsets,
the bound channels), so a move or a cancellation never leaves a stale reminder behind. A sweep,
run by the scheduler every minute and right after a meeting is scheduled or moved, queues each
message a little ahead of its moment with that moment as its due time; the outbox sends it
then. Dedupe keys make every message go out once, across restarts and processes.

- Reminders: at each of the series' offsets before the start, to the series' channel (else the
  digest channel). A moment already past when the meeting was given its time is skipped; after
  downtime only the latest moment that has come is sent, not a burst of old ones.
- Optional departments get the agenda with *attend* / *skip* buttons at the first remaining
  reminder moment, or at once if none remains.
- Status requests: at ``status_request`` before the start, each owner of open issues of the
  series' departments gets one DM with a button per issue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import bindings, departments, outbox
from bot.orgconfig import MeetingSeries, OrgConfig
from bot.text.i18n import t
from storage import meetings as store
from storage import outbox as outbox_store
from storage.models import Meeting, OutboxMessage

LOOKAHEAD = timedelta(minutes=2)
REMINDER = "meeting_reminder"
INVITE = "meeting_invite"
STATUS_REQUEST = "meeting_status_request"
MOVED = "meeting_moved"
CANCELLED = "meeting_cancelled"
ICS = "meeting_ics"
# owed because of the meeting's time: withdrawn when it moves or is cancelled
TIMED = (REMINDER, INVITE, STATUS_REQUEST)


def reach(org: OrgConfig) -> timedelta:
    """How far before a meeting's start anything is owed for it."""
    longest = timedelta(0)
    for series in org.series:
        for offset in (*series.reminders, series.status_request or timedelta(0)):
            longest = max(longest, offset)
    return longest


def sweep(session: Session, org: OrgConfig, now: datetime) -> int:
    """Queue what the meetings ahead are owed up to a little ahead of now; returns how many."""
    ahead = store.starting_between(session, now, now + reach(org) + LOOKAHEAD)
    return plan(session, org, now, ahead)


def plan(session: Session, org: OrgConfig, now: datetime, meetings: Iterable[Meeting]) -> int:
    """Queue what each of ``meetings`` is owed by now (+ the look-ahead) and was not queued."""
    bound: dict[str, str] | None = None
    queued = 0
    horizon = now + LOOKAHEAD
    for meeting in meetings:
        if meeting.status != store.SCHEDULED or meeting.starts_at <= now:
            continue
        series = org.meeting_series(meeting.series_key)
        if series is None:
            continue  # the series left the config: nothing to remind of
        if bound is None:
            bound = bindings.current(session, org)
        timed = meeting.timed_at or meeting.created_at
        moments = sorted((meeting.starts_at - offset, offset) for offset in series.reminders)
        come = [(at, offset) for at, offset in moments if timed <= at <= horizon]
        if come:
            at, offset = come[-1]
            queued += _reminder(session, org, meeting, series, bound, at, offset)
        if series.optional:
            remaining = [at for at, _ in moments if at >= timed]
            invite_at = remaining[0] if remaining else timed
            if invite_at <= horizon:
                queued += _invites(session, org, meeting, series, bound, invite_at)
        if series.status_request is not None:
            at = meeting.starts_at - series.status_request
            if timed <= at <= horizon:
                queued += _status_requests(session, org, meeting, series, at)
    return queued


def _reminder(
    session: Session,
    org: OrgConfig,
    meeting: Meeting,
    series: MeetingSeries,
    bound: dict[str, str],
    at: datetime,
    offset: timedelta,
) -> int:
    channel = bound.get(f"series:{series.key}") or bound.get("digest")
    if not channel:
        _unbound(session, org, f"series:{series.key}", series.key, meeting, at)
        return 0
    row = outbox.enqueue(
        session, kind=REMINDER, text=meeting.ref, channel=channel, due_at=at,
        dedupe_key=f"mrem:{meeting.id}:{meeting.sequence}:{int(offset.total_seconds())}",
        ref_kind="meeting", ref_id=meeting.id, extra={"offset": int(offset.total_seconds())},
    )  # fmt: skip
    return 0 if row is None else 1


def _invites(
    session: Session,
    org: OrgConfig,
    meeting: Meeting,
    series: MeetingSeries,
    bound: dict[str, str],
    at: datetime,
) -> int:
    queued = 0
    for code in series.optional:
        channel = bound.get(f"dept:{code}")
        if not channel:
            _unbound(session, org, f"dept:{code}", code, meeting, at)
            continue
        row = outbox.enqueue(
            session, kind=INVITE, text=meeting.ref, channel=channel, due_at=at,
            dedupe_key=f"minvite:{meeting.id}:{code}", ref_kind="meeting", ref_id=meeting.id,
            extra={"department": code},
        )  # fmt: skip
        queued += row is not None
    return queued


def _status_requests(
    session: Session, org: OrgConfig, meeting: Meeting, series: MeetingSeries, at: datetime
) -> int:
    codes = list(dict.fromkeys([*series.departments, *series.optional]))
    owners: dict[str, list[int]] = {}
    for issue in store.open_issues_of(session, codes):
        owners.setdefault(issue.owner, []).append(issue.number)
    queued = 0
    reach = departments.dm_fallback(session, org)  # a partner agency's user Slack will not DM
    for owner, numbers in sorted(owners.items()):
        row = outbox.enqueue(
            session, kind=STATUS_REQUEST, text=meeting.ref, user=owner, due_at=at,
            dedupe_key=f"mstatus:{meeting.id}:{meeting.sequence}:{owner}", ref_kind="meeting",
            ref_id=meeting.id, extra={"issues": sorted(numbers), **reach},
        )  # fmt: skip
        queued += row is not None
    return queued


def _unbound(
    session: Session, org: OrgConfig, target: str, label: str, meeting: Meeting, at: datetime
) -> None:
    """Tell the coordinators once that a channel is missing (the same alert as for issues)."""
    text = t(org.language, "meeting.unbound", target=label, ref=meeting.ref)
    bindings.alert_unbound(
        session, org, target=target, text=text, ref_kind="meeting", ref_id=meeting.id, now=at
    )


def withdraw(session: Session, meeting: Meeting) -> int:
    """Withdraw the meeting's pending timed messages; their keys are freed to be planned anew."""
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.status == outbox_store.PENDING,
            OutboxMessage.ref_kind == "meeting",
            OutboxMessage.ref_id == meeting.id,
            OutboxMessage.kind.in_(TIMED),
            OutboxMessage.method == outbox.POST,
        )
        .values(status=outbox_store.CANCELLED, dedupe_key=None, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def tell_channel(
    session: Session,
    org: OrgConfig,
    meeting: Meeting,
    kind: str,
    now: datetime,
    *,
    typed_in: str | None = None,
    extra: dict[str, str] | None = None,
) -> bool:
    """Tell the series' channel of a move or a cancellation (unless it was typed there)."""
    bound = bindings.current(session, org)
    channel = bound.get(f"series:{meeting.series_key}") or bound.get("digest")
    if not channel or channel == typed_in:
        return False
    outbox.enqueue(
        session, kind=kind, text=meeting.ref, channel=channel, due_at=now,
        ref_kind="meeting", ref_id=meeting.id, extra=extra,
    )  # fmt: skip
    return True


def refresh_invites(session: Session, meeting: Meeting, now: datetime) -> int:
    """Update in place every invitation already posted, so it shows the meeting as it is."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.ref_kind == "meeting",
        OutboxMessage.ref_id == meeting.id,
        OutboxMessage.kind == INVITE,
        OutboxMessage.method == outbox.POST,
        OutboxMessage.status == outbox_store.SENT,
        OutboxMessage.result_ts.is_not(None),
    )
    count = 0
    for row in session.scalars(stmt):
        outbox.enqueue(
            session, kind=INVITE, text=meeting.ref,
            channel=row.result_channel or row.channel, method=outbox.UPDATE, ts=row.result_ts,
            due_at=now, ref_kind="meeting", ref_id=meeting.id, extra=row.payload.get("extra"),
        )  # fmt: skip
        count += 1
    return count


def next_moment(session: Session, org: OrgConfig, now: datetime) -> tuple[Meeting, datetime] | None:
    """The next reminder still owed to a meeting ahead, for ``/returbot status``."""
    best: tuple[Meeting, datetime] | None = None
    for meeting in store.starting_between(session, now, now + reach(org) + timedelta(days=1)):
        series = org.meeting_series(meeting.series_key)
        if series is None:
            continue
        timed = meeting.timed_at or meeting.created_at
        for offset in series.reminders:
            at = meeting.starts_at - offset
            if at > now and at >= timed and (best is None or at < best[1]):
                best = (meeting, at)
    return best
