"""/issue and /sak (SPEC §4.2): the subcommands, each answered in the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import issues
from bot import search as searching
from bot.errors import UserError
from bot.text.dates import parse_date
from bot.text.grammar import parse_ref, parse_user, split_list
from bot.text.i18n import t
from handlers import screening
from handlers.common import Answer, runtime_of, today
from handlers.ids import Command
from handlers.issues import forms
from handlers.slash import CommandSpec, Request, run_command
from handlers.views import issues as views
from handlers.views import search as search_views
from handlers.views.blocks import section
from storage.models import Decision, Issue

NEW_OPTIONS = ("dept", "details", "owner", "due", "prio", *screening.OPTIONS)


def _number(req: Request, form: str) -> tuple[int, str]:
    """The issue number that starts the text, and the rest of the text."""
    words = req.parsed.text.split(maxsplit=1)
    if not words:
        raise UserError("issue.ref_needed", form=form)
    return parse_ref(words[0], "I"), words[1] if len(words) > 1 else ""


def new(req: Request) -> Answer:
    if not req.parsed.text:
        raise UserError("issue.title_required")
    due = req.option("due")
    owner = req.option("owner")
    data = issues.IssueInput(
        title=req.parsed.text,
        departments=split_list(req.option("dept") or ""),
        description=req.option("details") or "",
        owner=parse_user(owner) if owner else None,
        priority=req.option("prio") or "normal",
        due=parse_date(due, today=today(req.rt)) if due else None,
        screening=screening.typed_basis(req),
    )
    issue = issues.register(
        req.session, org=req.rt.org, actor=req.actor, data=data, now=req.rt.clock.now()
    )
    text = views.registered(issue, req.lang)
    _, blocks = views.assigned_dm(issue, req.lang, today(req.rt))
    blocks[0] = section(text)
    return Answer(text, blocks, in_channel=True, receipt=issue.ref)


def listing(req: Request) -> Answer:
    mine = "mine" in req.parsed.text.lower().split()
    found, total = issues.listing(
        req.session,
        org=req.rt.org,
        today=today(req.rt),
        department=req.option("dept"),
        status=(req.option("status") or "open").lower(),
        user=req.actor.user_id if mine else None,
    )
    text, blocks = views.listing(found, total, req.lang, today(req.rt))
    return Answer(text, blocks)


def show(req: Request) -> Answer:
    number, _ = _number(req, "/issue show I-1")
    issue = issues.get(req.session, number)
    text, blocks = views.card(
        issue,
        issues.decisions_for(req.session, issue),
        req.lang,
        today(req.rt),
        req.rt.org.timezone,
        req.rt.org.web_url,
    )
    return Answer(text, blocks)


def note(req: Request) -> Answer:
    number, text = _number(req, "/issue note I-1 <tekst>")
    if not text.strip():
        raise UserError("issue.note_needed", ref=Issue.ref_of(number))
    issue = issues.add_note(
        req.session, actor=req.actor, number=number, text=text, now=req.rt.clock.now()
    )
    return Answer(t(req.lang, "issue.noted", ref=issue.ref), in_channel=True)


def assign(req: Request) -> Answer:
    number, rest = _number(req, "/issue assign I-1 @kari")
    if not rest.strip():
        raise UserError("issue.user_needed", ref=Issue.ref_of(number))
    owner = parse_user(rest.split()[0])
    issue = issues.assign(
        req.session, actor=req.actor, number=number, owner=owner, now=req.rt.clock.now(),
        org=req.rt.org,
    )  # fmt: skip
    return Answer(t(req.lang, "issue.assigned", owner=owner, ref=issue.ref), in_channel=True)


def close(req: Request) -> Answer:
    number, rest = _number(req, "/issue close I-1")
    decision = req.option("decision")
    issue = issues.close(
        req.session,
        actor=req.actor,
        number=number,
        now=req.rt.clock.now(),
        decision=parse_ref(decision, "D") if decision else None,
        text=rest,
    )
    if decision:
        text = t(
            req.lang,
            "issue.closed_with",
            ref=issue.ref,
            user=req.actor.user_id,
            decision=Decision.ref_of(parse_ref(decision, "D")),
        )
    else:
        text = t(req.lang, "issue.closed", ref=issue.ref, user=req.actor.user_id)
    return Answer(text, in_channel=True)


def reopen(req: Request) -> Answer:
    number, _ = _number(req, "/issue reopen I-1")
    issue = issues.reopen(req.session, actor=req.actor, number=number, now=req.rt.clock.now())
    return Answer(
        t(req.lang, "issue.reopened", ref=issue.ref, user=req.actor.user_id), in_channel=True
    )


def ack(req: Request) -> Answer:
    number, _ = _number(req, "/issue ack I-1 dept:RMA")
    code = req.option("dept")
    if not code:
        raise UserError("issue.dept_needed", ref=Issue.ref_of(number))
    issue, row = issues.acknowledge(
        req.session, org=req.rt.org, actor=req.actor, number=number, code=code,
        now=req.rt.clock.now(),
    )  # fmt: skip
    return Answer(
        t(
            req.lang,
            "issue.acked",
            code=row.department,
            ref=issue.ref,
            user=req.actor.user_id,
        ),
        in_channel=True,
    )


def search(req: Request) -> Answer:
    found = searching.find(req.session, words=req.parsed.text, kinds=(searching.ISSUE,), lean=True)
    text, blocks = search_views.hits(found, req.lang)
    return Answer(text, blocks)


def usage(req: Request) -> Answer:
    return Answer(t(req.lang, "issue.help"))


SPEC = CommandSpec(
    name=Command.ISSUE,
    subcommands={
        "new": new, "list": listing, "show": show, "note": note, "assign": assign,
        "close": close, "reopen": reopen, "ack": ack, "search": search,
        **screening.subcommands(screening.ISSUE), "help": usage,
    },
    options={
        "new": NEW_OPTIONS, "list": ("dept", "status"), "close": ("decision",), "ack": ("dept",),
        "screen": screening.SCREEN_OPTIONS,
    },
    creates=frozenset({"new"}),
    reads=frozenset({"list", "search", "show", "help"}),
    on_empty=forms.open_modal,
)  # fmt: skip


def issue_command(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    run_command(runtime_of(context), SPEC, ack, body, client)
