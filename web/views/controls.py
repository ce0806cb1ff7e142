"""One control: its live posture, the checks and documents behind it, its requirement, its evidence and uploads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from complywise.exceptions import (
    ApplicationError,
    FieldValidationError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
)
from complywise.http import TenantRequest
from complywise.selectors import members_for_tenant
from evidence.api.uploads import MULTIPART_OVERHEAD_BYTES, TOO_LARGE_FLAG, UploadLimitHandler, content_length
from evidence.selectors import control_evidence, evidence_annotated, evidence_validity
from evidence.services import evidence_upload
from evidence.sniffing import ALLOWED
from frameworks.models import Control
from frameworks.scope import (
    control_applicability_set,
    control_evidence_requirement_delete,
    control_evidence_requirement_set,
    default_renewal_days,
)
from frameworks.selectors import control_detail as control_detail_read
from frameworks.selectors import controls_annotated, controls_visible_to, frameworks_in_scope
from scans.posture import check_remediation, check_row_order
from scans.posture_selectors import ControlPosture
from scans.selectors import control_evidence_count, control_latest_result, control_result_history
from web.forms import ApplicabilityForm, add_service_errors
from web.posture_forms import (
    SERVICE_FIELDS_REQUIREMENT,
    ControlRefIndex,
    EvidenceRequirementForm,
    PostureUploadForm,
)
from web.tenancy import ADMIN_ROLES, WRITE_ROLES, tenant_object_or_404, tenant_view

from .common import paginate
from .frameworks import BASIS_LABELS, controls_posture

EVIDENCE_PER_PAGE = 25
HISTORY_SHOWN = 20
# How the control page orders its checks, as scan findings do: what needs doing first, then by severity.


def _control_for(request: TenantRequest, pk: Any) -> Control:
    return tenant_object_or_404(controls_annotated(controls_visible_to(tenant=request.tenant)), pk)


def _ref_index(request: TenantRequest) -> ControlRefIndex:
    """The controls "Also supports" may name: those of the tenant's active frameworks."""
    active = frameworks_in_scope(tenant=request.tenant)
    controls = (
        controls_visible_to(tenant=request.tenant)
        .filter(framework__in=active)
        .select_related("framework")
        .only("pk", "ref", "title", "framework__key", "framework__version")
        .order_by("framework__key", "framework__version", "sort_key")
    )
    return ControlRefIndex(controls)


def _upload_form(request: TenantRequest, *args: Any) -> PostureUploadForm:
    return PostureUploadForm(*args, index=_ref_index(request))


def _mapped_checks(detail_checks: list[Any], posture: ControlPosture) -> list[dict[str, Any]]:
    """Each mapped check with its own status in the latest scan ("not-run" when it never ran), failing first."""
    ran = {row["id"]: row for row in posture.checks}
    rows = []
    for mapped in detail_checks:
        row = ran.get(mapped.check_id, {})
        status = row.get("status") or "not-run"
        rows.append(
            {
                "id": mapped.check_id,
                "title": mapped.title,
                "registered": mapped.registered,
                "severity": mapped.severity or row.get("severity") or "",
                "integration_type": mapped.integration_type or row.get("integration_type") or "",
                "status": status,
                "passed": row.get("passed", 0),
                "failed": row.get("failed", 0),
                "errored": row.get("errored", 0),
                "remediation": check_remediation({"id": mapped.check_id, "status": status}),
            }
        )
    rows.sort(key=check_row_order)
    return rows


def _evidence_page(request: TenantRequest, control: Control) -> Page:
    """The control's evidence, a page at a time; each manual document with how long it counts (its renewal too)."""
    page = paginate(
        request,
        evidence_annotated(control_evidence(tenant=request.tenant, control=control)),
        per_page=EVIDENCE_PER_PAGE,
    )
    page.object_list = list(page.object_list)
    for row in page.object_list:
        row.valid_until, row.freshness = evidence_validity(row)
    return page


