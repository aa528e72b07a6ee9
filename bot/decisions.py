"""The decision log (SPEC §3, §4.1): log, list, search, show, supersede, revoke."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot import audit, departments, permissions, screening
from bot import search as searching
from bot.context import Actor, local_today
from bot.errors import UserError
from bot.orgconfig import OrgConfig
from bot.text import guard
from storage import common, hot, search
from storage import decisions as store
from storage.models import Decision, DecisionDepartment, DecisionTag, Issue, Meeting

_TAG = re.compile(r"^[\w\-.]{1,64}$", re.UNICODE)


@dataclass(frozen=True)
class SourceLink:
    """The Slack message a record was made from."""

    channel: str
    ts: str
    permalink: str | None = None


@dataclass(frozen=True)
class DecisionInput:
    title: str
    details: str = ""
    departments: Sequence[str] = ()
    decided_by: str = ""
    basis: str = ""
    decided_on: date | None = None
    tags: Sequence[str] = ()
    meeting: int | None = None
    issue: int | None = None
    supersedes: int | None = None
    source: SourceLink | None = field(default=None)
    screening: str | None = None  # the legal basis to screen it with (SPEC §10), None: none


def normalise_tags(tags: Sequence[str]) -> list[str]:
    """Lower-case tags without a leading '#', de-duplicated; odd characters and identity
    numbers refused (before the tag is echoed in a sentence, and as it would be stored)."""
    out: list[str] = []
    for raw in tags:
        guard.refuse_identity_numbers(raw, "tags")
        tag = raw.strip().lstrip("#").casefold()
        guard.refuse_identity_numbers(tag, "tags")
        if not tag:
            continue
        if not _TAG.match(tag):
            raise UserError("decision.bad_tag", tag=raw.strip())
        if tag not in out:
            out.append(tag)
    return out


@dataclass(frozen=True)
class _Checked:
    """A decision to log, every field checked and every link found."""

    title: str
    details: str
    decided_by: str
    basis: str
    departments: list[str]
    tags: list[str]
    decided_on: date
    meeting_id: int | None
    issue_id: int | None


def log(
    session: Session, *, org: OrgConfig, actor: Actor, data: DecisionInput, now: datetime
) -> Decision:
    """Validate and log a decision as D-n, superseding another and screening it if asked;
    nothing on error."""
    title, screen = screening.asked(data.title, data.screening)
    checked = _checked(session, org, replace(data, title=title), now)
    older = _to_supersede(session, actor, data.supersedes)
    decision = Decision(
        number=common.next_number(session, "D"),
        supersedes_id=older.id if older is not None else None,
        title=checked.title,
        details=checked.details,
        decided_by=checked.decided_by,
        basis=checked.basis,
        decided_on=checked.decided_on,
        author=actor.user_id,
        status="active",
        meeting_id=checked.meeting_id,
        issue_id=checked.issue_id,
        created_at=now,
        departments=[DecisionDepartment(department=c) for c in checked.departments],
        tags=[DecisionTag(tag=t) for t in checked.tags],
    )
    _link_source(decision, data.source)
    hot.add(session, decision, "departments", "tags")
    if older is not None:
        _supersede(session, actor, older, decision, now)
    audit.change(
        session, actor, decision, "logged",
        {"title": checked.title, "departments": checked.departments,
         "supersedes": older and older.ref},
        now,
    )  # fmt: skip
    screening.screen_new(session, actor=actor, record=decision, asked=screen, now=now)
    search.index(session, [search.of_decision(decision)])
    return decision


def _checked(session: Session, org: OrgConfig, data: DecisionInput, now: datetime) -> _Checked:
    """Every field of ``data`` checked, in the order a user is told of the first that is wrong."""
    title = guard.check_text(data.title, "title", limit=guard.TITLE_LIMIT, required=True)
    details = guard.check_text(data.details, "details")
    decided_by = guard.check_text(data.decided_by, "by", limit=guard.TITLE_LIMIT)
    basis = guard.check_text(data.basis, "basis")
    codes = departments.resolve(org, data.departments)
    tags = normalise_tags(data.tags)
    if len(tags) > 20:
        raise UserError("decision.too_many_tags", limit=20)
    today = local_today(now, org.timezone)
    decided_on = data.decided_on or today
    if decided_on > today:
        raise UserError("decision.future_date")
    return _Checked(
        title=title,
        details=details,
        decided_by=decided_by,
        basis=basis,
        departments=codes,
        tags=tags,
        decided_on=decided_on,
        meeting_id=_meeting_id(session, data.meeting),
        issue_id=_issue_id(session, data.issue),
    )


def _to_supersede(session: Session, actor: Actor, number: int | None) -> Decision | None:
    """The decision D-``number`` the new one is to supersede, if ``actor`` may and it can be."""
    if number is None:
        return None
    older = store.by_number(session, number)
    if older is None:
        raise UserError("decision.not_found", ref=Decision.ref_of(number))
    permissions.require_decision_author(actor, older, ref=older.ref, action="supersede")
    if older.status == "revoked":
        raise UserError("decision.supersede_revoked", ref=older.ref)
    if older.superseded_by is not None:
        raise UserError("decision.already_superseded", ref=older.ref, by=older.superseded_by.ref)
    return older


def _supersede(
    session: Session, actor: Actor, older: Decision, decision: Decision, now: datetime
) -> None:
    # both ends of the link as they are now stored (the new decision was written with it)
    set_committed_value(decision, "supersedes", older)
    set_committed_value(older, "superseded_by", decision)
    older.status = "superseded"
    audit.change(
        session,
        actor,
        older,
        "superseded",
        {"status": ["active", "superseded"], "superseded_by": decision.ref},
        now,
    )


def _link_source(decision: Decision, source: SourceLink | None) -> None:
    """The Slack message the decision was logged from, if it was."""
    if source is not None:
        decision.source_channel = source.channel
        decision.source_ts = source.ts
        decision.source_permalink = source.permalink


def _meeting_id(session: Session, number: int | None) -> int | None:
    if number is None:
        return None
    found = session.scalar(select(Meeting.id).where(Meeting.number == number))
    if found is None:
        raise UserError("common.meeting_not_found", ref=Meeting.ref_of(number))
    return found


def _issue_id(session: Session, number: int | None) -> int | None:
    if number is None:
        return None
    found = session.scalar(select(Issue.id).where(Issue.number == number))
    if found is None:
        raise UserError("common.issue_not_found", ref=Issue.ref_of(number))
    return found


def get(session: Session, number: int) -> Decision:
    """The decision D-``number``, or a sentence saying there is none."""
    decision = store.by_number(session, number)
    if decision is None:
        raise UserError("decision.not_found", ref=Decision.ref_of(number))
    return decision


def chain(decision: Decision) -> tuple[list[Decision], list[Decision]]:
    """The decisions ``decision`` superseded (nearest first) and those that superseded it
    (read through its links: the card is given them, a view asks the database nothing)."""
    return store.chain(decision)


def revoke(session: Session, *, actor: Actor, number: int, reason: str, now: datetime) -> Decision:
    """Mark D-n revoked with a reason; only its author or a coordinator may."""
    decision = get(session, number)
    permissions.require_decision_author(actor, decision, ref=decision.ref, action="revoke")
    reason = guard.check_text(reason, "reason", required=True)
    if decision.status == "revoked":
        raise UserError("decision.already_revoked", ref=decision.ref)
    before = decision.status
    decision.status = "revoked"
    decision.revoked_reason = reason
    decision.revoked_by = actor.user_id
    decision.revoked_at = now
    audit.change(
        session,
        actor,
        decision,
        "revoked",
        {"status": [before, "revoked"], "reason": reason},
        now,
    )
    return decision


def latest(
    session: Session,
    org: OrgConfig,
    *,
    department: str | None = None,
    since: date | None = None,
    tag: str | None = None,
    limit: int = 10,
) -> tuple[list[Decision], int]:
    """The latest decisions matching the filters, and how many match in all."""
    code = departments.resolve(org, [department])[0] if department else None
    tags = normalise_tags([tag]) if tag else []
    return store.latest(
        session, department=code, since=since, tag=tags[0] if tags else None, limit=limit
    )


def find(session: Session, words: str, limit: int = 10) -> list[Decision]:
    """The decisions best matching ``words`` (SPEC §11: title, tags, details), best first."""
    found = searching.find(session, words=words, kinds=(search.DECISION,), limit=limit)
    return [f.record for f in found if isinstance(f.record, Decision)]
