"""Block Kit for /meeting's answers: lists, the card, the series, what scheduling did.

The messages the outbox sends about a meeting are in ``handlers.views.meeting_messages``, the
"Schedule meeting" form in ``handlers.views.meeting_modal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.meetings import Details, Scheduled
from bot.orgconfig import MeetingSeries, OrgConfig
from bot.text.formats import format_date, format_datetime, format_number, format_time
from bot.text.holidays import holiday, holiday_name
from bot.text.i18n import Lang, t
from bot.text.recurrence import ordinal_description
from handlers.views import screening
from handlers.views.blocks import (
    actions,
    clip,
    context,
    fields,
    header,
    link_button,
    page_url,
    quote,
    section,
    sections,
    user,
)
from storage.models import Issue, Meeting

Blocks = list[dict[str, Any]]
SUGGESTIONS = 10


def when(meeting: Meeting, lang: Lang, tz: ZoneInfo) -> str:
    """``tirsdag 8. desember 2026 kl. 10.00–12.00`` (the end date too if it differs)."""
    start = meeting.starts_at.astimezone(tz)
    end = meeting.ends_at.astimezone(tz)
    text = format_datetime(meeting.starts_at, lang, tz)
    if end.date() == start.date():
        return f"{text}–{format_time(end, lang)}"
    return f"{text} – {format_datetime(meeting.ends_at, lang, tz)}"


def short_title(meeting: Meeting) -> str:
    """The meeting's title for a sentence: safe, and cut to 200 characters."""
    return quote(clip(meeting.title, 200))


def one_line(meeting: Meeting, lang: Lang, tz: ZoneInfo, agenda: int) -> str:
    """``*M-3* Returnettverket — tirsdag 8. desember 2026 kl. 10.00–12.00 · Rom 3 · 2 punkt``."""
    parts = [when(meeting, lang, tz)]
    if meeting.place:
        parts.append(quote(clip(meeting.place, 100)))
    if agenda:
        parts.append(t(lang, "meeting.agenda_count", count=agenda))
    if meeting.status == "cancelled":
        parts.append(f"*{t(lang, 'meeting.cancelled_tag')}*")
    return f"*{meeting.ref}* {short_title(meeting)} — " + " · ".join(parts)


