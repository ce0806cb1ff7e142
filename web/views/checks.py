"""The catalog of automated checks: what each tests, the controls it serves, and other scanners' equivalents."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from complywise.http import TenantRequest
from frameworks.selectors import check_control_counts
from integrations.selectors import check_equivalents, checks_list
from web.forms import CheckFilterForm
from web.tenancy import tenant_view

CHECKS_PER_PAGE = 100


@tenant_view()
@require_GET
def check_list(request: TenantRequest) -> HttpResponse:
    filters = CheckFilterForm(request.GET)
    status = 200
    if filters.is_valid():
        query = filters.cleaned_data
        checks = checks_list(
            integration_type=query["integration_type"] or None,
            severity=query["severity"] or None,
            search=query["q"].strip() or None,
        )
    else:
        checks, status = [], 400
    page = Paginator(checks, CHECKS_PER_PAGE).get_page(request.GET.get("page"))
    counts = check_control_counts(tenant=request.tenant, check_ids=[c.id for c in page.object_list])
    rows = [
        {"check": c, "control_count": counts.get(c.id, 0), "equivalents": check_equivalents(check_id=c.id)}
        for c in page.object_list
    ]
    return render(request, "web/checks/list.html", {"filters": filters, "page": page, "rows": rows}, status=status)
