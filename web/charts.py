"""The reports' charts as SVG, drawn on the server with pygal (SPEC §9).

Each chart is a same-origin image (``<img src="/reports/open.svg">``) with its text
alternative and its numbers as a table on the page. pygal's SVG carries its own stylesheet
(inline, no fonts fetched) and a configuration script for its tooltips; the script is taken
out, so nothing in the image runs, and the image's answer allows its inline style only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pygal  # type: ignore[import-untyped]  # pygal ships no type information
from lxml import etree
from pygal.style import Style  # type: ignore[import-untyped]

from bot.reports import AckTimes, MonthCount, Overdue, WeekCount

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# eight colours that keep 3:1 against white and differ for the common colour blindnesses
# (Okabe and Ito's palette, darkened where it was too light)
COLOURS = (
    "#0b4f9c", "#b35900", "#117a65", "#a01c5a", "#5b4a9e", "#7a6a00", "#2a7fb8", "#8c2d19",
)  # fmt: skip
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#4a4a4a",
    opacity="1",
    opacity_hover="1",
    colors=COLOURS,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    title_font_size=16,
    value_font_size=12,
)
SVG_NS = "{http://www.w3.org/2000/svg}"


def _chart(kind: Callable[..., Any]) -> Any:
    return kind(
        js=[],
        style=STYLE,
        width=800,
        height=380,
        legend_at_bottom=False,
        legend_box_size=14,
        print_values=False,
        show_y_guides=True,
        truncate_label=-1,
        truncate_legend=-1,
        x_label_rotation=0,
        margin=12,
        min_scale=2,
    )


def _svg(chart: Any) -> bytes:
    """The chart's SVG document, without pygal's script."""
    root = chart.render_tree()
    for script in list(root.iter("script", f"{SVG_NS}script")):
        parent = script.getparent()
        if parent is not None:
            parent.remove(script)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _counts(chart: Any, highest: int) -> None:
    """A count's axis: whole numbers from 0, about eight of them."""
    step = max(1, -(-highest // 8))
    chart.y_labels = list(range(0, highest + step + 1, step))
    chart.value_formatter = lambda value: f"{value:.0f}"


def hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 1)


def open_by_week(weeks: Sequence[WeekCount], codes: Sequence[str], *, title: str) -> bytes:
    chart = _chart(pygal.Line)
    chart.title = title
    chart.x_labels = [w.week for w in weeks]
    chart.x_labels_major_every = 2
    chart.show_minor_x_labels = False
    for code in codes:
        chart.add(code, [w.open.get(code, 0) for w in weeks])
    _counts(chart, max((n for w in weeks for n in w.open.values()), default=0))
    return _svg(chart)


def ack_times(ack: Sequence[AckTimes], *, title: str, median: str, longest: str) -> bytes:
    chart = _chart(pygal.Bar)
    chart.title = title
    chart.x_labels = [a.department for a in ack]
    chart.add(median, [hours(a.median) for a in ack])
    chart.add(longest, [hours(a.longest) for a in ack])
    return _svg(chart)


def decisions_by_month(months: Sequence[MonthCount], codes: Sequence[str], *, title: str) -> bytes:
    chart = _chart(pygal.StackedBar)
    chart.title = title
    chart.x_labels = [m.month for m in months]
    for code in codes:
        chart.add(code, [m.decided.get(code, 0) for m in months])
    _counts(chart, max((sum(m.decided.get(c, 0) for c in codes) for m in months), default=0))
    return _svg(chart)


def overdue_now(
    overdue: Overdue, codes: Sequence[str], *, title: str, past_due: str, late: str
) -> bytes:
    chart = _chart(pygal.Bar)
    chart.title = title
    chart.x_labels = list(codes)
    chart.add(past_due, [overdue.past_due_of(code) for code in codes])
    chart.add(late, [overdue.unacknowledged.get(code, 0) for code in codes])
    highest = max(
        (max(overdue.past_due_of(c), overdue.unacknowledged.get(c, 0)) for c in codes), default=0
    )
    _counts(chart, highest)
    return _svg(chart)