def listing(
    meetings: Sequence[Meeting], total: int, counts: Mapping[int, int], lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    if not meetings:
        text = t(lang, "meeting.list_empty")
        return text, [section(text)]
    lines = "\n".join(one_line(m, lang, tz, counts.get(m.id, 0)) for m in meetings)
    blocks = [header(t(lang, "meeting.list_title")), *sections(lines)]
    if total > len(meetings):
        blocks.append(
            context(
                t(
                    lang,
                    "meeting.list_more",
                    shown=format_number(len(meetings), lang),
                    total=format_number(total, lang),
                )
            )
        )
    return lines, blocks


def _where(meeting: Meeting) -> str:
    return f", {quote(meeting.place)}" if meeting.place else ""


def holiday_warning(meeting: Meeting, day: date, key: str, lang: Lang) -> str:
    """The line that says a meeting falls on a public holiday."""
    return t(
        lang, "meeting.holiday_warning", date=format_date(day, lang),
        holiday=holiday_name(key, lang), ref=meeting.ref,
    )  # fmt: skip


def scheduled(done: Scheduled, lang: Lang, tz: ZoneInfo) -> str:
    """What the coordinator (and the channel) is told after scheduling."""
    first = done.meeting
    common = {"title": quote(first.title), "when": when(first, lang, tz), "place": _where(first)}
    if done.rule is None:
        lines = [t(lang, "meeting.scheduled", ref=first.ref, **common)]
    else:
        lines = _series_scheduled(done, done.rule, lang, tz, common)
    if done.holiday:
        day = first.starts_at.astimezone(tz).date()
        lines.append(holiday_warning(first, day, done.holiday, lang))
    screened = screening.line(first, lang)
    if screened:
        lines.append(screened)
    return "\n".join(lines)


def _series_scheduled(
    done: Scheduled, rule: str, lang: Lang, tz: ZoneInfo, common: Mapping[str, str]
) -> list[str]:
    """A new series: its rule, its first and last meeting, the ones a holiday moved."""
    first, last = done.meeting, done.last or done.meeting
    described = ordinal_description(first.starts_at, rule, tz, lang)
    lines = [
        t(
            lang, "meeting.scheduled_series", rule=described, count=done.count, first=first.ref,
            last=last.ref, **common,
        )
    ]  # fmt: skip
    if done.moved:
        items = [
            t(
                lang, "meeting.moved_item", ref=m.meeting.ref,
                holiday=holiday_name(m.holiday, lang), nominal=format_date(m.nominal, lang),
                date=format_date(m.meeting.starts_at.astimezone(tz).date(), lang),
            )
            for m in done.moved
        ]  # fmt: skip
        lines.append(t(lang, "meeting.moved_occurrences", list="; ".join(items)))
    return lines


def _facts(meeting: Meeting, series: MeetingSeries | None, lang: Lang, tz: ZoneInfo) -> Blocks:
    status = t(lang, f"meeting.status_{meeting.status}")
    if meeting.status == "cancelled" and meeting.cancel_reason:
        status += " — " + quote(clip(meeting.cancel_reason, 500))
    rec = meeting.recurrence
    repeats = ordinal_description(rec.first_start, rec.rule, tz, lang) if rec else ""
    return fields(
        [
            (t(lang, "meeting.f_when"), when(meeting, lang, tz)),
            (t(lang, "meeting.f_place"), quote(meeting.place)),
            (t(lang, "meeting.f_series"), series.name if series else meeting.series_key),
            (t(lang, "meeting.f_departments"), ", ".join(series.departments) if series else ""),
            (t(lang, "meeting.f_optional"), ", ".join(series.optional) if series else ""),
            (t(lang, "meeting.f_repeat"), repeats),
            (t(lang, "meeting.f_status"), status),
        ]
    )


def _moved_note(meeting: Meeting, lang: Lang) -> str | None:
    if meeting.moved_from is None:
        return None
    key = holiday(meeting.moved_from)
    name = holiday_name(key, lang) if key else ""
    return t(
        lang, "meeting.moved_holiday", date=format_date(meeting.moved_from, lang), holiday=name
    )


def _agenda_lines(meeting: Meeting, issues: Mapping[int, Issue]) -> str:
    lines = []
    for n, item in enumerate(meeting.agenda, start=1):
        tags = []
        if item.department:
            tags.append(item.department)
        found = issues.get(item.issue_id) if item.issue_id else None
        if found is not None:
            tags.append(found.ref)
        suffix = f" _({', '.join(tags)})_" if tags else ""
        lines.append(f"{n}. {quote(clip(item.text, 500))}{suffix} — {user(item.author)}")
    return "\n".join(lines)


def agenda_section(
    meeting: Meeting, issues: Mapping[int, Issue], lang: Lang, *, limit: int
) -> Blocks:
    """The numbered agenda (or a line saying how to add to it), in at most ``limit`` blocks."""
    agenda = _agenda_lines(meeting, issues) or t(lang, "meeting.agenda_empty", ref=meeting.ref)
    return sections(f"*{t(lang, 'meeting.agenda_title')}*\n{agenda}")[:limit]


def _titled(lang: Lang, key: str, lines: Sequence[str]) -> Blocks:
    """A part of the card: its bold heading, then one line each."""
    return sections(f"*{t(lang, key)}*\n" + "\n".join(lines))


def _attendance(meeting: Meeting, series: MeetingSeries, lang: Lang) -> dict[str, Any]:
    """The optional departments' answers (or that one has not answered)."""
    answers = {a.department: a for a in meeting.attendance}
    lines = []
    for code in series.optional:
        found = answers.get(code)
        if found is None:
            lines.append(f"• *{code}* {t(lang, 'meeting.att_none')}")
        else:
            answer = t(lang, f"meeting.att_{found.answer}")
            lines.append(f"• *{code}* {answer} ({user(found.answered_by)})")
    return section(f"*{t(lang, 'meeting.attendance_title')}*\n" + "\n".join(lines))


def _issue_status(data: Details, lang: Lang) -> Blocks:
    """The issues on the agenda with their status and newest note."""
    lines = []
    for issue in sorted(data.issues.values(), key=lambda i: i.number):
        note = data.latest.get(issue.id)
        status = t(lang, f"issue.status_{issue.status}")
        latest = (
            f"{quote(clip(note.text, 300))} — {user(note.author)}"
            if note
            else f"_{t(lang, 'meeting.no_note')}_"
        )
        lines.append(f"• *{issue.ref}* {quote(clip(issue.title, 100))} ({status}): {latest}")
    return _titled(lang, "meeting.issues_title", lines)


def _status_notes(data: Details, lang: Lang, tz: ZoneInfo) -> Blocks:
    """The status notes written for the meeting, the latest 30."""
    lines = []
    for note in data.notes[-30:]:
        noted = data.note_issues.get(note.issue_id)
        label = noted.ref if noted else "?"
        lines.append(
            f"• *{label}* {quote(clip(note.text, 500))} — {user(note.author)}, "
            f"{format_datetime(note.created_at, lang, tz)}"
        )
    return _titled(lang, "meeting.notes_title", lines)


def _suggested(data: Details, lang: Lang) -> Blocks:
    """Open issues of the meeting's departments not on its agenda yet."""
    lines = [
        f"• *{i.ref}* {quote(clip(i.title, 120))} — "
        f"{', '.join(d.department for d in i.departments)}"
        for i in data.suggestions
    ]
    if data.suggestion_total > len(data.suggestions):
        more = data.suggestion_total - len(data.suggestions)
        lines.append(
            t(lang, "meeting.more", count=format_number(more, lang), command="/issue list")
        )
    return _titled(lang, "meeting.suggest_title", lines)


def card(
    meeting: Meeting, data: Details, lang: Lang, tz: ZoneInfo, web: str | None = None
) -> tuple[str, Blocks]:
    """The whole meeting: facts, agenda, attendance, the status of its issues, suggestions."""
    title = f"{meeting.ref} · {meeting.title}"
    blocks: Blocks = [header(title), *_facts(meeting, data.series, lang, tz)]
    blocks.extend(screening.line_blocks(meeting, lang))
    moved = _moved_note(meeting, lang)
    if moved:
        blocks.append(context(moved))
    blocks.extend(agenda_section(meeting, data.issues, lang, limit=10))
    if data.series and data.series.optional:
        blocks.append(_attendance(meeting, data.series, lang))
    if data.issues:
        blocks.extend(_issue_status(data, lang)[:6])
    if data.notes:
        blocks.extend(_status_notes(data, lang, tz)[:6])
    if data.suggestions:
        blocks.extend(_suggested(data, lang)[:4])
    blocks.append(context(t(lang, "meeting.add_agenda_hint", ref=meeting.ref)))
    blocks = blocks[:49]
    if url := page_url(web, meeting.ref):
        blocks.append(actions([link_button(lang, url)]))
    return f"{quote(title)} — {when(meeting, lang, tz)}", blocks


def series_list(
    org: OrgConfig,
    upcoming: Mapping[str, Meeting],
    bound: Mapping[str, str],
    lang: Lang,
    tz: ZoneInfo,
) -> tuple[str, Blocks]:
    lines = []
    for s in org.series:
        channel = bound.get(f"series:{s.key}")
        nxt = upcoming.get(s.key)
        lines.append(
            t(
                lang,
                "meeting.series_line",
                key=s.key,
                name=quote(s.name),
                departments=", ".join(s.departments) or "—",
                optional=t(lang, "meeting.optional", codes=", ".join(s.optional))
                if s.optional
                else "",
                channel=f"<#{channel}>" if channel else f"_{t(lang, 'meeting.no_channel')}_",
                next=f"{nxt.ref} {when(nxt, lang, tz)}" if nxt else t(lang, "meeting.no_next"),
            )
        )
    text = "\n".join(lines)
    return text, [header(t(lang, "meeting.series_title")), *sections(text)]
