"""Screening from public access on the slash commands and forms (SPEC §10).

``skjerming:"Offl. § 14"`` (in English also ``screening:``) on ``/decision``, ``/issue`` and
``/meeting schedule`` screens the record as it is made, the words of its title given in
``**double stars**`` or the whole title; ``<command> screen <ref> <basis> [title:"…"]`` screens
one that exists and ``<command> unscreen <ref>`` lifts it. Who may is the core's to say
(``bot.screening``: the record's author or a coordinator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from sqlalchemy.orm import Session

from bot import screening
from bot.context import Actor
from bot.errors import UserError
from bot.text.grammar import parse_ref
from bot.text.i18n import t
from handlers.common import Answer
from handlers.modals import Form
from handlers.slash import Request
from handlers.views import screening as views

# the option as SPEC §10 names it, and its English spelling
OPTIONS: Final = ("skjerming", "screening")
SCREEN_OPTIONS: Final = ("title",)
FIELD: Final = screening.FIELD  # the field an error about the basis names (a form's block)


def typed_basis(req: Request) -> str | None:
    """The basis a create command was given with ``skjerming:`` (None: no screening asked;
    a blank one is the core's to refuse)."""
    given = [value for key in OPTIONS if (value := req.option(key)) is not None]
    if len(given) > 1:
        raise UserError("parse.duplicate_option", option=OPTIONS[0])
    return given[0] if given else None


def form_basis(form: Form, block: str) -> str | None:
    """The basis typed in a form's screening field (None: left empty, nothing screened)."""
    value = form.value(block)
    return str(value) if isinstance(value, str) and value.strip() else None


class Screen(Protocol):
    def __call__(
        self, session: Session, *, actor: Actor, number: int, basis: str | None, now: datetime,
        marked_title: str | None = None,
    ) -> screening.Screenable: ...  # fmt: skip


@dataclass(frozen=True)
class Kind:
    """One kind of record as ``screen`` and ``unscreen`` read it."""

    command: str  # "/decision"
    prefix: str  # "D"
    ref_needed: str  # the sentence that asks which record
    screen: Screen


DECISION: Final = Kind("/decision", "D", "decision.ref_needed", screening.screen_decision)
ISSUE: Final = Kind("/issue", "I", "issue.ref_needed", screening.screen_issue)
MEETING: Final = Kind("/meeting", "M", "meeting.ref_needed", screening.screen_meeting)


def _ref(req: Request, kind: Kind, form: str) -> tuple[int, str]:
    """The record's number that starts the text, and the rest of the text."""
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError(kind.ref_needed, form=form)
    return parse_ref(words[0], kind.prefix), words[1] if len(words) > 1 else ""


def screen(req: Request, kind: Kind) -> Answer:
    """``<command> screen D-4 <basis> [title:"… **words** …"]``."""
    example = f"{kind.command} screen {kind.prefix}-1 Offl. § 14"
    number, basis = _ref(req, kind, example)
    if not basis.strip():
        raise UserError("screening.basis_needed", form=example.replace("-1", f"-{number}"))
    record = kind.screen(
        req.session, actor=req.actor, number=number, basis=basis, now=req.rt.clock.now(),
        marked_title=req.option("title"),
    )  # fmt: skip
    return Answer(views.screened(record, req.actor.user_id, req.lang), in_channel=True)


def unscreen(req: Request, kind: Kind) -> Answer:
    """``<command> unscreen D-4``."""
    number, _ = _ref(req, kind, f"{kind.command} unscreen {kind.prefix}-1")
    record = kind.screen(
        req.session, actor=req.actor, number=number, basis=None, now=req.rt.clock.now()
    )
    text = t(req.lang, "screening.unscreened", ref=record.ref, user=req.actor.user_id)
    return Answer(text, in_channel=True)


def subcommands(kind: Kind) -> dict[str, Callable[[Request], Answer]]:
    """``screen`` and ``unscreen`` for a command's table of subcommands."""

    def screen_it(req: Request) -> Answer:
        return screen(req, kind)

    def unscreen_it(req: Request) -> Answer:
        return unscreen(req, kind)

    return {"screen": screen_it, "unscreen": unscreen_it}
