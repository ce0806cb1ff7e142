"""Scan history, running a scan, one scan's live progress and results (with a CSV download), cancelling."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from complywise.exceptions import (
    ApplicationError,
    FieldValidationError,
    ServiceUnavailableError,
    TooManyRequestsError,
)
from complywise.exports import export_audit, export_response
from complywise.http import TenantRequest
from frameworks.selectors import frameworks_active
from integrations.selectors import integration_types_connected
from scans.api.views import RESULT_COLUMNS
from scans.choices import ResultBasis, ResultStatus, ScanTrigger
from scans.models import ScanJob, ScanResult
from scans.posture import check_remediation
from scans.selectors import failing_resources, scan_frameworks, scan_jobs_for_tenant, scan_results
from scans.services import scan_cancel, scan_trigger
from web import selectors
from web.forms import (
    COULD_NOT_EVALUATE,
    EXCLUDED,
    NOT_ASSESSED,
    SERVICE_FIELDS_RUN_SCAN,
    ResultFilterForm,
    RunScanForm,
    ScanFilterForm,
    add_service_errors,
)
from web.tenancy import WRITE_ROLES, tenant_object_or_404, tenant_view

from .common import paginate

SCANS_PER_PAGE = 25
RESULTS_PER_PAGE = 50
FAILING_RESOURCES_SHOWN = 10
# A control mapped to dozens of checks can fail many of them at once; its row shows the worst, the rest are a link away.
FAILING_CHECKS_SHOWN = 10
NOT_APPLICABLE_BASIS = {NOT_ASSESSED: ResultBasis.UNASSESSED, EXCLUDED: ResultBasis.EXCLUDED}


def _run_form(request: TenantRequest, data: Any = None) -> RunScanForm:
    return RunScanForm(
        data,
        connected_types=integration_types_connected(tenant=request.tenant),
        frameworks=frameworks_active(tenant=request.tenant),
    )


def _scan_list_page(request: TenantRequest, run_form: RunScanForm, status: int = 200) -> HttpResponse:
    jobs = scan_jobs_for_tenant(tenant=request.tenant)
    filters = ScanFilterForm(request.GET)
    if filters.is_valid() and filters.cleaned_data["status"]:
        jobs = jobs.filter(status=filters.cleaned_data["status"])
    return render(
        request,
        "web/scans/list.html",
        {"page": paginate(request, jobs, per_page=SCANS_PER_PAGE), "filters": filters, "run_form": run_form},
        status=status,
    )


@tenant_view()
@require_GET
def scan_list(request: TenantRequest) -> HttpResponse:
    return _scan_list_page(request, _run_form(request))


@tenant_view(WRITE_ROLES)
@require_POST
def scan_run(request: TenantRequest) -> HttpResponse:
    form = _run_form(request, request.POST)
    if form.is_valid():
        try:
            job = scan_trigger(
                tenant=request.tenant, actor=request.user, trigger=ScanTrigger.UI, **form.service_kwargs()
            )
        except ServiceUnavailableError as exc:
            messages.error(request, exc.detail)
            job_id = exc.extra.get("scan_job_id")
            return redirect("web:scan-detail", pk=job_id) if job_id else redirect("web:scan-list")
        except TooManyRequestsError as exc:
            messages.error(request, exc.detail)
            response = _scan_list_page(request, form, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        except FieldValidationError as exc:
            add_service_errors(form, exc, SERVICE_FIELDS_RUN_SCAN)
        else:
            messages.success(request, "Scan started.")
            return redirect("web:scan-detail", pk=job.pk)
    return _scan_list_page(request, form, status=400)


def _scan_for(request: TenantRequest, pk: Any):
    return tenant_object_or_404(scan_jobs_for_tenant(tenant=request.tenant), pk)


def _result_filters(request: TenantRequest, job) -> tuple[ResultFilterForm, dict[str, Any]]:
    form = ResultFilterForm(request.GET, frameworks=scan_frameworks(scan_job=job))
    # An invalid filter (e.g. a stale framework id in a bookmarked link) is shown as an error and ignored.
    cleaned = form.cleaned_data if form.is_valid() else {}
    status = cleaned.get("status") or ""
    errored, bases = None, None
    if status == COULD_NOT_EVALUATE:
        status, errored = ResultStatus.FAIL, True
    elif status == ResultStatus.FAIL:
        errored = False
    elif status in (NOT_ASSESSED, EXCLUDED):
        status, bases = ResultStatus.NOT_APPLICABLE, [NOT_APPLICABLE_BASIS[status]]
    return form, {
        "statuses": [status] if status else None,
        "errored": errored,
        "bases": bases,
        "framework_id": cleaned.get("framework") or None,
        "search": cleaned.get("q") or "",
    }


def _failing_checks(result: ScanResult) -> dict[str, Any]:
    """The checks behind a fail (the roll-up lists them first, worst first), each with the registry's remediation: the
    first ``FAILING_CHECKS_SHOWN`` of them, and how many more the control's page and the CSV list."""
    failing = [row for row in result.checks if row.get("status") in ("fail", "error")]
    shown = [{**row, "remediation": check_remediation(row)} for row in failing[:FAILING_CHECKS_SHOWN]]
    return {"shown": shown, "hidden": len(failing) - len(shown)}


