"""Small server-rendered SVG charts: no JavaScript, no CDN, readable by screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class ChartBox:
    # Drawn at about the size it is shown in a dashboard card, so 11px labels stay readable.
    width: int = 360
    height: int = 180
    left: int = 40
    right: int = 14
    top: int = 10
    bottom: int = 30

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


Y_TICKS = (0, 25, 50, 75, 100)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _day(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b}"


def _day_time(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %H:%M}"


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y %H:%M}"


def score_line_chart(
    points: Sequence[tuple[datetime, float | None]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    box: ChartBox | None = None,
) -> SafeString:
    """A line chart of scores (0–100 %) over time with labelled axes, a <title> and a <desc>.

    A point without a score (nothing passed or failed) breaks the line instead of reading as 0 %.
    """
    box = box or ChartBox()
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {box.width} {box.height}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" preserveAspectRatio="xMidYMid meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]

    def y_of(score: float) -> float:
        return box.top + box.plot_height * (1 - max(0.0, min(100.0, score)) / 100)

    for tick in Y_TICKS:
        y = _fmt(y_of(tick))
        parts.append(
            f'<line class="chart-grid" x1="{box.left}" x2="{box.width - box.right}" y1="{y}" y2="{y}"/>'
            f'<text class="chart-label" x="{box.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{tick}%</text>"
        )
    baseline = box.top + box.plot_height
    parts.append(
        f'<line class="chart-axis" x1="{box.left}" x2="{box.width - box.right}" y1="{baseline}" y2="{baseline}"/>'
        f'<line class="chart-axis" x1="{box.left}" x2="{box.left}" y1="{box.top}" y2="{baseline}"/>'
    )

    ordered = sorted(points, key=lambda p: p[0])
    if not ordered:
        parts.append(
            f'<text class="chart-empty" x="{box.left + box.plot_width / 2}" y="{box.top + box.plot_height / 2}" '
            'text-anchor="middle">No completed scans in this period</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 - every interpolated text above is escaped

    first, last = ordered[0][0], ordered[-1][0]
    span = (last - first).total_seconds()

    def x_of(moment: datetime) -> float:
        if span <= 0:
            return box.left + box.plot_width / 2
        return box.left + box.plot_width * (moment - first).total_seconds() / span

    # Within two days the dates alone would repeat: label the times too.
    axis_label = _day if span >= 2 * 24 * 3600 else _day_time
    label_points = [ordered[0]] if span <= 0 else [ordered[0], ordered[-1]]
    if len(ordered) >= 5:
        label_points.insert(1, ordered[len(ordered) // 2])
    for index, (moment, _) in enumerate(label_points):
        anchor = "middle" if span <= 0 else ("start" if index == 0 else "end" if moment == last else "middle")
        parts.append(
            f'<text class="chart-label" x="{_fmt(x_of(moment))}" y="{baseline + 18}" text-anchor="{anchor}">'
            f"{escape(axis_label(moment))}</text>"
        )

    segments: list[list[str]] = [[]]
    for moment, score in ordered:
        if score is None:
            segments.append([])
            continue
        segments[-1].append(f"{_fmt(x_of(moment))},{_fmt(y_of(score))}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
    for moment, score in ordered:
        if score is None:
            continue
        parts.append(
            f'<circle class="chart-point" cx="{_fmt(x_of(moment))}" cy="{_fmt(y_of(score))}" r="4">'
            f"<title>{escape(_when(moment))}: {escape(f'{score:g}')}%</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text above is escaped
