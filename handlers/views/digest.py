"""Block Kit for the weekly digest: within 50 blocks and 3,000 characters a section at any size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest import Digest
from bot.orgconfig import OrgConfig
from bot.text.formats import format_date, format_number
from bot.text.i18n import Lang, t
from handlers.ids import IssueAction
from handlers.views import meetings as meeting_views
from handlers.views.blocks import (
    MESSAGE_BLOCKS,
    actions,
    button,
    clip,
    context,
    divider,
    fields,
    header,
    link_button,
    more,
    page_url,
    quote,
    section,
    sections,
)
from storage.models import Decision, Issue

Blocks = list[dict[str, Any]]
WAITING = 4  # the place of "waiting for acknowledgement" among the digest's parts


def _period(digest: Digest, lang: Lang) -> str:
    first, last = digest.week.start.date(), digest.week.last_day
    return f"{format_date(first, lang)} – {format_date(last, lang)}"


def _codes(issue: Issue) -> str:
    return ", ".join(d.department for d in issue.departments)


def _issue_line(issue: Issue) -> str:
    return f"• *{issue.ref}* {quote(clip(issue.title, 120))} — {_codes(issue)}"


def _issue_part(
    lang: Lang, key: str, issues: Sequence[Issue], total: int, command: str
) -> list[str]:
    if not total:
        return []
    lines = [
        f"*{t(lang, key, count=format_number(total, lang))}*",
        *(_issue_line(i) for i in issues),
    ]
    return lines + more(lang, len(issues), total, command)


def _decisions(digest: Digest, org: OrgConfig, lang: Lang) -> list[str]:
    if not digest.decisions_total:
        return []
    lines = [f"*{t(lang, 'digest.decisions', count=format_number(digest.decisions_total, lang))}*"]
    by_code: dict[str, list[Decision]] = {}
    for decision in digest.decisions:
        for row in decision.departments or []:
            by_code.setdefault(row.department, []).append(decision)
    undepartmented = [d for d in digest.decisions if not d.departments]
    codes = digest.codes(org)
    others = sorted(set(by_code) - set(org.department_codes)) if digest.departments is None else []
    for code in [*codes, *others]:
        count = digest.decisions_per_department.get(code, 0)
        if not count:
            continue
        items = " · ".join(f"{d.ref} {quote(clip(d.title, 80))}" for d in by_code.get(code, []))
        lines.append(f"• *{code}* ({count}): {items}" if items else f"• *{code}* ({count})")
    if undepartmented:
        items = " · ".join(f"{d.ref} {quote(clip(d.title, 80))}" for d in undepartmented)
        lines.append(f"• {items}")
    return lines + more(lang, len(digest.decisions), digest.decisions_total, "/decision list")


def _waiting(digest: Digest, lang: Lang) -> list[str]:
    if not digest.waiting_total:
        return []
    lines = [f"*{t(lang, 'digest.waiting', count=format_number(digest.waiting_total, lang))}*"]
    for issue in digest.waiting:
        codes = ", ".join(d.department for d in issue.departments if not d.acked_by)
        lines.append(
            f"• *{issue.ref}* {quote(clip(issue.title, 120))} — "
            + t(lang, "digest.waiting_for", codes=codes)
        )
    return lines + more(lang, len(digest.waiting), digest.waiting_total, "/issue list")


def _waiting_to_ack(digest: Digest, lang: Lang) -> Blocks:
    """A shared channel's "waiting for acknowledgement", each issue with the *Acknowledge*
    button of the channel's first department still owing it: its partner agency's users have
    no slash commands there (SPEC §8)."""
    lines = _waiting(digest, lang)
    if not lines:
        return []
    out: Blocks = [section(lines[0])]
    for issue, line in zip(digest.waiting, lines[1:], strict=False):
        owing = [
            d.department
            for d in issue.departments
            if not d.acked_by and d.department in (digest.departments or ())
        ]
        accessory = None
        if owing:
            code = owing[0]
            accessory = button(
                t(lang, "issue.b_ack", code=code), IssueAction.ACK, f"{issue.number}:{code}"
            )
        out.append(section(line, accessory=accessory))
    rest = lines[1 + len(digest.waiting) :]
    if rest:
        out.append(section("\n".join(rest)))
    return out


def _meetings(digest: Digest, lang: Lang, tz: ZoneInfo) -> list[str]:
    if not digest.meetings_total:
        return []
    count = format_number(digest.meetings_total, lang)
    lines = [f"*{t(lang, 'digest.meetings', count=count, days=digest.lookahead_days)}*"]
    lines += [
        "• " + meeting_views.one_line(meeting, lang, tz, agenda)
        for meeting, agenda in digest.meetings
    ]
    return lines + more(lang, len(digest.meetings), digest.meetings_total, "/meeting list")


def render(digest: Digest, org: OrgConfig, lang: Lang) -> tuple[str, Blocks]:
    """The digest as a message: one line for an empty week, else only the sections with news."""
    tz = org.timezone
    title = t(lang, "digest.title", week=digest.week.number)
    blocks: Blocks = [header(title), context(f"{_period(digest, lang)} · {quote(org.name)}")]
    if digest.is_empty:
        text = t(lang, "digest.empty", days=digest.lookahead_days)
        return f"{title}: {text}", [*blocks, *sections(text)]
    parts = [
        _decisions(digest, org, lang),
        _issue_part(lang, "digest.opened", digest.opened, digest.opened_total,
                    "/issue list status:all"),
        _issue_part(lang, "digest.closed", digest.closed, digest.closed_total,
                    "/issue list status:closed"),
        _issue_part(lang, "digest.overdue", digest.overdue, digest.overdue_total, "/issue list"),
        _waiting(digest, lang),
        _meetings(digest, lang, tz),
    ]  # fmt: skip
    summary = []
    for index, lines in enumerate(parts):
        if not lines:
            continue
        summary.append(lines[0].strip("*"))
        if digest.departments is not None and index == WAITING:
            blocks.extend(_waiting_to_ack(digest, lang))  # a shared channel: with its buttons
        else:
            blocks.extend(sections("\n".join(lines))[:4])
    if digest.open_per_department:
        blocks.append(sections(f"*{t(lang, 'digest.open_per_department')}*")[0])
        pairs = []
        for code in digest.codes(org):
            open_count, overdue = digest.open_per_department.get(code, (0, 0))
            value = t(lang, "digest.open_count", count=format_number(open_count, lang))
            if overdue:
                value += " · " + t(lang, "digest.overdue_count", count=format_number(overdue, lang))
            pairs.append((code, value))
        blocks.extend(fields(pairs))
    blocks.append(divider())
    hint = "digest.hint" if digest.departments is None else "connect.digest_hint"
    blocks.append(context(t(lang, hint)))
    if url := page_url(org.web_url, page="issues"):
        blocks.append(actions([link_button(lang, url)]))
    text = f"{title}: " + "; ".join(summary)
    return clip(text, 3000), blocks[:MESSAGE_BLOCKS]
