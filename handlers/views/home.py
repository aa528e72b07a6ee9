"""Block Kit for the Home tab: one user's overview, within 100 blocks at any size."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.home import Home
from bot.orgconfig import OrgConfig
from bot.text.formats import format_datetime, format_number
from bot.text.i18n import Lang, t
from handlers.ids import Action, IssueAction, MeetingAction
from handlers.views import decisions as decision_views
from handlers.views import issues as issue_views
from handlers.views import meetings as meeting_views
from handlers.views.blocks import (
    VIEW_BLOCKS,
    actions,
    button,
    clip,
    context,
    divider,
    header,
    link_button,
    more,
    page_url,
    quote,
    section,
    sections,
)
from storage.models import Issue

Blocks = list[dict[str, Any]]


def _mine(home: Home, lang: Lang) -> Blocks:
    if not home.mine_total:
        return [section(t(lang, "home.mine_none"))]
    lines = [f"*{t(lang, 'home.mine', count=format_number(home.mine_total, lang))}*"]
    lines += ["• " + issue_views.one_line(i, lang, home.today) for i in home.mine]
    lines += more(lang, len(home.mine), home.mine_total, "/issue list mine")
    return sections("\n".join(lines))[:3]


def _pending_codes(issue: Issue, home: Home) -> list[str]:
    return [
        row.department
        for row in issue.departments
        if not row.acked_by and row.department in home.departments
    ]


def _waiting(home: Home, lang: Lang) -> Blocks:
    if not home.departments:
        return [section(t(lang, "home.no_department"))]
    codes = ", ".join(home.departments)
    if not home.waiting_total:
        return [section(t(lang, "home.waiting_none", codes=codes))]
    count = format_number(home.waiting_total, lang)
    blocks: Blocks = [section(f"*{t(lang, 'home.waiting', codes=codes, count=count)}*")]
    for issue in home.waiting:
        pending = _pending_codes(issue, home)
        accessory = None
        if pending:
            code = pending[0]
            accessory = button(
                t(lang, "issue.b_ack", code=code),
                IssueAction.ACK,
                f"{issue.number}:{code}",
                style="primary",
            )
        line = issue_views.one_line(issue, lang, home.today)
        blocks.append(section(line, accessory=accessory, block_id=f"home:ack:{issue.number}"))
    rest = more(lang, len(home.waiting), home.waiting_total, "/issue list")
    if rest:
        blocks.append(context(rest[0]))
    return blocks


def _meetings(home: Home, lang: Lang, org: OrgConfig) -> Blocks:
    if not home.meetings_total:
        return [section(t(lang, "home.meetings_none", days=home.lookahead_days))]
    lines = [f"*{t(lang, 'home.meetings', count=format_number(home.meetings_total, lang))}*"]
    lines += [
        "• " + meeting_views.one_line(meeting, lang, org.timezone, agenda)
        for meeting, agenda in home.meetings
    ]
    lines += more(lang, len(home.meetings), home.meetings_total, "/meeting list")
    return sections("\n".join(lines))[:2]


def _decisions(home: Home, lang: Lang) -> Blocks:
    if not home.decisions:
        return [section(t(lang, "home.decisions_none"))]
    lines = [f"*{t(lang, 'home.decisions')}*"]
    lines += ["• " + decision_views.one_line(d, lang) for d in home.decisions]
    lines.append(t(lang, "home.more_decisions"))
    return sections("\n".join(lines))[:2]


def render(home: Home, org: OrgConfig, lang: Lang, now: datetime) -> dict[str, Any]:
    """The ``home`` view for ``views.publish``."""
    blocks: Blocks = [
        header(t(lang, "home.title")),
        context(t(lang, "home.intro", org=quote(clip(org.name, 200)))),
        actions(
            [
                button(t(lang, "home.b_decision"), Action.OPEN_DECISION_MODAL, style="primary"),
                button(t(lang, "home.b_issue"), IssueAction.OPEN_MODAL),
                button(t(lang, "home.b_meeting"), MeetingAction.OPEN_MODAL),
                *([link_button(lang, url)] if (url := page_url(org.web_url)) else []),
            ],
            block_id="home:create",
        ),
        divider(),
        *_mine(home, lang),
        divider(),
        *_waiting(home, lang),
        divider(),
        *_meetings(home, lang, org),
        divider(),
        *_decisions(home, lang),
        context(
            t(lang, "home.open_hint")
            + "\n"
            + t(lang, "home.updated", when=format_datetime(now, lang, org.timezone))
        ),
    ]
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}
