"""Block Kit for the meeting messages the outbox sends: reminders, an optional department's
invitation, an owner's status request, and the notices of a move or a cancellation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.text.formats import format_datetime, format_number
from bot.text.i18n import Lang, t
from handlers.ids import MeetingAction
from handlers.views.blocks import actions, button, clip, context, fields, quote, section
from handlers.views.meetings import Blocks, agenda_section, short_title, when
from storage.models import Issue, Meeting


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


def reminder(
    meeting: Meeting, issues: Mapping[int, Issue], lang: Lang, tz: ZoneInfo, offset: timedelta
) -> tuple[str, Blocks]:
    text = t(
        lang, "meeting.reminder", ref=meeting.ref, title=short_title(meeting),
        when=when(meeting, lang, tz), left=left(offset, lang),
    )  # fmt: skip
    blocks: Blocks = [section(text)]
    if meeting.place:
        blocks.extend(fields([(t(lang, "meeting.f_place"), quote(meeting.place))]))
    blocks.extend(agenda_section(meeting, issues, lang, limit=20))
    blocks.append(context(t(lang, "meeting.add_agenda_hint", ref=meeting.ref)))
    return text, blocks


def invite(
    meeting: Meeting, code: str, issues: Mapping[int, Issue], lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    """The agenda for an optional department, with *attend* / *skip* while it is open."""
    common = {"ref": meeting.ref, "title": short_title(meeting), "when": when(meeting, lang, tz)}
    if meeting.status == "cancelled":
        text = t(lang, "meeting.invite_cancelled", **common)
        return text, [section(text)]
    text = t(lang, "meeting.invite", code=code, **common)
    blocks: Blocks = [section(text), *agenda_section(meeting, issues, lang, limit=20)]
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
    common = {"ref": meeting.ref, "title": short_title(meeting), "when": when(meeting, lang, tz)}
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
                t(
                    lang,
                    "meeting.more",
                    count=format_number(len(issues) - len(shown), lang),
                    command="/issue list mine",
                )
            )
        )
    return text, blocks


def moved_notice(
    meeting: Meeting, before: datetime, lang: Lang, tz: ZoneInfo
) -> tuple[str, Blocks]:
    text = t(
        lang, "meeting.notice_moved", ref=meeting.ref, title=short_title(meeting),
        before=format_datetime(before, lang, tz), when=when(meeting, lang, tz),
    )  # fmt: skip
    return text, [section(text)]


def cancelled_notice(meeting: Meeting, lang: Lang, tz: ZoneInfo) -> tuple[str, Blocks]:
    text = t(
        lang, "meeting.notice_cancelled", ref=meeting.ref, title=short_title(meeting),
        when=when(meeting, lang, tz),
    )  # fmt: skip
    if meeting.cancel_reason:
        text += "\n" + t(lang, "meeting.reason", reason=quote(clip(meeting.cancel_reason, 2000)))
    return text, [section(text)]
