"""Presentation helpers for the staff pages: status badges (text, not only colour), scores, charts, links."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from web.charts import score_line_chart

register = template.Library()

# Every status reads as a word (and a symbol hidden from screen readers); colour only reinforces it.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("✓", "Pass"),
    "fail": ("✗", "Fail"),
    "error": ("!", "Error"),
    "not-applicable": ("–", "N/A"),
    # The two kinds of "not applicable" a result can be (its basis): out of scope, or simply not assessed.
    "excluded": ("–", "Excluded"),
    "not-assessed": ("?", "Not assessed"),
    "queued": ("…", "Queued"),
    "running": ("↻", "Running"),
    "completed": ("✓", "Completed"),
    "failed": ("✗", "Failed"),
    "connected": ("✓", "Connected"),
    "new": ("?", "Not tested"),
    "disabled": ("–", "Disabled"),
    "active": ("✓", "Active"),
    "inactive": ("–", "Inactive"),
    "expired": ("!", "Expired"),
    "current": ("✓", "Current"),
    "fresh": ("✓", "Fresh"),
    "expiring": ("!", "Expiring"),
    "missing": ("✗", "Missing"),
    "not-required": ("–", "No document required"),
    "could-not-evaluate": ("?", "Could not evaluate"),
    "not-run": ("–", "Not run"),
    "none": ("–", "Not scanned"),
    # An integration's share of its latest scan.
    "collected": ("✓", "Collected"),
    "collection-failed": ("✗", "Collection failed"),
}


@register.simple_tag
def status_badge(status: Any) -> SafeString:
    key = str(status or "none")
    symbol, label = STATUS_LABELS.get(key, ("", key.replace("-", " ").capitalize()))
    return format_html('<span class="badge badge-{}"><span aria-hidden="true">{}</span> {}</span>', key, symbol, label)


@register.filter
def short_sha(value: str | None, length: int = 12) -> str:
    return f"{value[:length]}…" if value and len(value) > length else value or ""


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):g}%"


@register.filter
def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


@register.simple_tag(takes_context=True)
def url_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (None or "" removes one): for pagination."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def score_chart(trend: list[dict[str, Any]], framework: Any) -> SafeString:
    name = framework.name
    points = [(point["completed_at"], point["score"]) for point in trend]
    scored = [score for _, score in points if score is not None]
    if scored:
        desc = (
            f"{len(points)} completed scans. Latest score {scored[-1]:g}%, lowest {min(scored):g}%, "
            f"highest {max(scored):g}%."
        )
    else:
        desc = "No scored scans in this period."
    return score_line_chart(points, chart_id=f"chart-{framework.pk}", title=f"{name}: score over time", desc=desc)


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    return mapping.get(key) if mapping else None
