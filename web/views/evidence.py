"""The evidence register: filters, downloads (through the API), verification, auditor exports, deletion."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from complywise.exceptions import ApplicationError, TooManyRequestsError
from complywise.http import TenantRequest
from complywise.services import audit_record
from evidence.choices import EvidenceType
from evidence.exports import evidence_export_request
from evidence.selectors import (
    EvidenceRow,
    evidence_annotated,
    evidence_exports_recent,
    evidence_for_tenant,
    evidence_rows,
    evidence_verify,
    scan_artifact_counts,
)
from evidence.services import evidence_delete
from frameworks.selectors import frameworks_active, frameworks_visible
from web import selectors
from web.forms import EvidenceDeleteForm, EvidenceExportForm, EvidenceFilterForm, add_service_errors
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view

from .common import paginate, redirect_back

EVIDENCE_PER_PAGE = 50
EXPORT_FIELDS = {"framework_id": "framework"}


def _grouped(rows: list[EvidenceRow], *, by_scan: bool) -> list[tuple[Any, list[EvidenceRow]]]:
    """Scan artifacts under one heading per scan (hundreds per scan; their order keeps each scan together)."""
    if not by_scan:
        return [(None, rows)] if rows else []
    return [(scan, list(group)) for scan, group in groupby(rows, key=lambda row: row.evidence.scan_job)]


def _evidence_page(request: TenantRequest, export_form: EvidenceExportForm | None = None, status: int = 200):
    tenant = request.tenant
    frameworks = list(frameworks_visible(tenant=tenant))
    filters = EvidenceFilterForm(request.GET, frameworks=frameworks)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    evidence_type = filters.evidence_type()
    evidence = selectors.evidence_list(
        tenant=tenant,
        framework_id=cleaned.get("framework") or None,
        control_ref=cleaned.get("control_ref") or "",
        evidence_type=evidence_type,
        created_from=cleaned.get("created_from"),
        created_to=cleaned.get("created_to"),
        scan_job_id=cleaned.get("scan"),
        include_unassessed=bool(cleaned.get("unassessed")),
    )
    page = paginate(request, evidence_annotated(evidence), per_page=EVIDENCE_PER_PAGE)
    rows = evidence_rows(rows=page.object_list, now=timezone.now())
    scan_ids = {row.evidence.scan_job_id for row in rows if row.evidence.scan_job_id}
    active = list(frameworks_active(tenant=tenant))
    return render(
        request,
        "web/evidence/list.html",
        {
            "filters": filters,
            "evidence_type": evidence_type,
            "page": page,
            "groups": _grouped(rows, by_scan=evidence_type == EvidenceType.AUTO),
            "by_scan": evidence_type == EvidenceType.AUTO,
            "scan_counts": scan_artifact_counts(evidence=evidence, scan_job_ids=scan_ids) if scan_ids else {},
            "filtered_scan": cleaned.get("scan"),
            "export_form": export_form or EvidenceExportForm(frameworks=active),
            "exports": evidence_exports_recent(tenant=tenant),
            "delete_form": EvidenceDeleteForm() if request.is_tenant_admin else None,
        },
        status=status,
    )


@tenant_view()
@require_GET
def evidence_list(request: TenantRequest) -> HttpResponse:
    return _evidence_page(request)


@tenant_view()
@require_POST
def evidence_verify_view(request: TenantRequest, pk: Any) -> HttpResponse:
    evidence = tenant_object_or_404(evidence_for_tenant(tenant=request.tenant), pk)
    result = evidence_verify(evidence=evidence)
    audit_record(
        tenant=request.tenant, actor=request.user, action="evidence.verified", target=evidence, data={"ok": result.ok}
    )
    if result.ok:
        messages.success(request, f"Verified “{evidence.title}”: {result.detail} SHA-256 {result.sha256_expected}.")
    else:
        messages.error(request, f"“{evidence.title}” failed verification: {result.detail}.")
    return redirect_back(request, reverse("web:evidence-list"))


@tenant_view()
@require_POST
def evidence_export(request: TenantRequest) -> HttpResponse:
    form = EvidenceExportForm(request.POST, frameworks=frameworks_active(tenant=request.tenant))
    if form.is_valid():
        try:
            evidence_export_request(
                tenant=request.tenant,
                actor=request.user,
                framework_id=form.cleaned_data["framework"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc, EXPORT_FIELDS)
            # Quota (429) and broker (503) errors keep their status; bad input is a 400.
            response = _evidence_page(request, export_form=form, status=max(exc.status_code, 400))
            if isinstance(exc, TooManyRequestsError):
                response["Retry-After"] = str(exc.retry_after)
            return response
        else:
            messages.success(request, "The export is being built; it appears below when ready.")
            return redirect_back(request, reverse("web:evidence-list") + "#exports")
    return _evidence_page(request, export_form=form, status=400)


@tenant_view(ADMIN_ROLES)
@require_POST
def evidence_delete_view(request: TenantRequest, pk: Any) -> HttpResponse:
    evidence = tenant_object_or_404(evidence_for_tenant(tenant=request.tenant), pk)
    form = EvidenceDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A reason is required to delete evidence.")
    else:
        try:
            evidence_delete(evidence=evidence, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"Deleted “{evidence.title}”; a tombstone keeps its place in the chain.")
    return redirect_back(request, reverse("web:evidence-list"))