# A finished scan's results never change (a roll-up writes new rows, with new keys); the bound limits how long a
# purged scan's cells linger, and how long a remediation reworded by an upgrade shows its old words.
FINDING_CELL_SECONDS = 600
FINDING_CELL_TEMPLATE = "web/scans/_finding_cell.html"


@functools.cache
def _finding_cell_version() -> str:
    """Changes with the cell's template, so an upgrade that changes it never serves cells kept by the old one."""
    source = get_template(FINDING_CELL_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _finding_cells(job: ScanJob, results: list[ScanResult]) -> dict[Any, SafeString]:
    """Each row's "Finding" cell (failing checks with remediation, the finding, failing resources), as HTML.

    The cell is most of the page's work (a failing control lists up to ten checks and ten resources) and holds
    nothing that depends on who reads it, so it is rendered once per result and kept: the next reader's page
    reads the cells in one cache round trip and asks the database only for the rows the cache did not have.
    Keys name the tenant, the result and its last change.
    """
    version = _finding_cell_version()
    keys = {r.pk: f"web-finding-cell:{version}:{job.tenant_id}:{r.pk}:{r.updated_at.timestamp()}" for r in results}
    kept = cache.get_many(list(keys.values()))
    cells = {pk: mark_safe(kept[key]) for pk, key in keys.items() if key in kept}  # noqa: S308 - our own render
    missing = [r for r in results if r.pk not in cells]
    if not missing:
        return cells
    failing = [r for r in missing if r.status == ResultStatus.FAIL]
    resources = failing_resources(
        scan_job=job, control_ids=[r.control_id for r in failing], cap=FAILING_RESOURCES_SHOWN
    )
    fresh = {}
    for r in missing:
        failed = r.status == ResultStatus.FAIL
        html = render_to_string(
            FINDING_CELL_TEMPLATE,
            {
                "r": r,
                "job": job,
                "checks": _failing_checks(r) if failed else None,
                "bad": resources.get(r.control_id) if failed else None,
            },
        )
        cells[r.pk], fresh[keys[r.pk]] = mark_safe(html), html  # noqa: S308 - autoescaped by the template
    cache.set_many(fresh, FINDING_CELL_SECONDS)
    return cells


def _framework_scores(job) -> dict[str, Any]:
    """The scan's per-framework counts; "not applicable" split into not assessed and excluded when the scan kept
    both (scans rolled up before the split exist only as "not applicable")."""
    scores = [{**entry, **selectors.framework_entry_counts(entry)} for entry in job.framework_scores or []]
    split = bool(scores) and all(s["unassessed"] is not None and s["excluded"] is not None for s in scores)
    return {
        "framework_scores": scores,
        "split_not_applicable": split,
        "unassessed": sum(s["unassessed"] for s in scores) if split else None,
        "excluded": sum(s["excluded"] for s in scores) if split else None,
    }


@tenant_view()
@require_GET
def scan_detail(request: TenantRequest, pk: Any) -> HttpResponse:
    job = _scan_for(request, pk)
    context: dict[str, Any] = {"job": job, "running": not job.is_finished}
    if job.is_finished:
        filters, query = _result_filters(request, job)
        # What the rows show only: a control's text and attributes, a framework's description are not on this page.
        results = scan_results(scan_job=job, **query).defer(
            "control__description", "control__attributes", "framework__description"
        )
        page = paginate(request, results, per_page=RESULTS_PER_PAGE)
        context |= {
            "filters": filters,
            "page": page,
            "finding_cells": _finding_cells(job, list(page.object_list)),
            **_framework_scores(job),
            "csv_query": request.GET.urlencode(),
            # ``failed_controls`` counts every fail; the ones that only could not evaluate are shown apart.
            "findings": job.failed_controls - job.errored_controls,
        }
    return render(request, "web/scans/detail.html", context)


@tenant_view()
@require_GET
def scan_progress(request: TenantRequest, pk: Any) -> JsonResponse:
    """What the progress script polls: small, uncached."""
    job = _scan_for(request, pk)
    response = JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "progress": job.progress,
            "finished": job.is_finished,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@tenant_view()
@require_GET
def scan_results_csv(request: TenantRequest, pk: Any) -> HttpResponse | StreamingHttpResponse:
    job = _scan_for(request, pk)
    if not job.is_finished:
        messages.info(request, "Results can be downloaded once the scan has finished.")
        return redirect("web:scan-detail", pk=job.pk)
    _, query = _result_filters(request, job)
    export_audit(request, what="scan results", fmt="csv", target=job)
    # The API's columns (basis, evidence state, failing checks with remediation, the finding whole): one file
    # format whichever way it is downloaded.
    return export_response(
        rows=scan_results(scan_job=job, **query),
        columns=RESULT_COLUMNS,
        filename=f"scan-{str(job.pk)[:8]}-results",
        fmt="csv",
        tenant_id=request.tenant.pk,
    )


@tenant_view(WRITE_ROLES)
@require_POST
def scan_cancel_view(request: TenantRequest, pk: Any) -> HttpResponse:
    job = _scan_for(request, pk)
    try:
        scan_cancel(scan_job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "The scan was cancelled.")
    return redirect(reverse("web:scan-detail", kwargs={"pk": job.pk}))
