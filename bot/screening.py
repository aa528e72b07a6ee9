"""Screening a record from public access (SPEC §10): its legal basis and the words it hides.

A screened decision, issue or meeting keeps its title for the archive; what the public sees
(the public journal's ``offentligTittel``) has the screened words replaced by :data:`MASK`:
the parts of the title given in ``**double stars**`` when it was screened, or the whole title.
Only the record's author (the one who logged, reported or scheduled it) or a coordinator may
screen it or lift the screening; every change is audited.

Example::

    screen_decision(session, actor=actor, number=4, basis="Offl. § 13",
                    marked_title="Retur av **Ola N.** til Irak", now=now)
    public_title(decision)  # "Retur av ***** til Irak"

A record made with a screening (``skjerming:`` on the command, the form's field) is screened
in the transaction that makes it: :func:`asked` reads the title as typed (its marks taken out
of the stored title) and the basis, :func:`screen_new` screens the record once it exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from bot import audit, permissions
from bot.context import Actor
from bot.errors import UserError
from bot.text import guard
from storage import decisions as decision_store
from storage import issues as issue_store
from storage import meetings as meeting_store
from storage.models import SCREENING, Decision, Issue, Meeting

MASK: Final = "*****"
FIELD: Final = "skjerming"  # the basis as an error sentence names it: the option's name
_MARKED = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)

Screenable = Decision | Issue | Meeting


def plain_title(marked: str) -> str:
    """``marked`` without its ``**`` marks: the title as it is shown."""
    return _MARKED.sub(lambda m: m.group(1), marked)


def check_marks(title: str) -> str:
    """``title`` if every ``**`` in it opens or closes a mark around some words."""
    if "**" in _MARKED.sub("", title):
        raise UserError("screening.unclosed_marks")
    return title


def screened_words(record: Screenable) -> list[str]:
    """The words of the title that are screened ([] when the whole title is, or none)."""
    if not record.screening or not record.screened_title:
        return []
    return [m.group(1) for m in _MARKED.finditer(record.screened_title)]


def public_title(record: Screenable) -> str:
    """The title the public may see: the screened words (or the whole title) masked."""
    if not record.screening:
        return record.title
    if record.screened_title:
        return _MARKED.sub(MASK, record.screened_title)
    return MASK


def author_of(record: Screenable) -> str:
    """Who registered the record: the decision's author, the reporter, the scheduler."""
    if isinstance(record, Decision):
        return record.author
    if isinstance(record, Issue):
        return record.reporter
    return record.created_by


@dataclass(frozen=True)
class Asked:
    """A screening asked for as a record is made: the legal basis, and the title as typed
    with its ``**marks**`` (None: the whole title is screened)."""

    basis: str
    marked_title: str | None = None


def asked(title: str, basis: str | None) -> tuple[str, Asked | None]:
    """A new record's title as it is stored, and the screening asked for with it.

    ``basis`` None: no screening asked (the title stays as typed); blank: refused. A screened
    title keeps its marks in the screening and is stored without them.
    """
    if basis is None:
        return title, None
    if not basis.strip():
        raise UserError("screening.basis_required")
    checked = guard.check_text(basis, FIELD, limit=SCREENING, required=True)
    check_marks(title)
    marked = title.strip() if _MARKED.search(title) else None
    return plain_title(title), Asked(checked, marked)


def screen_new(
    session: Session, *, actor: Actor, record: Screenable, asked: Asked | None, now: datetime
) -> None:
    """Screen a record just made as ``asked`` (nothing when no screening was asked)."""
    if asked is not None:
        _apply(session, actor, record, asked.basis, asked.marked_title, now)


def screen_decision(
    session: Session, *, actor: Actor, number: int, basis: str | None, now: datetime,
    marked_title: str | None = None,
) -> Decision:  # fmt: skip
    """Screen D-n with ``basis`` (``None`` or blank lifts the screening)."""
    decision = decision_store.by_number(session, number)
    if decision is None:
        raise UserError("decision.not_found", ref=Decision.ref_of(number))
    _apply(session, actor, decision, basis, marked_title, now)
    return decision


def screen_issue(
    session: Session, *, actor: Actor, number: int, basis: str | None, now: datetime,
    marked_title: str | None = None,
) -> Issue:  # fmt: skip
    """Screen I-n with ``basis`` (``None`` or blank lifts the screening)."""
    issue = issue_store.by_number(session, number)
    if issue is None:
        raise UserError("common.issue_not_found", ref=Issue.ref_of(number))
    _apply(session, actor, issue, basis, marked_title, now)
    return issue


def screen_meeting(
    session: Session, *, actor: Actor, number: int, basis: str | None, now: datetime,
    marked_title: str | None = None,
) -> Meeting:  # fmt: skip
    """Screen M-n with ``basis`` (``None`` or blank lifts the screening)."""
    meeting = meeting_store.by_number(session, number)
    if meeting is None:
        raise UserError("common.meeting_not_found", ref=Meeting.ref_of(number))
    _apply(session, actor, meeting, basis, marked_title, now)
    return meeting


def _apply(
    session: Session,
    actor: Actor,
    record: Screenable,
    basis: str | None,
    marked_title: str | None,
    now: datetime,
) -> None:
    permissions.require_author_or_coordinator(actor, author_of(record), ref=record.ref)
    before = (record.screening, record.screened_title, record.title)
    if basis is None or not basis.strip():
        if record.screening is None:
            raise UserError("screening.not_screened", ref=record.ref)
        record.screening = record.screened_title = None
    else:
        record.screening = guard.check_text(basis, FIELD, limit=SCREENING, required=True)
        record.title, record.screened_title = _marks(record, marked_title)
    changes: dict[str, object] = {
        "screening": [before[0], record.screening],
        "screened_title": [before[1], record.screened_title],
    }
    if record.title != before[2]:
        changes["title"] = [before[2], record.title]
    action = "screened" if record.screening else "unscreened"
    audit.change(session, actor, record, action, changes, now)


def _marks(record: Screenable, marked_title: str | None) -> tuple[str, str | None]:
    """The record's title without marks, and with them (None: the whole title is screened).

    A title typed with ``**marks**`` (a record created with a screening) gives its own marks;
    a ``marked_title`` must be the title as it stands, with marks added.
    """
    if marked_title is None or not marked_title.strip():
        if _MARKED.search(record.title):
            return plain_title(record.title), record.title
        return record.title, None
    marked = check_marks(guard.check_text(marked_title, "title", limit=300, required=True))
    if not _MARKED.search(marked):
        raise UserError("screening.no_marks")
    if " ".join(plain_title(marked).split()) != " ".join(plain_title(record.title).split()):
        raise UserError("screening.marks_differ", ref=record.ref)
    return plain_title(record.title), marked
