"""The register's pages (SPEC §9): decisions, issues and meetings, each list paged by 50,
each record at a stable URL (``/decisions/D-12``). Server-rendered; the reads are
``bot/register.py``'s."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request
from flask.typing import ResponseReturnValue

from bot import register
from bot.register import NotFound
from web.app import state
from web.auth import login_required

blueprint = Blueprint("pages", __name__)
_REF = re.compile(r"([DIM])-([1-9][0-9]{0,8})")


def _number(ref: str, prefix: str) -> int:
    """The number of ``ref`` (``D-12``) of the kind ``prefix``; any other text is not found."""
    found = _REF.fullmatch(ref)
    if found is None or found.group(1) != prefix:
        raise NotFound("web.error.not_found", ref=ref[:20])
    return int(found.group(2))


def decision_filters() -> register.DecisionFilter:
    """The decisions' filters as this request gives them (the page and its download)."""
    args = request.args
    return register.decision_filter(
        state().rt.org,
        department=args.get("department", ""),
        tag=args.get("tag", ""),
        status=args.get("status", ""),
        since=args.get("since", ""),
        words=args.get("q", ""),
    )


def _page() -> int:
    return register.page_number(request.args.get("page"))


def page_link(number: int) -> str:
    """This list's URL at page ``number``, its other filters kept."""
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    if number > 1:
        args["page"] = str(number)
    return request.path + ("?" + urlencode(args) if args else "")


def download_link(kind: str, fmt: str) -> str:
    """The download of this list's current filter (every page of it) as ``fmt``."""
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return f"/export/{kind}.{fmt}" + ("?" + urlencode(args) if args else "")


@blueprint.app_context_processor
def _links() -> dict[str, object]:
    return {"page_link": page_link, "download_link": download_link}


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return redirect("/decisions")


@blueprint.get("/decisions")
@login_required
def decisions() -> ResponseReturnValue:
    rt = state().rt
    args = request.args
    filters = decision_filters()
    with rt.db.session() as session:
        found = register.decision_page(session, filters=filters, number=_page(), viewer=g.viewer)
        return render_template(
            "decisions.html",
            page=found,
            filters=filters,
            statuses=register.DECISION_STATUSES,
            q=args.get("q", ""),
        )


@blueprint.get("/decisions/<ref>")
@login_required
def decision(ref: str) -> ResponseReturnValue:
    rt = state().rt
    number = _number(ref, "D")
    with rt.db.session() as session:
        record = register.decision_record(session, number=number, viewer=g.viewer)
        return render_template("decision.html", record=record, d=record.decision)


@blueprint.get("/issues")
@login_required
def issues() -> ResponseReturnValue:
    rt = state().rt
    with rt.db.session() as session:
        found = register.board(
            session, org=rt.org, now=rt.clock.now(), number=_page(), viewer=g.viewer
        )
        return render_template("issues.html", board=found, page=found.page)


@blueprint.get("/issues/<ref>")
@login_required
def issue(ref: str) -> ResponseReturnValue:
    rt = state().rt
    number = _number(ref, "I")
    with rt.db.session() as session:
        record = register.issue_record(
            session, org=rt.org, now=rt.clock.now(), number=number, viewer=g.viewer
        )
        return render_template("issue.html", record=record, i=record.issue)


@blueprint.get("/meetings")
@login_required
def meetings() -> ResponseReturnValue:
    rt = state().rt
    when = request.args.get("when", "upcoming")
    with rt.db.session() as session:
        found = register.meeting_page(
            session, org=rt.org, now=rt.clock.now(), when=when, number=_page(), viewer=g.viewer
        )
        return render_template("meetings.html", listing=found, page=found.page)


@blueprint.get("/meetings/<ref>")
@login_required
def meeting(ref: str) -> ResponseReturnValue:
    rt = state().rt
    number = _number(ref, "M")
    with rt.db.session() as session:
        record = register.meeting_record(session, org=rt.org, number=number, viewer=g.viewer)
        return render_template("meeting.html", record=record, m=record.meeting)


@blueprint.get("/search")
@login_required
def search() -> ResponseReturnValue:
    rt = state().rt
    words = request.args.get("q", "").strip()
    kind = request.args.get("kind", "").strip()
    if not words:
        return render_template(
            "search.html", q="", kind=kind, page=None, kinds=register.SEARCH_KINDS
        )
    with rt.db.session() as session:
        found = register.search_page(
            session, org=rt.org, words=words, kind=kind, number=_page(), viewer=g.viewer
        )
        return render_template(
            "search.html", q=words, kind=kind, page=found, kinds=register.SEARCH_KINDS
        )


PATHS = {"decision": "/decisions/", "issue": "/issues/", "meeting": "/meetings/"}


@blueprint.app_template_filter("record_url")
def record_url(ref: str, kind: str) -> str:
    """The stable URL of a record (``/issues/I-3``)."""
    return PATHS[kind] + ref
