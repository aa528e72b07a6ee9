"""Block Kit for meetings: lists, the card, reminders, invitations, status requests, the modal."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.meetings import Details
from bot.orgconfig import MeetingSeries, OrgConfig
from bot.text.dates import format_date, format_datetime
from bot.text.holidays import holiday, holiday_name
from bot.text.i18n import Lang, t
from bot.text.recurrence import ordinal_description
from handlers.ids import MeetingAction, MeetingBlock, MeetingCallback
from handlers.views.blocks import (
    actions,
    button,
    clip,
    context,
    fields,
    form_input,
    header,
    quote,
    section,
    sections,
    user,
)
from storage.models import Issue, Meeting

Blocks = list[dict[str, Any]]
DURATIONS = ("30m", "1h", "1h30m", "2h", "3h", "4h", "6h", "8h")
SUGGESTIONS = 10


def when(meeting: Meeting, lang: Lang, tz: ZoneInfo) -> str:
    """``tirsdag 8. desember 2026 kl. 10.00–12.00`` (the end date too if it differs)."""
    start = meeting.starts_at.astimezone(tz)
    end = meeting.ends_at.astimezone(tz)
    text = format_datetime(meeting.starts_at, lang, tz)
    if end.date() == start.date():
        return text + (f"–{end:%H:%M}" if lang == "en" else f"–{end:%H.%M}")
    return f"{text} – {format_datetime(meeting.ends_at, lang, tz)}"


def left(delta: timedelta, lang: Lang) -> str:
    """``om 7 dager`` / ``in 1 hour``: how long until a meeting starts, in its largest unit."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes % (7 * 24 * 60) == 0:
        n = minutes // (7 * 24 * 60)
        return t(lang, "meeting.left_week") if n == 1 else t(lang, "meeting.left_weeks", n=n)
    if minutes % (24 * 60) == 0:
        n = minutes // (24 * 60)
        return t(lang, "meeting.left_day") if n == 1 else t(lang, "meeting.left_days", n=n)
    if minutes % 60 == 0:
        n = minutes // 60
        return t(lang, "meeting.left_hour") if n == 1 else t(lang, "meeting.left_hours", n=n)
    return t(lang, "meeting.left_minutes", n=minutes)


def _title(meeting: Meeting) -> str:
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
    return f"*{meeting.ref}* {_title(meeting)} — " + " · ".join(parts)


