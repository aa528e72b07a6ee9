"""Block Kit for issues: the department notice with its buttons, the card, lists, modals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.orgconfig import OrgConfig
from bot.text import guard
from bot.text.formats import format_date, format_datetime, format_number
from bot.text.i18n import Lang, t
from handlers.ids import IssueAction, IssueBlock, IssueCallback
from handlers.views import screening
from handlers.views.blocks import (
    actions,
    button,
    clip,
    context,
    department_options,
    fields,
    form_input,
    header,
    link_button,
    modal_view,
    option,
    page_url,
    quote,
    section,
    sections,
    text_input,
    user,
)
from storage.models import Decision, Issue

Blocks = list[dict[str, Any]]


def is_overdue(issue: Issue, today: date) -> bool:
    return issue.status == "open" and issue.due is not None and issue.due < today


def _status(issue: Issue, lang: Lang, today: date) -> str:
    text = t(lang, f"issue.status_{issue.status}")
    return text + (f" · *{t(lang, 'issue.overdue')}*" if is_overdue(issue, today) else "")


def one_line(issue: Issue, lang: Lang, today: date) -> str:
    """``*I-3* Title — RMA, PU · høy · Frist 1. desember 2026 · @owner``."""
    meta = [", ".join(d.department for d in issue.departments)]
    if issue.priority != "normal":
        meta.append(t(lang, f"issue.prio_{issue.priority}"))
    if issue.due:
        due = f"{t(lang, 'issue.f_due')} {format_date(issue.due, lang)}"
        meta.append(f"*{due} ({t(lang, 'issue.overdue')})*" if is_overdue(issue, today) else due)
    if issue.status == "closed":
        meta.append(t(lang, "issue.status_closed"))
    meta.append(user(issue.owner))
    return f"*{issue.ref}* {quote(clip(issue.title, 200))} — " + " · ".join(meta)


def registered(issue: Issue, lang: Lang) -> str:
    """What the reporter (and the channel) is told: the new issue, and its screening if any."""
    text = t(lang, "issue.registered", ref=issue.ref, title=quote(issue.title))
    screened = screening.line(issue, lang)
    return f"{text}\n{screened}" if screened else text


def notice(
    issue: Issue, code: str, lang: Lang, today: date, tz: ZoneInfo, web: str | None = None
) -> tuple[str, Blocks]:
    """The message in a department's channel; buttons act on the issue and this department
    (and, with the web, one opens its page)."""
    text = t(
        lang, "issue.notice_intro", code=code, ref=issue.ref, title=quote(clip(issue.title, 200))
    )
    blocks: Blocks = [section(text)]
    if issue.description:
        blocks.append(section(quote(clip(issue.description, 2900))))
    blocks.extend(_facts(issue, lang, today))
    blocks.append(context(_ack_summary(issue, lang, tz)))
    if issue.status == "open":
        row = next((d for d in issue.departments if d.department == code), None)
        buttons = []
        if row is not None and not row.acked_by:
            buttons.append(
                button(
                    t(lang, "issue.b_ack", code=code),
                    IssueAction.ACK,
                    f"{issue.number}:{code}",
                    style="primary",
                )
            )
        buttons += [
            button(t(lang, "issue.b_take"), IssueAction.TAKE, str(issue.number)),
            button(t(lang, "issue.b_note"), IssueAction.NOTE, str(issue.number)),
            button(t(lang, "issue.b_close"), IssueAction.CLOSE, str(issue.number), style="danger"),
        ]
        if url := page_url(web, issue.ref):
            buttons.append(link_button(lang, url))
        blocks.append(actions(buttons, block_id=f"issue:{issue.number}:{code}"))
    elif url := page_url(web, issue.ref):
        blocks.append(actions([link_button(lang, url)]))
    return f"{issue.ref}: {quote(clip(issue.title, 200))}", blocks


def _facts(issue: Issue, lang: Lang, today: date) -> Blocks:
    return fields(
        [
            (t(lang, "issue.f_status"), _status(issue, lang, today)),
            (t(lang, "issue.f_priority"), t(lang, f"issue.prio_{issue.priority}")),
            (t(lang, "issue.f_owner"), user(issue.owner)),
            (t(lang, "issue.f_reporter"), user(issue.reporter)),
            (t(lang, "issue.f_due"), format_date(issue.due, lang) if issue.due else ""),
            (t(lang, "issue.f_departments"), ", ".join(d.department for d in issue.departments)),
        ]
    )


def _ack_summary(issue: Issue, lang: Lang, tz: ZoneInfo) -> str:
    lines = []
    for row in issue.departments:
        if row.acked_by and row.acked_at:
            when = format_datetime(row.acked_at, lang, tz)
            if row.acked_address:  # through a one-click link in an e-mail (SPEC §9)
                address = quote(row.acked_address)
                line = t(lang, "issue.acked_line_email", code=row.department, address=address,
                         when=when)  # fmt: skip
            else:
                line = t(lang, "issue.acked_line", code=row.department, user=row.acked_by,
                         when=when)  # fmt: skip
            lines.append(line)
        else:
            lines.append(t(lang, "issue.waiting_line", code=row.department))
    return "\n".join(lines)


def card(
    issue: Issue,
    decisions: Sequence[Decision],
    lang: Lang,
    today: date,
    tz: ZoneInfo,
    web: str | None = None,
) -> tuple[str, Blocks]:
    """The whole issue: facts, acknowledgements, notes (newest last), linked decisions."""
    title = f"{issue.ref} · {issue.title}"
    blocks: Blocks = [header(title), *_facts(issue, lang, today)]
    blocks.extend(screening.line_blocks(issue, lang))
    if issue.description:
        blocks.extend(sections(quote(issue.description)))
    blocks.append(section(f"*{t(lang, 'issue.acks')}*\n{_ack_summary(issue, lang, tz)}"))
    if decisions:
        refs = ", ".join(f"{d.ref} {quote(clip(d.title, 80))}" for d in decisions)
        blocks.append(section(f"*{t(lang, 'issue.f_decisions')}*\n{refs}"))
    notes = [
        t(
            lang,
            "issue.note_line",
            user=n.author,
            when=format_datetime(n.created_at, lang, tz),
            text=quote(n.text),
        )
        for n in issue.notes
    ]
    # keep within 50 blocks: the newest notes are the ones that matter
    body = "\n".join(notes[-40:]) if notes else t(lang, "issue.no_notes")
    blocks.extend(sections(f"*{t(lang, 'issue.notes')}*\n{body}")[-20:])
    if issue.source_permalink:
        blocks.append(context(t(lang, "issue.source", url=issue.source_permalink)))
    blocks = blocks[:49]
    if url := page_url(web, issue.ref):
        blocks.append(actions([link_button(lang, url)]))
    return f"{quote(title)} — {t(lang, f'issue.status_{issue.status}')}", blocks


def listing(issues: Sequence[Issue], total: int, lang: Lang, today: date) -> tuple[str, Blocks]:
    if not issues:
        text = t(lang, "issue.list_empty")
        return text, [section(text)]
    lines = "\n".join(one_line(i, lang, today) for i in issues)
    blocks = sections(lines)
    if total > len(issues):
        blocks.append(
            context(
                t(
                    lang,
                    "issue.list_more",
                    shown=format_number(len(issues), lang),
                    total=format_number(total, lang),
                )
            )
        )
    return lines, blocks


def modal(
    org: OrgConfig, lang: Lang, *, metadata: dict[str, Any], title: str = "", description: str = ""
) -> dict[str, Any]:
    """The "Register issue" modal."""
    priorities = [option(t(lang, f"issue.prio_{p}"), p) for p in ("low", "normal", "high")]
    # a shortcut's message may hold an identity number: it is not copied into the form
    mask = t(lang, "safety.redacted")
    title, description = (guard.redact_identity_numbers(v, mask) for v in (title, description))
    blocks = [
        form_input(
            IssueBlock.TITLE, t(lang, "issue.m_title"), text_input(200, initial=title),
            optional=False,
        ),
        form_input(
            IssueBlock.DESCRIPTION, t(lang, "issue.m_description"),
            text_input(3000, initial=description, multiline=True),
        ),
        form_input(
            IssueBlock.DEPARTMENTS, t(lang, "issue.m_departments"),
            {"type": "multi_static_select", "options": department_options(org)}, optional=False,
        ),
        form_input(IssueBlock.OWNER, t(lang, "issue.m_owner"), {"type": "users_select"}),
        form_input(
            IssueBlock.PRIORITY, t(lang, "issue.m_priority"),
            {"type": "static_select", "options": priorities, "initial_option": priorities[1]},
            optional=False,
        ),
        form_input(IssueBlock.DUE, t(lang, "issue.m_due"), {"type": "datepicker"}),
        screening.form_field(IssueBlock.SCREENING, lang),
    ]  # fmt: skip
    return modal_view(
        IssueCallback.MODAL, lang, title=t(lang, "issue.m_heading"),
        submit=t(lang, "common.save"), metadata=metadata, blocks=blocks,
    )  # fmt: skip


def note_modal(issue: Issue, lang: Lang, *, metadata: dict[str, Any]) -> dict[str, Any]:
    """A note on one issue (the notice's *Add note* button, status requests)."""
    note = form_input(
        IssueBlock.NOTE, t(lang, "issue.m_note"), text_input(3000, multiline=True), optional=False
    )
    return modal_view(
        IssueCallback.NOTE_MODAL, lang, title=t(lang, "issue.m_note_heading"),
        submit=t(lang, "common.save"), metadata={**metadata, "issue": issue.number},
        blocks=[section(f"*{issue.ref}* {quote(clip(issue.title, 200))}"), note],
    )  # fmt: skip


def assigned_dm(issue: Issue, lang: Lang, today: date) -> tuple[str, Blocks]:
    """To a new owner: the issue, and *Add note* (a partner agency's user has no slash
    commands, SPEC §8: the button is their way to report progress)."""
    text = t(lang, "issue.assigned_dm", ref=issue.ref, title=quote(clip(issue.title, 200)))
    blocks: Blocks = [section(text), *_facts(issue, lang, today)]
    if issue.status == "open":
        note = button(t(lang, "issue.b_note"), IssueAction.NOTE, str(issue.number))
        blocks.append(actions([note], block_id=f"assigned:{issue.number}"))
    return text, blocks


def reminder(
    issue: Issue, kind: str, lang: Lang, *, code: str = "", days: int = 0
) -> tuple[str, Blocks]:
    """An acknowledgement reminder (channel), a due/overdue reminder or a nudge (owner DM)."""
    title = quote(clip(issue.title, 200))
    due = format_date(issue.due, lang) if issue.due else ""
    text = t(lang, f"issue.{kind}", ref=issue.ref, title=title, code=code, due=due, days=days)
    buttons = []
    if kind == "ack_reminder":
        buttons.append(
            button(
                t(lang, "issue.b_ack", code=code),
                IssueAction.ACK,
                f"{issue.number}:{code}",
                style="primary",
            )
        )
        # the department's members may take it on from here too (SPEC §8: from the messages)
        buttons.append(button(t(lang, "issue.b_take"), IssueAction.TAKE, str(issue.number)))
    buttons.append(button(t(lang, "issue.b_note"), IssueAction.NOTE, str(issue.number)))
    if kind != "ack_reminder":
        buttons.append(button(t(lang, "issue.b_close"), IssueAction.CLOSE, str(issue.number)))
    return text, [section(text), actions(buttons, block_id=f"remind:{issue.number}:{code}")]


def owner_changed_dm(
    issue: Issue, lang: Lang, *, before: str, owner: str, by: str
) -> tuple[str, Blocks]:
    """To the reporter and the previous owner: the issue has a new owner, and who changed it."""
    text = t(
        lang,
        "issue.owner_changed_dm",
        ref=issue.ref,
        title=quote(clip(issue.title, 200)),
        before=before,
        owner=owner,
        by=by,
    )
    return text, [section(text)]
