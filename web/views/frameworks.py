"""The framework catalog with activation; one framework's controls with their live posture; its printable SoA."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from complywise.exceptions import ApplicationError
from complywise.http import TenantRequest
from complywise.selectors import members_for_tenant
from frameworks.models import Control, Framework
from frameworks.scope import framework_require_documents_for_unautomated
from frameworks.selectors import frameworks_for_tenant
from frameworks.services import framework_activate, framework_deactivate
from scans.choices import ResultBasis
from scans.posture_selectors import ControlPosture, framework_posture, latest_scan_for_framework
from scans.selectors import framework_controls_with_latest
from web.forms import add_service_errors
from web.posture_forms import SERVICE_FIELDS_REQUIREMENT, RequireDocumentsForm
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view

from .common import paginate, redirect_back

CONTROLS_PER_PAGE = 100
BASIS_LABELS = dict(ResultBasis.choices)


def controls_posture(*, tenant: Any, framework: Framework, controls: Iterable[Control]) -> dict[Any, ControlPosture]:
    """The live posture of some controls of a framework (a page, or one control), by control id."""
    posture = framework_posture(tenant=tenant, framework=framework, controls=controls)
    return {row.control.pk: row for row in posture.controls}


@tenant_view()
@require_GET
def framework_list(request: TenantRequest) -> HttpResponse:
    frameworks = frameworks_for_tenant(tenant=request.tenant).order_by("-active", "name", "version")
    return render(request, "web/frameworks/list.html", {"frameworks": frameworks})


def _framework_for(request: TenantRequest, pk: Any) -> Framework:
    return tenant_object_or_404(frameworks_for_tenant(tenant=request.tenant), pk)


def _latest_scores(framework: Framework, job: Any) -> dict[str, Any] | None:
    """The framework's entry in the latest scan's scores (score, coverage, could not evaluate…), if any."""
    if job is None:
        return None
    return next((s for s in job.framework_scores or [] if s.get("framework_id") == str(framework.pk)), None)


def _framework_page(
    request: TenantRequest, framework: Framework, require_form: RequireDocumentsForm | None = None, status: int = 200
) -> HttpResponse:
    tenant = request.tenant
    search = request.GET.get("q", "")[:200]
    controls = framework_controls_with_latest(tenant=tenant, framework=framework, search=search)
    if "\x00" in search:
        # No stored text holds a NUL, and PostgreSQL refuses one in a query: nothing can match.
        controls = controls.none()
    page = paginate(request, controls, per_page=CONTROLS_PER_PAGE)
    # Live posture for the controls of this page only: a 10,000-control framework is never read whole here
    # (the Statement of Applicability shows every control at once).
    posture = controls_posture(tenant=tenant, framework=framework, controls=page.object_list)
    job = latest_scan_for_framework(tenant=tenant, framework=framework)
    if require_form is None and request.is_tenant_admin:
        require_form = RequireDocumentsForm(members=members_for_tenant(tenant=tenant))
    return render(
        request,
        "web/frameworks/detail.html",
        {
            "framework": framework,
            "page": page,
            "rows": [posture[c.pk] for c in page.object_list],
            "latest_job": job,
            "scores": _latest_scores(framework, job),
            "basis_labels": BASIS_LABELS,
            "require_form": require_form,
            "q": search,
        },
        status=status,
    )


@tenant_view()
@require_GET
def framework_detail(request: TenantRequest, pk: Any) -> HttpResponse:
    return _framework_page(request, _framework_for(request, pk))


@tenant_view()
@require_GET
def framework_soa_page(request: TenantRequest, pk: Any) -> HttpResponse:
    """The Statement of Applicability as a printable page: every control at once, with its live posture."""
    framework = _framework_for(request, pk)
    posture = framework_posture(tenant=request.tenant, framework=framework)
    return render(
        request,
        "web/frameworks/soa.html",
        {
            "framework": framework,
            "posture": posture,
            "summary": posture.tally.as_dict(),
            "basis_labels": BASIS_LABELS,
        },
    )


@tenant_view(ADMIN_ROLES)
@require_POST
def framework_require_documents(request: TenantRequest, pk: Any) -> HttpResponse:
    framework = _framework_for(request, pk)
    form = RequireDocumentsForm(request.POST, members=members_for_tenant(tenant=request.tenant))
    if not form.is_valid():
        return _framework_page(request, framework, require_form=form, status=400)
    try:
        created = framework_require_documents_for_unautomated(
            tenant=request.tenant, framework=framework, actor=request.user, **form.service_kwargs()
        )
    except ApplicationError as exc:
        add_service_errors(form, exc, SERVICE_FIELDS_REQUIREMENT)
        return _framework_page(request, framework, require_form=form, status=400)
    if created:
        messages.success(
            request,
            f"{len(created)} control{'s' if len(created) != 1 else ''} without automated checks now "
            f"require{'s' if len(created) == 1 else ''} a document; they fail until one is uploaded.",
        )
    else:
        messages.info(request, "Every applicable control without automated checks already requires a document.")
    return redirect(reverse("web:framework-detail", kwargs={"pk": framework.pk}) + "#controls-heading")


@tenant_view(ADMIN_ROLES)
@require_POST
def framework_activation(request: TenantRequest, pk: Any) -> HttpResponse:
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
