"""What each event says: the JSON ``data`` of an event, its one-line summary, and the Slack form of both."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .choices import EventType

SLACK_TEXT_LIMIT = 2900  # Slack truncates a section's text at 3,000 characters.


def link(path: str) -> str:
    """``path`` made absolute with ``PUBLIC_URL`` when the operator set one (relative otherwise)."""
    base = (settings.PUBLIC_URL or "").rstrip("/")
    return f"{base}{path}" if base else path


def _percent(value: Any) -> str:
    return "n/a (nothing assessed)" if value is None else f"{value:.1f} %"


def envelope(*, event_id: str, event_type: str, occurred_at: str, tenant: dict[str, str], data: dict) -> dict:
    """The body every generic webhook receives (and what the API shows as an event)."""
    return {"id": event_id, "type": event_type, "occurred_at": occurred_at, "tenant": tenant, "data": data}


def summary(event_type: str, data: dict[str, Any]) -> str:
    """One line a person reads in Slack or a digest e-mail."""
    if event_type == EventType.SCAN_COMPLETED:
        scan = data["scan"]
        changes = data.get("changes", {})
        partial = " (partial: " + scan["error"] + ")" if scan.get("partial") else ""
        return (
            f"Scan {scan['id'][:8]} completed{partial}: score {_percent(scan.get('score'))}, "
            f"coverage {_percent(scan.get('coverage'))}; "
            f"{changes.get('newly_failing', 0)} control(s) newly failing, "
            f"{changes.get('newly_passing', 0)} newly passing."
        )
    if event_type == EventType.SCAN_FAILED:
        scan = data["scan"]
        return f"Scan {scan['id'][:8]} failed: {scan.get('error') or 'no reason given'}"
    if event_type == EventType.CONTROL_STATUS_CHANGED:
        control = data["control"]
        return (
            f"{control['framework_key']} {control['ref']} {control['title']}: "
            f"{data['previous_status']} → {data['status']}"
        )
    if event_type in (EventType.EVIDENCE_UPLOADED, EventType.EVIDENCE_EXPIRING, EventType.EVIDENCE_EXPIRED):
        evidence = data["evidence"]
        controls = ", ".join(f"{c['framework_key']} {c['ref']}" for c in evidence.get("controls", [])) or "no control"
        if event_type == EventType.EVIDENCE_UPLOADED:
            who = evidence.get("uploaded_by") or "someone"
            return f"Evidence '{evidence['title']}' uploaded by {who} for {controls}."
        verb = "expires" if event_type == EventType.EVIDENCE_EXPIRING else "expired"
        return f"Evidence '{evidence['title']}' {verb} on {evidence['valid_until'][:10]} ({controls})."
    if event_type == EventType.PING:
        return "Test event from ComplyWise: this webhook is reachable."
    if event_type in (
        EventType.ACCESS_REVIEW_OPENED,
        EventType.ACCESS_REVIEW_REMINDER,
        EventType.ACCESS_REVIEW_COMPLETED,
    ):
        review = data["review"]
        if event_type == EventType.ACCESS_REVIEW_OPENED:
            return (
                f"Access review '{review['name']}' opened: "
                f"{review['items']} account(s) to review by {review['due_date']}."
            )
        if event_type == EventType.ACCESS_REVIEW_REMINDER:
            when = "overdue since" if review.get("overdue") else "due on"
            return (
                f"Access review '{review['name']}' is {when} {review['due_date']}: "
                f"{review['pending']} account(s) still pending."
            )
        return (
            f"Access review '{review['name']}' completed by {review.get('completed_by') or 'someone'}: "
            f"{review['approved']} approved, {review['revoked']} revoked."
        )
    return event_type


def _page(event_type: str, data: dict[str, Any]) -> str | None:
    if event_type in (EventType.SCAN_COMPLETED, EventType.SCAN_FAILED):
        return data["scan"].get("url")
    if event_type == EventType.CONTROL_STATUS_CHANGED:
        return data["control"].get("url")
    if "evidence" in data:
        return data["evidence"].get("url")
    if "review" in data:
        return data["review"].get("url")
    return None


def slack_message(*, event_type: str, data: dict[str, Any], tenant_name: str) -> dict[str, Any]:
    """A Slack incoming-webhook body: ``text`` for notifications and clients without blocks, one section."""
    line = summary(event_type, data)
    page = _page(event_type, data)
    text = f"[{tenant_name}] {line}"
    markdown = f"*{tenant_name}* · `{event_type}`\n{_slack_escape(line)}"
    if page and page.startswith(("http://", "https://")):
        markdown += f"\n<{page}|Open in ComplyWise>"
    return {
        "text": text[:SLACK_TEXT_LIMIT],
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": markdown[:SLACK_TEXT_LIMIT]}}],
    }


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as control characters in mrkdwn; a control title must not become a link.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