def listing(
    meetings: Sequence[Meeting], total: int, counts: Mapping[int, int], lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    if not meetings:
        text = t(lang, "meeting.list_empty")
        return text, [section(text)]
    lines = "\n".join(one_line(m, lang, tz, counts.get(m.id, 0)) for m in meetings)
    blocks = [header(t(lang, "meeting.list_title")), *sections(lines)]
    if total > len(meetings):
        blocks.append(context(t(lang, "meeting.list_more", shown=len(meetings), total=total)))
    return lines, blocks


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


def _agenda_lines(meeting: Meeting, issues: Mapping[int, Issue], lang: Lang) -> str:
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


def card(meeting: Meeting, data: Details, lang: Lang, tz: ZoneInfo) -> tuple[str, Blocks]:
    """The whole meeting: facts, agenda, attendance, the status of its issues, suggestions."""
    title = f"{meeting.ref} · {meeting.title}"
    blocks: Blocks = [header(title), *_facts(meeting, data.series, lang, tz)]
    moved = _moved_note(meeting, lang)
    if moved:
        blocks.append(context(moved))
    agenda = _agenda_lines(meeting, data.issues, lang) or t(
        lang, "meeting.agenda_empty", ref=meeting.ref
    )
    blocks.extend(sections(f"*{t(lang, 'meeting.agenda_title')}*\n{agenda}")[:10])
    if data.series and data.series.optional:
        answers = {a.department: a for a in meeting.attendance}
        lines = []
        for code in data.series.optional:
            found = answers.get(code)
            if found is None:
                lines.append(f"• *{code}* {t(lang, 'meeting.att_none')}")
            else:
                answer = t(lang, f"meeting.att_{found.answer}")
                lines.append(f"• *{code}* {answer} ({user(found.answered_by)})")
        blocks.append(section(f"*{t(lang, 'meeting.attendance_title')}*\n" + "\n".join(lines)))
    if data.issues:
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
        blocks.extend(sections(f"*{t(lang, 'meeting.issues_title')}*\n" + "\n".join(lines))[:6])
    if data.notes:
        lines = []
        for note in data.notes[-30:]:
            noted = data.note_issues.get(note.issue_id)
            label = noted.ref if noted else "?"
            lines.append(
                f"• *{label}* {quote(clip(note.text, 500))} — {user(note.author)}, "
                f"{format_datetime(note.created_at, lang, tz)}"
            )
        blocks.extend(sections(f"*{t(lang, 'meeting.notes_title')}*\n" + "\n".join(lines))[:6])
    if data.suggestions:
        lines = [
            f"• *{i.ref}* {quote(clip(i.title, 120))} — "
            f"{', '.join(d.department for d in i.departments)}"
            for i in data.suggestions
        ]
        if data.suggestion_total > len(data.suggestions):
            lines.append(
                t(
                    lang,
                    "meeting.more",
                    count=data.suggestion_total - len(data.suggestions),
                    command="/issue list",
                )
            )
        blocks.extend(sections(f"*{t(lang, 'meeting.suggest_title')}*\n" + "\n".join(lines))[:4])
    blocks.append(context(t(lang, "meeting.add_agenda_hint", ref=meeting.ref)))
    return f"{quote(title)} — {when(meeting, lang, tz)}", blocks[:50]


def _agenda_section(meeting: Meeting, issues: Mapping[int, Issue], lang: Lang) -> Blocks:
    agenda = _agenda_lines(meeting, issues, lang) or t(
        lang, "meeting.agenda_empty", ref=meeting.ref
    )
    return sections(f"*{t(lang, 'meeting.agenda_title')}*\n{agenda}")[:20]


def reminder(
    meeting: Meeting, issues: Mapping[int, Issue], lang: Lang, tz: ZoneInfo, offset: timedelta
) -> tuple[str, Blocks]:
    text = t(
        lang, "meeting.reminder", ref=meeting.ref, title=_title(meeting),
        when=when(meeting, lang, tz), left=left(offset, lang),
    )  # fmt: skip
    blocks: Blocks = [section(text)]
    if meeting.place:
        blocks.extend(fields([(t(lang, "meeting.f_place"), quote(meeting.place))]))
    blocks.extend(_agenda_section(meeting, issues, lang))
    blocks.append(context(t(lang, "meeting.add_agenda_hint", ref=meeting.ref)))
    return text, blocks


def invite(
    meeting: Meeting, code: str, issues: Mapping[int, Issue], lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    """The agenda for an optional department, with *attend* / *skip* while it is open."""
    common = {"ref": meeting.ref, "title": _title(meeting), "when": when(meeting, lang, tz)}
    if meeting.status == "cancelled":
        text = t(lang, "meeting.invite_cancelled", **common)
        return text, [section(text)]
    text = t(lang, "meeting.invite", code=code, **common)
    blocks: Blocks = [section(text), *_agenda_section(meeting, issues, lang)]
    answer = next((a for a in meeting.attendance if a.department == code), None)
    if answer is not None:
        said = t(
            lang, "meeting.answered", code=code, answer=t(lang, f"meeting.att_{answer.answer}"),
            user=answer.answered_by,
        )  # fmt: skip
        blocks.append(context(said))
    value = f"{meeting.number}:{code}"
    blocks.append(
        actions(
            [
                button(t(lang, "meeting.b_attend"), MeetingAction.ATTEND, value, style="primary"),
                button(t(lang, "meeting.b_skip"), MeetingAction.SKIP, value),
            ],
            block_id=f"attend:{meeting.number}:{code}",
        )
    )
    return text, blocks


def status_request(
    meeting: Meeting, issues: Sequence[Issue], lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    """An owner's DM before a meeting: a button per open issue opens a note for the meeting."""
    common = {"ref": meeting.ref, "title": _title(meeting), "when": when(meeting, lang, tz)}
    if not issues:
        text = t(lang, "meeting.status_request_none", **common)
        return text, [section(text)]
    text = t(lang, "meeting.status_request", **common)
    blocks: Blocks = [section(text)]
    shown = issues[:40]
    for issue in shown:
        blocks.append(
            section(
                f"*{issue.ref}* {quote(clip(issue.title, 200))}",
                accessory=button(
                    t(lang, "meeting.b_status"),
                    MeetingAction.STATUS_NOTE,
                    f"{meeting.number}:{issue.number}",
                ),
            )
        )
    if len(issues) > len(shown):
        blocks.append(
            context(
                t(lang, "meeting.more", count=len(issues) - len(shown), command="/issue list mine")
            )
        )
    return text, blocks


def moved_notice(
    meeting: Meeting, before: datetime, lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    text = t(
        lang, "meeting.notice_moved", ref=meeting.ref, title=_title(meeting),
        before=format_datetime(before, lang, tz), when=when(meeting, lang, tz),
    )  # fmt: skip
    return text, [section(text)]


def cancelled_notice(meeting: Meeting, lang: Lang, tz: ZoneInfo) -> tuple[str, Blocks]:
    text = t(
        lang, "meeting.notice_cancelled", ref=meeting.ref, title=_title(meeting),
        when=when(meeting, lang, tz),
    )  # fmt: skip
    if meeting.cancel_reason:
        text += "\n" + t(lang, "meeting.reason", reason=quote(clip(meeting.cancel_reason, 2000)))
    return text, [section(text)]


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


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": clip(text, 75)}, "value": value}


def modal(org: OrgConfig, lang: Lang, *, metadata: dict[str, Any], today: date) -> dict[str, Any]:
    """The "Schedule meeting" modal."""
    series = [_option(f"{s.name} ({s.key})", s.key) for s in org.series]
    durations = [_option(d, d) for d in DURATIONS]
    repeats = [
        _option(t(lang, f"meeting.repeat_{r}"), r)
        for r in ("none", "weekly", "monthly", "quarterly")
    ]
    blocks = [
        form_input(
            MeetingBlock.SERIES,
            t(lang, "meeting.l_series"),
            {"type": "static_select", "options": series[:100]},
            optional=False,
        ),
        form_input(
            MeetingBlock.DATE,
            t(lang, "meeting.l_date"),
            {"type": "datepicker", "initial_date": today.isoformat()},
            optional=False,
        ),
        form_input(
            MeetingBlock.TIME,
            t(lang, "meeting.l_time"),
            {"type": "timepicker", "initial_time": "10:00"},
            optional=False,
        ),
        form_input(
            MeetingBlock.DURATION,
            t(lang, "meeting.l_duration"),
            {"type": "static_select", "options": durations, "initial_option": durations[3]},
            optional=False,
        ),
        form_input(
            MeetingBlock.PLACE,
            t(lang, "meeting.l_place"),
            {"type": "plain_text_input", "max_length": 200},
        ),
        form_input(
            MeetingBlock.TITLE,
            t(lang, "meeting.l_title"),
            {"type": "plain_text_input", "max_length": 200},
            hint=t(lang, "meeting.l_title_hint"),
        ),
        form_input(
            MeetingBlock.REPEAT,
            t(lang, "meeting.l_repeat"),
            {"type": "static_select", "options": repeats, "initial_option": repeats[0]},
            optional=False,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": MeetingCallback.MODAL,
        "title": {"type": "plain_text", "text": clip(t(lang, "meeting.modal_title"), 24)},
        "submit": {"type": "plain_text", "text": clip(t(lang, "meeting.modal_submit"), 24)},
        "close": {"type": "plain_text", "text": t(lang, "common.cancel")},
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }
