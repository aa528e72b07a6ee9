"""``/reports`` (SPEC §9): four reports, each a chart (a same-origin SVG image drawn by
``web/charts.py``) with its text alternative and its numbers as a table, printable on A4; and
the coordinators' download of the current filter of ``/decisions`` and ``/issues`` as CSV or
JSON in the export's format. The numbers and who may download are ``bot/reports.py``'s."""

from __future__ import annotations

import io

from flask import Blueprint, Response, g, render_template
from flask.typing import ResponseReturnValue

from bot import register, reports
from web import charts
from web.app import state, text
from web.auth import login_required
from web.pages import decision_filters

blueprint = Blueprint("reports", __name__)
CHARTS = ("open", "ack", "decisions", "overdue")


@blueprint.get("/reports")
@login_required
def page() -> ResponseReturnValue:
    rt = state().rt
    register.require_whole_register(g.viewer)
    with rt.db.session() as session:
        found = reports.report(session, org=rt.org, now=rt.clock.now())
        return render_template("reports.html", report=found, hours=charts.hours, charts=CHARTS)


@blueprint.get("/reports/<name>.svg")
@login_required
def chart(name: str) -> ResponseReturnValue:
    if name not in CHARTS:
        raise register.NotFound("web.error.not_found_page")
    register.require_whole_register(g.viewer)
    rt = state().rt
    org, now = rt.org, rt.clock.now()
    codes = org.department_codes
    with rt.db.session() as session:
        if name == "open":
            svg = charts.open_by_week(
                reports.open_by_week(session, org=org, now=now),
                codes,
                title=text("reports.open_title"),
            )
        elif name == "ack":
            svg = charts.ack_times(
                reports.ack_times(session, org=org, since=now - reports.ACK_PERIOD),
                title=text("reports.ack_title"),
                median=text("reports.median"),
                longest=text("reports.longest"),
            )
        elif name == "decisions":
            svg = charts.decisions_by_month(
                reports.decisions_by_month(session, org=org, now=now),
                codes,
                title=text("reports.month_title"),
            )
        else:
            svg = charts.overdue_now(
                reports.overdue_now(session, org=org, now=now),
                codes,
                title=text("reports.overdue_title"),
                past_due=text("reports.past_due"),
                late=text("reports.late_ack"),
            )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = charts.SVG_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _download(kind: str, fmt: str) -> Response:
    """The current filter of ``/decisions`` or the ``/issues`` board, for coordinators."""
    rt = state().rt
    fmt = reports.check_format(fmt)
    out = io.StringIO()
    with rt.db.session() as session:
        actor = rt.actor(session, g.user.id)
        if kind == "decisions":
            filters = decision_filters()
            records = reports.decision_download(session, actor=actor, filters=filters)
        else:
            records = reports.issue_download(session, actor=actor)
        reports.write(records, out, kind=kind, fmt=fmt)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    response = Response(out.getvalue(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/export/decisions.<fmt>")
@login_required
def decisions(fmt: str) -> ResponseReturnValue:
    return _download("decisions", fmt)


@blueprint.get("/export/issues.<fmt>")
@login_required
def issues(fmt: str) -> ResponseReturnValue:
    return _download("issues", fmt)


def may_download() -> bool:
    """Whether to show the download links (the use cases decide who may download)."""
    user = g.get("user")
    return user is not None and state().rt.is_coordinator(user.id)
