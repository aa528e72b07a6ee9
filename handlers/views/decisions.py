"""Block Kit for decisions: the confirmation, the card, lists, the modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.orgconfig import OrgConfig
from bot.text import guard
from bot.text.formats import format_date, format_number
from bot.text.i18n import Lang, t
from handlers.ids import Block, Callback
from handlers.views import screening
from handlers.views.blocks import (
    actions,
    clip,
    context,
    department_options,
    fields,
    form_input,
    header,
    link_button,
    modal_view,
    page_url,
    quote,
    section,
    sections,
    text_input,
    user,
)
from storage.models import Decision

View = dict[str, Any]


def status_text(decision: Decision, lang: Lang) -> str:
    if decision.status == "superseded" and decision.superseded_by is not None:
        return t(lang, "decision.status_superseded", by=decision.superseded_by.ref)
    return t(lang, f"decision.status_{decision.status}")


def one_line(decision: Decision, lang: Lang) -> str:
    """``*D-12* Title — 1. desember 2026 · RMA, OPA`` (+ status when not active)."""
    codes = ", ".join(d.department for d in decision.departments)
    parts = [f"*{decision.ref}* {quote(clip(decision.title, 200))}"]
    meta = format_date(decision.decided_on, lang)
    if codes:
        meta += f" · {codes}"
    if decision.status != "active":
        meta += f" · _{status_text(decision, lang)}_"
    return parts[0] + " — " + meta


def logged(decision: Decision, lang: Lang) -> tuple[str, list[dict[str, Any]]]:
    """The in-channel confirmation of a new decision."""
    text = t(lang, "decision.logged", ref=decision.ref, title=quote(clip(decision.title, 200)))
    blocks = [section(text)]
    details = []
    if decision.decided_by:
        details.append(t(lang, "decision.by_line", by=quote(decision.decided_by)))
    if decision.departments:
        details.append(", ".join(d.department for d in decision.departments))
    if decision.supersedes is not None:
        details.append(t(lang, "decision.supersedes_line", ref=decision.supersedes.ref))
    details.append(t(lang, "decision.show_hint", ref=decision.ref))
    blocks.append(context(" · ".join(details)))
    blocks.extend(screening.line_blocks(decision, lang))
    return text, blocks


def card(
    decision: Decision,
    chain: tuple[Sequence[Decision], Sequence[Decision]],
    lang: Lang,
    web: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The whole decision with its links and its ``chain``: the decisions it superseded
    (nearest first) and those that superseded it (``bot.decisions.chain``)."""
    title = f"{decision.ref} · {decision.title}"
    blocks: list[dict[str, Any]] = [header(title)]
    pairs = [
        (t(lang, "decision.f_status"), status_text(decision, lang)),
        (t(lang, "decision.f_decided_on"), format_date(decision.decided_on, lang)),
        (t(lang, "decision.f_decided_by"), quote(decision.decided_by)),
        (t(lang, "decision.f_departments"), ", ".join(d.department for d in decision.departments)),
        (t(lang, "decision.f_tags"), ", ".join(f"#{tag.tag}" for tag in decision.tags)),
        (t(lang, "decision.f_author"), user(decision.author)),
        (t(lang, "decision.f_meeting"), decision.meeting.ref if decision.meeting else ""),
        (t(lang, "decision.f_issue"), decision.issue.ref if decision.issue else ""),
    ]
    blocks.extend(fields(pairs))
    blocks.extend(screening.line_blocks(decision, lang))
    if decision.details:
        blocks.extend(sections(quote(decision.details)))
    if decision.basis:
        blocks.extend(sections(f"*{t(lang, 'decision.f_basis')}*\n{quote(decision.basis)}"))
    if decision.status == "revoked":
        blocks.append(
            section(
                t(
                    lang,
                    "decision.revoked_line",
                    by=user(decision.revoked_by or ""),
                    reason=quote(decision.revoked_reason or ""),
                )
            )
        )
    older, newer = chain
    if older or newer:
        links = [d.ref for d in reversed(newer)] + [f"*{decision.ref}*"] + [d.ref for d in older]
        blocks.append(context(t(lang, "decision.chain", chain=" → ".join(links))))
    if decision.source_permalink:
        blocks.append(context(t(lang, "decision.source", url=decision.source_permalink)))
    if url := page_url(web, decision.ref):
        blocks.append(actions([link_button(lang, url)]))
    return f"{quote(title)} — {status_text(decision, lang)}", blocks


def listing(
    decisions: Sequence[Decision], total: int, lang: Lang, *, empty_key: str, more_key: str
) -> tuple[str, list[dict[str, Any]]]:
    """Decisions one to a line, and how many more matched."""
    if not decisions:
        text = t(lang, empty_key)
        return text, [section(text)]
    lines = [one_line(d, lang) for d in decisions]
    blocks = sections("\n".join(lines))
    if total > len(decisions):
        blocks.append(
            context(
                t(
                    lang,
                    more_key,
                    shown=format_number(len(decisions), lang),
                    total=format_number(total, lang),
                )
            )
        )
    return "\n".join(lines), blocks


def modal(
    org: OrgConfig,
    lang: Lang,
    *,
    today: date,
    metadata: dict[str, Any],
    title: str = "",
    details: str = "",
) -> View:
    """The "Log decision" modal; ``metadata`` (channel, source message) rides along."""
    # a shortcut's message may hold an identity number: it is not copied into the form
    mask = t(lang, "safety.redacted")
    title, details = (guard.redact_identity_numbers(v, mask) for v in (title, details))
    return modal_view(
        Callback.DECISION_MODAL,
        lang,
        title=t(lang, "decision.m_heading"),
        submit=t(lang, "common.save"),
        metadata=metadata,
        blocks=[*_decision_inputs(org, lang, today, title, details), *_link_inputs(lang)],
    )


def _decision_inputs(
    org: OrgConfig, lang: Lang, today: date, title: str, details: str
) -> list[dict[str, Any]]:
    """What was decided, by whom, on what basis, and when."""
    return [
        form_input(
            Block.TITLE, t(lang, "decision.m_title"), text_input(200, initial=title),
            optional=False,
        ),
        form_input(
            Block.DETAILS, t(lang, "decision.m_details"),
            text_input(3000, initial=details, multiline=True),
        ),
        form_input(
            Block.DEPARTMENTS, t(lang, "decision.m_departments"),
            {"type": "multi_static_select", "options": department_options(org)},
        ),
        form_input(
            Block.DECIDED_BY, t(lang, "decision.m_decided_by"),
            text_input(200, placeholder=t(lang, "decision.m_decided_by_ph")),
        ),
        form_input(Block.BASIS, t(lang, "decision.m_basis"), text_input(3000, multiline=True)),
        form_input(
            Block.DATE, t(lang, "decision.m_date"),
            {"type": "datepicker", "initial_date": today.isoformat()}, optional=False,
        ),
    ]  # fmt: skip


def _link_inputs(lang: Lang) -> list[dict[str, Any]]:
    """Its tags, and the decision, meeting and issue it is linked to."""
    return [
        form_input(
            Block.TAGS, t(lang, "decision.m_tags"), text_input(300, placeholder="retur, dublin")
        ),
        form_input(
            Block.SUPERSEDES, t(lang, "decision.m_supersedes"), text_input(20, placeholder="D-12")
        ),
        form_input(Block.MEETING, t(lang, "decision.m_meeting"), text_input(20, placeholder="M-3")),
        form_input(Block.ISSUE, t(lang, "decision.m_issue"), text_input(20, placeholder="I-7")),
        screening.form_field(Block.SCREENING, lang),
    ]
