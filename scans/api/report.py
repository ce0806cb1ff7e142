"""A scan's report for one framework, as a PDF an auditor can be handed."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import READ_ROLES
from complywise.exports import export_audit
from evidence.api.views import AnyAcceptNegotiation
from scans import selectors
from scans.models import ScanJob
from scans.report import report_framework, scan_report
from scans.report_pdf import scan_report_pdf

from .serializers import FRAMEWORK_REF_HELP

PDF = "application/pdf"


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A report as a download that no shared cache keeps (it names findings of a tenant)."""
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class ScanReportViewSet(TenantScopedGenericViewSet):
    """One framework of a completed scan as a PDF report: header, score and coverage, failing controls with their
    checks and remediation, controls that could not be evaluated, exclusions with their justification, and an
    evidence index with each artifact's SHA-256."""

    queryset = ScanJob.objects.all()
    pagination_class = None
    filterset_class = None
    content_negotiation_class = AnyAcceptNegotiation
    action_roles = {"list": READ_ROLES}

    @extend_schema(
        operation_id="scans_report",
        parameters=[
            OpenApiParameter("scan_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The scan's id."),
            OpenApiParameter(
                "framework_id",
                str,
                description=f"{FRAMEWORK_REF_HELP} Required when the scan evaluated several frameworks.",
            ),
        ],
        responses={
            (200, PDF): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The report (attachment complywise-<framework key>-<scan short id>.pdf).",
            ),
            400: OpenApiResponse(description="framework_id missing, unknown, or not evaluated by this scan."),
            404: OpenApiResponse(description="No such scan in this tenant."),
            409: OpenApiResponse(description="The scan has not completed."),
        },
    )
    def list(self, request, scan_pk=None):
        try:
            scan_id = uuid.UUID(str(scan_pk))
        except ValueError:
            raise Http404 from None
        job = selectors.scan_job_get(tenant=request.tenant, scan_job_id=scan_id)
        framework = report_framework(tenant=request.tenant, scan_job=job, ref=request.query_params.get("framework_id"))
        report = scan_report(scan_job=job, framework=framework)
        content = scan_report_pdf(report)
        export_audit(request, what="scan report", fmt="pdf", target=job, framework=framework.key)
        return pdf_response(content, report.filename)