def _control_page(
    request: TenantRequest,
    control: Control,
    upload_form: PostureUploadForm | None,
    status: int = 200,
    applicability_form: ApplicabilityForm | None = None,
    requirement_form: EvidenceRequirementForm | None = None,
) -> HttpResponse:
    tenant = request.tenant
    detail = control_detail_read(tenant=tenant, control=control)
    latest = control_latest_result(tenant=tenant, control=control)
    applicability = detail["applicability"]
    posture = controls_posture(tenant=tenant, framework=control.framework, controls=[control])[control.pk]
    documents = posture.documents
    if applicability_form is None and request.is_tenant_admin:
        # Offers the opposite of the current decision, with the current justification to edit.
        applicability_form = ApplicabilityForm(
            initial={
                "applicable": "false" if applicability.applicable else "true",
                "justification": applicability.justification,
            }
        )
    if requirement_form is None and request.is_tenant_admin:
        requirement_form = EvidenceRequirementForm(
            members=members_for_tenant(tenant=tenant),
            initial={
                "renewal_days": documents.renewal_days or default_renewal_days(control),
                "owner": str(documents.owner_id or ""),
                "due_date": documents.due_date,
            },
        )
    index = upload_form.index if upload_form is not None else None
    return render(
        request,
        "web/controls/detail.html",
        {
            "control": control,
            "checks": _mapped_checks(detail["checks"], posture),
            "posture": posture,
            "documents": documents,
            "basis_labels": BASIS_LABELS,
            "equivalents": detail["equivalents"],
            "latest": latest,
            "evidence_count": control_evidence_count(tenant=tenant, control=control),
            "applicability": applicability,
            "applicability_form": applicability_form,
            "requirement_form": requirement_form,
            "history": control_result_history(tenant=tenant, control=control, limit=HISTORY_SHOWN),
            "evidence_page": _evidence_page(request, control),
            "upload_form": upload_form,
            "control_suggestions": index.suggestions() if index is not None else [],
            "max_upload_bytes": settings.EVIDENCE_MAX_UPLOAD_BYTES,
        },
        status=status,
    )


