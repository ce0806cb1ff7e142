"""The framework catalog with activation, and one framework's controls with their latest verdicts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from complywise.exceptions import ApplicationError
from frameworks.models import Framework
from frameworks.selectors import framework_soa, frameworks_for_tenant
from frameworks.services import framework_activate, framework_deactivate
from web import selectors
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view

from .common import paginate, redirect_back

CONTROLS_PER_PAGE = 100


@tenant_view()
@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = frameworks_for_tenant(tenant=request.tenant).order_by("-active", "name", "version")
    return render(request, "web/frameworks/list.html", {"frameworks": frameworks})


def _framework_for(request: HttpRequest, pk: Any) -> Framework:
    return tenant_object_or_404(frameworks_for_tenant(tenant=request.tenant), pk)


@tenant_view()
@require_GET
def framework_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    framework = _framework_for(request, pk)
    search = request.GET.get("q", "")[:200]
    controls = selectors.framework_controls_with_latest(tenant=request.tenant, framework=framework, search=search)
    if "\x00" in search:
        # No stored text holds a NUL, and PostgreSQL refuses one in a query: nothing can match.
        controls = controls.none()
    return render(
        request,
        "web/frameworks/detail.html",
        {
            "framework": framework,
            "page": paginate(request, controls, per_page=CONTROLS_PER_PAGE),
            "counts": selectors.framework_status_counts(tenant=request.tenant, framework=framework),
            "q": search,
        },
    )


@tenant_view()
@require_GET
def framework_soa_page(request: HttpRequest, pk: Any) -> HttpResponse:
    """The Statement of Applicability as a printable page: the rows of GET /api/frameworks/{id}/soa, all at once."""
    framework = _framework_for(request, pk)
    rows = framework_soa(tenant=request.tenant, framework=framework)
    return render(request, "web/frameworks/soa.html", {"framework": framework, "rows": rows})


@tenant_view(ADMIN_ROLES)
@require_POST
def framework_activation(request: HttpRequest, pk: Any) -> HttpResponse:
    framework = _framework_for(request, pk)
    activate = request.POST.get("active") == "true"
    try:
        if activate:
            framework_activate(tenant=request.tenant, framework=framework, actor=request.user)
        else:
            framework_deactivate(tenant=request.tenant, framework=framework, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        state = "activated: scans now evaluate it" if activate else "deactivated: past results are kept"
        messages.success(request, f"{framework} {state}.")
    return redirect_back(request, reverse("web:framework-list"))
