"""The dashboard: per active framework its latest score and trend, the last scans, what newly fails."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from frameworks.naturalsort import natural_key
from integrations.selectors import integration_types_connected
from scans.selectors import scan_diff, scan_jobs_for_tenant, scan_previous_completed
from web import selectors
from web.tenancy import tenant_view

TREND_DAYS = (30, 90, 365)
DEFAULT_TREND_DAYS = 90
RECENT_SCANS = 5
NEWLY_FAILING_SHOWN = 25


def _in_natural_order(controls: list[dict]) -> list[dict]:
    # scan_diff sorts refs as text (1.17 before 1.5); people read them as numbers.
    return sorted(controls, key=lambda c: (c["framework_key"], natural_key(c["control_ref"])))


@tenant_view()
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    days = request.GET.get("days", "")
    days = int(days) if days.isdigit() and int(days) in TREND_DAYS else DEFAULT_TREND_DAYS
    latest = selectors.scan_latest_completed(tenant=tenant)
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
            "has_integrations": bool(integration_types_connected(tenant=tenant)),
        },
    )
