"""/decision and /beslutning (SPEC §4.1): the subcommands, each answered in the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import decisions
from bot import search as searching
from bot.decisions import DecisionInput
from bot.errors import UserError
from bot.text.dates import parse_date
from bot.text.grammar import parse_ref, split_list
from bot.text.i18n import t
from handlers import screening
from handlers.common import Answer, runtime_of, today
from handlers.decisions import forms
from handlers.ids import Command
from handlers.slash import CommandSpec, Request, run_command
from handlers.views import decisions as views
from handlers.views import search as search_views
from storage.models import Decision

NEW_OPTIONS = (
    "details", "dept", "by", "basis", "date", "meeting", "issue", "supersedes", "tags",
    *screening.OPTIONS,
)  # fmt: skip


def _ref(value: str | None, prefix: str) -> int | None:
    return parse_ref(value, prefix) if value else None


def new(req: Request) -> Answer:
    data = DecisionInput(
        title=req.parsed.text,
        details=req.option("details") or "",
        departments=split_list(req.option("dept") or ""),
        decided_by=req.option("by") or "",
        basis=req.option("basis") or "",
        decided_on=parse_date(req.option("date") or "", today=today(req.rt))
        if req.option("date")
        else None,
        tags=split_list(req.option("tags") or ""),
        meeting=_ref(req.option("meeting"), "M"),
        issue=_ref(req.option("issue"), "I"),
        supersedes=_ref(req.option("supersedes"), "D"),
        screening=screening.typed_basis(req),
    )
    if not data.title:
        raise UserError("decision.title_required")
    decision = decisions.log(
        req.session, org=req.rt.org, actor=req.actor, data=data, now=req.rt.clock.now()
    )
    text, blocks = views.logged(decision, req.lang)
    return Answer(text, blocks, in_channel=True, receipt=decision.ref)


def listing(req: Request) -> Answer:
    since = req.option("since")
    found, total = decisions.latest(
        req.session,
        req.rt.org,
        department=req.option("dept"),
        since=parse_date(since, today=today(req.rt)) if since else None,
        tag=req.option("tag"),
    )
    text, blocks = views.listing(
        found, total, req.lang, empty_key="decision.list_empty", more_key="decision.list_more"
    )
    return Answer(text, blocks)


def search(req: Request) -> Answer:
    found = searching.find(
        req.session, words=req.parsed.text, kinds=(searching.DECISION,), lean=True
    )
    text, blocks = search_views.hits(found, req.lang)
    return Answer(text, blocks)


def show(req: Request) -> Answer:
    if not req.parsed.text:
        raise UserError("decision.ref_needed", form="/decision show D-1")
    number = parse_ref(req.parsed.text.split()[0], "D")
    decision = decisions.get(req.session, number)
    text, blocks = views.card(decision, decisions.chain(decision), req.lang, req.rt.org.web_url)
    return Answer(text, blocks)


def revoke(req: Request) -> Answer:
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("decision.ref_needed", form="/decision revoke D-1 <reason>")
    number = parse_ref(words[0], "D")
    reason = words[1] if len(words) > 1 else ""
    if not reason.strip():
        raise UserError("decision.reason_required", ref=Decision.ref_of(number))
    decision = decisions.revoke(
        req.session, actor=req.actor, number=number, reason=reason, now=req.rt.clock.now()
    )
    text = t(req.lang, "decision.revoked", ref=decision.ref, user=f"<@{req.actor.user_id}>")
    return Answer(text, in_channel=True)


def usage(req: Request) -> Answer:
    return Answer(t(req.lang, "decision.help"))


SPEC = CommandSpec(
    name=Command.DECISION,
    subcommands={
        "new": new,
        "list": listing,
        "search": search,
        "show": show,
        "revoke": revoke,
        **screening.subcommands(screening.DECISION),
        "help": usage,
    },
    options={
        "new": NEW_OPTIONS,
        "list": ("dept", "since", "tag"),
        "screen": screening.SCREEN_OPTIONS,
    },
    creates=frozenset({"new"}),
    reads=frozenset({"list", "search", "show", "help"}),
    on_empty=forms.open_modal,
)


def decision_command(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)
