"""The dashboard: per active framework its score, coverage and trend; documents needing someone; what newly fails."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from complywise.http import TenantRequest
from frameworks.naturalsort import natural_key
from integrations.selectors import integration_types_connected
from reviews.choices import CampaignStatus
from reviews.selectors import campaigns_for_tenant
from scans.selectors import scan_diff, scan_jobs_for_tenant, scan_latest_completed, scan_previous_completed
from web import selectors
from web.tenancy import tenant_view

TREND_DAYS = (30, 90, 365)
DEFAULT_TREND_DAYS = 90
RECENT_SCANS = 5
NEWLY_FAILING_SHOWN = 25
DOCUMENTS_SHOWN = 10
REVIEWS_SHOWN = 5


def _in_natural_order(controls: list[dict]) -> list[dict]:
    # scan_diff sorts refs as text (1.17 before 1.5); people read them as numbers.
    return sorted(controls, key=lambda c: (c["framework_key"], natural_key(c["control_ref"])))


def _document_panels(overview: selectors.DocumentsOverview) -> list[dict[str, Any]]:
    return [
        {
            "id": "documents-due",
            "title": "Evidence due in the next 30 days",
            "panel": overview.due_soon,
            "date_label": "due",
            "empty": "Nothing is due in the next 30 days.",
        },
        {
            "id": "documents-expired",
            "title": "Expired evidence",
            "panel": overview.expired,
            "date_label": "was due",
            "empty": "No document has expired or is overdue.",
        },
        {
            "id": "documents-unowned",
            "title": "Controls without an owner",
            "panel": overview.unowned,
            "date_label": "next due",
            "empty": "Every required document has an owner.",
        },
    ]


@tenant_view()
@require_GET
def dashboard(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    asked = request.GET.get("days", "")
    days = int(asked) if asked.isdigit() and int(asked) in TREND_DAYS else DEFAULT_TREND_DAYS
    latest = scan_latest_completed(tenant=tenant)
    diff = scan_diff(scan_job=latest, against=scan_previous_completed(scan_job=latest)) if latest else None
    return render(
        request,
        "web/dashboard.html",
        {
            "summaries": selectors.dashboard_frameworks(tenant=tenant, days=days),
            "days": days,
            "trend_days": TREND_DAYS,
            "recent_scans": list(scan_jobs_for_tenant(tenant=tenant)[:RECENT_SCANS]),
            "latest": latest,
            "diff": diff,
            "newly_failing": _in_natural_order(diff["newly_failing"])[:NEWLY_FAILING_SHOWN] if diff else [],
            "document_panels": _document_panels(
                selectors.documents_overview(tenant=tenant, now=timezone.now(), limit=DOCUMENTS_SHOWN)
            ),
            "has_integrations": bool(integration_types_connected(tenant=tenant)),
            # Open and scheduled access reviews, soonest due first: a review is a document that must be produced.
            "reviews_due": list(
                campaigns_for_tenant(tenant=tenant)
                .filter(status__in=[CampaignStatus.OPEN, CampaignStatus.SCHEDULED])
                .order_by("due_date", "created_at")[:REVIEWS_SHOWN]
            ),
            "today": timezone.localdate(),
        },
    )
