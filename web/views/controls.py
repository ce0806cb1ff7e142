"""One control: what it asks, which checks serve it, its verdicts over time, its evidence, and manual upload."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
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
from evidence.api.uploads import MULTIPART_OVERHEAD_BYTES, TOO_LARGE_FLAG, UploadLimitHandler, content_length
from evidence.services import evidence_upload
from evidence.sniffing import ALLOWED
from frameworks.models import Control
from frameworks.selectors import control_detail as control_detail_read
from frameworks.selectors import controls_annotated, controls_visible_to
from frameworks.services import control_applicability_set
from web import selectors
from web.forms import ApplicabilityForm, EvidenceUploadForm, add_service_errors
from web.tenancy import ADMIN_ROLES, WRITE_ROLES, tenant_object_or_404, tenant_view

from .common import paginate

EVIDENCE_PER_PAGE = 25
HISTORY_SHOWN = 20


def _control_for(request: HttpRequest, pk: Any) -> Control:
    return tenant_object_or_404(controls_annotated(controls_visible_to(tenant=request.tenant)), pk)


def _control_page(
    request: HttpRequest,
    control: Control,
    upload_form: EvidenceUploadForm | None,
    status: int = 200,
    applicability_form: ApplicabilityForm | None = None,
) -> HttpResponse:
    tenant = request.tenant
    detail = control_detail_read(tenant=tenant, control=control)
    applicability = detail["applicability"]
    if applicability_form is None and request.is_tenant_admin:
        # Offers the opposite of the current decision, with the current justification to edit.
        applicability_form = ApplicabilityForm(
            initial={
                "applicable": "false" if applicability.applicable else "true",
                "justification": applicability.justification,
            }
        )
    return render(
        request,
        "web/controls/detail.html",
        {
            "control": control,
            "checks": detail["checks"],
            "latest": detail["latest_result"],
            "evidence_count": detail["evidence_count"],
            "applicability": applicability,
            "applicability_form": applicability_form,
            "history": selectors.control_result_history(tenant=tenant, control=control, limit=HISTORY_SHOWN),
            "evidence_page": paginate(
                request, selectors.control_evidence(tenant=tenant, control=control), per_page=EVIDENCE_PER_PAGE
            ),
            "upload_form": upload_form,
            "max_upload_bytes": settings.EVIDENCE_MAX_UPLOAD_BYTES,
        },
        status=status,
    )


@tenant_view()
@require_GET
def control_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    return _control_page(request, control, EvidenceUploadForm() if request.can_write else None)


@tenant_view(ADMIN_ROLES)
@require_POST
def control_applicability(request: HttpRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    upload_form = EvidenceUploadForm() if request.can_write else None
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


def _too_large(request: HttpRequest, control: Control, data: Any) -> HttpResponse:
    # The file never reached the form (it was refused or dropped), so its error replaces "required".
    form = EvidenceUploadForm(data, {})
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
def _control_evidence_upload(request: HttpRequest, pk: Any) -> HttpResponse:
    control = _control_for(request, pk)
    length = content_length(request)
    if length is not None and length > settings.EVIDENCE_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
        # Refused before the body is read: nothing of it is spooled anywhere.
        return _too_large(request, control, {})
    return _store_upload(request, control)


@csrf_protect
def _store_upload(request: HttpRequest, control: Control) -> HttpResponse:
    form = EvidenceUploadForm(request.POST, request.FILES)
    if getattr(request, TOO_LARGE_FLAG, False):
        return _too_large(request, control, request.POST)
    if not form.is_valid():
        return _control_page(request, control, form, status=400)
    data = form.cleaned_data
    try:
        evidence = evidence_upload(
            tenant=request.tenant,
            user=request.user,
            file=data["file"],
            control_id=control.pk,
            title=data["title"],
            description=data["description"],
            collected_at=data["collected_at"],
            expires_at=data["expires_at"],
        )
    except PayloadTooLargeError as exc:
        form.add_error("file", exc.detail)
        return _control_page(request, control, form, status=413)
    except UnsupportedMediaTypeError as exc:
        detected = exc.extra.get("detected") or "unknown"
        form.add_error("file", f"{exc.detail} Detected: {detected}. Accepted: {', '.join(sorted(ALLOWED))}.")
        return _control_page(request, control, form, status=415)
    except FieldValidationError as exc:
        add_service_errors(form, exc)
        return _control_page(request, control, form, status=400)
    except ServiceUnavailableError as exc:
        form.add_error(None, exc.detail)
        return _control_page(request, control, form, status=503)
    except ApplicationError as exc:
        form.add_error(None, exc.detail)
        return _control_page(request, control, form, status=exc.status_code)
    messages.success(request, f"Uploaded “{evidence.title}” ({evidence.size} bytes, SHA-256 {evidence.sha256}).")
    return redirect(reverse("web:control-detail", kwargs={"pk": control.pk}) + "#evidence")
