"""A scan's report for one framework: a print-ready page and the same report as a PDF download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from complywise.exceptions import ApplicationError
from complywise.exports import export_audit
from complywise.http import TenantRequest
from scans.api.report import pdf_response
from scans.choices import ScanStatus
from scans.models import ScanJob
from scans.report import ScanReport, report_framework, scan_report
from scans.report_pdf import scan_report_pdf
from scans.selectors import scan_jobs_for_tenant
from web.tenancy import tenant_object_or_404, tenant_view


def _report_for(request: TenantRequest, pk: Any, framework_pk: Any) -> ScanReport | ScanJob:
    """The report, or the scan itself when it has not completed (the caller sends the browser back to it)."""
    job = tenant_object_or_404(scan_jobs_for_tenant(tenant=request.tenant), pk)
    if job.status != ScanStatus.COMPLETED:
        return job
    try:
        framework = report_framework(tenant=request.tenant, scan_job=job, ref=str(framework_pk))
    except ApplicationError:
        # In a URL path a framework this scan did not evaluate is simply not there.
        raise Http404 from None
    return scan_report(scan_job=job, framework=framework)


def _not_ready(request: TenantRequest, job: ScanJob) -> HttpResponse:
    messages.info(request, "A report is available once the scan has completed.")
    return redirect("web:scan-detail", pk=job.pk)


@tenant_view()
@require_GET
def scan_report_page(request: TenantRequest, pk: Any, framework_pk: Any) -> HttpResponse:
    report = _report_for(request, pk, framework_pk)
    if isinstance(report, ScanJob):
        return _not_ready(request, report)
    return render(request, "web/scans/report.html", {"report": report})


@tenant_view()
@require_GET
def scan_report_pdf_download(request: TenantRequest, pk: Any, framework_pk: Any) -> HttpResponse:
    report = _report_for(request, pk, framework_pk)
    if isinstance(report, ScanJob):
        return _not_ready(request, report)
    content = scan_report_pdf(report)
    export_audit(
        request, what="scan report", fmt="pdf", scan_job_id=str(report.scan_id), framework=report.framework_key
    )
    return pdf_response(content, report.filename)
