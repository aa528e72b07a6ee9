"""Block Kit for the "Schedule meeting" form (``/meeting`` alone, the Home tab's button)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.orgconfig import OrgConfig
from bot.text.i18n import Lang, t
from handlers.ids import MeetingBlock, MeetingCallback
from handlers.views import screening
from handlers.views.blocks import form_input, modal_view, option, text_input

DURATIONS = ("30m", "1h", "1h30m", "2h", "3h", "4h", "6h", "8h")
REPEATS = ("none", "weekly", "monthly", "quarterly")


def _select(options: list[dict[str, Any]], initial: int | None = None) -> dict[str, Any]:
    """A single choice among ``options``, ``options[initial]`` chosen to begin with."""
    element = {"type": "static_select", "options": options[:100]}
    return element if initial is None else {**element, "initial_option": options[initial]}


def modal(org: OrgConfig, lang: Lang, *, metadata: dict[str, Any], today: date) -> dict[str, Any]:
    """The "Schedule meeting" modal."""
    series = [option(f"{s.name} ({s.key})", s.key) for s in org.series]
    durations = [option(d, d) for d in DURATIONS]
    repeats = [option(t(lang, f"meeting.repeat_{r}"), r) for r in REPEATS]

    def required(block: MeetingBlock, label: str, element: dict[str, Any]) -> dict[str, Any]:
        return form_input(block, t(lang, label), element, optional=False)

    blocks = [
        required(MeetingBlock.SERIES, "meeting.l_series", _select(series)),
        required(
            MeetingBlock.DATE,
            "meeting.l_date",
            {"type": "datepicker", "initial_date": today.isoformat()},
        ),
        required(
            MeetingBlock.TIME, "meeting.l_time", {"type": "timepicker", "initial_time": "10:00"}
        ),
        required(MeetingBlock.DURATION, "meeting.l_duration", _select(durations, initial=3)),
        form_input(MeetingBlock.PLACE, t(lang, "meeting.l_place"), text_input(200)),
        form_input(
            MeetingBlock.TITLE,
            t(lang, "meeting.l_title"),
            text_input(200),
            hint=t(lang, "meeting.l_title_hint"),
        ),
        required(MeetingBlock.REPEAT, "meeting.l_repeat", _select(repeats, initial=0)),
        screening.form_field(MeetingBlock.SCREENING, lang),
    ]
    return modal_view(
        MeetingCallback.MODAL,
        lang,
        title=t(lang, "meeting.modal_title"),
        submit=t(lang, "meeting.modal_submit"),
        metadata=metadata,
        blocks=blocks,
    )