@tenant_view()
@require_GET
def control_detail(request: TenantRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    return _control_page(request, control, _upload_form(request) if request.can_write else None)


@tenant_view(ADMIN_ROLES)
@require_POST
def control_applicability(request: TenantRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    upload_form = _upload_form(request) if request.can_write else None
    form = ApplicabilityForm(request.POST)
    if not form.is_valid():
        return _control_page(request, control, upload_form, status=400, applicability_form=form)
    try:
        control_applicability_set(
            tenant=request.tenant,
            control=control,
            applicable=form.cleaned_data["applicable"],
            justification=form.cleaned_data["justification"],
            actor=request.user,
        )
    except FieldValidationError as exc:
        add_service_errors(form, exc)
        return _control_page(request, control, upload_form, status=400, applicability_form=form)
    state = "in scope" if form.cleaned_data["applicable"] else "excluded from scope: later scans mark it not-applicable"
    messages.success(request, f"{control.ref} is {state}.")
    return redirect(reverse("web:control-detail", kwargs={"pk": control.pk}) + "#applicability")


def _too_large(request: TenantRequest, control: Control, data: Any) -> HttpResponse:
    # The file never reached the form (it was refused or dropped), so its error replaces "required".
    form = _upload_form(request, data, {})
    form.is_valid()
    message = f"The file is larger than the limit of {settings.EVIDENCE_MAX_UPLOAD_BYTES} bytes."
    form.errors["file"] = form.error_class([message])
    return _control_page(request, control, form, status=413)


@csrf_exempt
def control_evidence_upload(request: HttpRequest, pk: Any) -> HttpResponse:
    """The size limit must be in place before anything reads the body, the CSRF check included (done next)."""
    if request.method == "POST":
        request.upload_handlers = [
            UploadLimitHandler(request, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES),
            *request.upload_handlers,
        ]
    return _control_evidence_upload(request, pk)


@tenant_view(WRITE_ROLES)
@require_POST
def _control_evidence_upload(request: TenantRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    length = content_length(request)
    if length is not None and length > settings.EVIDENCE_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
        # Refused before the body is read: nothing of it is spooled anywhere.
        return _too_large(request, control, {})
    return _store_upload(request, control)


@csrf_protect
def _store_upload(request: TenantRequest, control: Control) -> HttpResponse:
    form = _upload_form(request, request.POST, request.FILES)
    if getattr(request, TOO_LARGE_FLAG, False):
        return _too_large(request, control, request.POST)
    if not form.is_valid():
        return _control_page(request, control, form, status=400)
    data = form.cleaned_data
    try:
        evidence = evidence_upload(
            tenant=request.tenant,
            actor=request.user,
            file=data["file"],
            control_id=control.pk,
            title=data["title"],
            description=data["description"],
            collected_at=data["collected_at"],
            expires_at=data["expires_at"],
            control_ids=data["also_supports"],
        )
    except PayloadTooLargeError as exc:
        form.add_error("file", exc.detail)
        return _control_page(request, control, form, status=413)
    except UnsupportedMediaTypeError as exc:
        detected = exc.extra.get("detected") or "unknown"
        form.add_error("file", f"{exc.detail} Detected: {detected}. Accepted: {', '.join(sorted(ALLOWED))}.")
        return _control_page(request, control, form, status=415)
    except FieldValidationError as exc:
        add_service_errors(form, exc, {"control_ids": "also_supports"})
        return _control_page(request, control, form, status=400)
    except ServiceUnavailableError as exc:
        form.add_error(None, exc.detail)
        return _control_page(request, control, form, status=503)
    except ApplicationError as exc:
        form.add_error(None, exc.detail)
        return _control_page(request, control, form, status=exc.status_code)
    also = len([pk for pk in data["also_supports"] if pk != control.pk])
    linked = f" It also supports {also} other control{'s' if also != 1 else ''}." if also else ""
    messages.success(
        request, f"Uploaded “{evidence.title}” ({evidence.size} bytes, SHA-256 {evidence.sha256}).{linked}"
    )
    return redirect(reverse("web:control-detail", kwargs={"pk": control.pk}) + "#evidence")


def _requirement_page(request: TenantRequest, control: Control, form: EvidenceRequirementForm) -> HttpResponse:
    upload_form = _upload_form(request) if request.can_write else None
    return _control_page(request, control, upload_form, status=400, requirement_form=form)


@tenant_view(ADMIN_ROLES)
@require_POST
def control_evidence_requirement(request: TenantRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    form = EvidenceRequirementForm(request.POST, members=members_for_tenant(tenant=request.tenant))
    if not form.is_valid():
        return _requirement_page(request, control, form)
    try:
        requirement = control_evidence_requirement_set(
            tenant=request.tenant, control=control, actor=request.user, **form.service_kwargs()
        )
    except ApplicationError as exc:
        add_service_errors(form, exc, SERVICE_FIELDS_REQUIREMENT)
        return _requirement_page(request, control, form)
    messages.success(request, f"{control.ref} now requires a document, renewed every {requirement.renewal_days} days.")
    return redirect(reverse("web:control-detail", kwargs={"pk": control.pk}) + "#requirement")


@tenant_view(ADMIN_ROLES)
@require_POST
def control_evidence_requirement_remove(request: TenantRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    if control_evidence_requirement_delete(tenant=request.tenant, control=control, actor=request.user):
        messages.success(request, f"{control.ref} no longer requires a document.")
    else:
        messages.info(request, f"{control.ref} required no document.")
    return redirect(reverse("web:control-detail", kwargs={"pk": control.pk}) + "#requirement")
