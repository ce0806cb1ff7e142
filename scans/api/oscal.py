"""A completed scan as OSCAL: assessment results and a plan of action and milestones, streamed as JSON files."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import READ_ROLES
from complywise.exports import export_audit, streamed_attachment
from scans import oscal
from scans.models import ScanJob

CONTENT_TYPE = "application/json"
SCAN_PARAMETER = OpenApiParameter("scan_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The scan's id.")


def _responses(what: str) -> dict[Any, OpenApiResponse]:
    return {
        (200, CONTENT_TYPE): OpenApiResponse(OpenApiTypes.OBJECT, description=f"{what} (OSCAL 1.0.6 JSON, a file)."),
        404: OpenApiResponse(description="No such scan in this tenant."),
        409: OpenApiResponse(description="The scan is queued, running or failed: only a completed scan exports."),
    }


class ScanOscalViewSet(TenantScopedGenericViewSet):
    """A completed scan in OSCAL: ``GET /api/scans/{id}/oscal`` (assessment results) and ``…/oscal/poam``."""

    queryset = ScanJob.objects.select_related("tenant")
    pagination_class = None
    filterset_class = None
    action_roles = {"list": READ_ROLES, "poam": READ_ROLES}

    def _scan(self, scan_pk: Any) -> ScanJob:
        # Another tenant's scan, an unknown id and a malformed one all answer 404.
        return get_object_or_404(self.get_queryset(), pk=scan_pk)

    @extend_schema(
        operation_id="scans_oscal_assessment_results",
        description="The completed scan as an OSCAL assessment-results document (streamed JSON attachment).",
        parameters=[SCAN_PARAMETER],
        responses=_responses("The scan's assessment-results document"),
    )
    def list(self, request, scan_pk=None):
        job = self._scan(scan_pk)
        parts = oscal.assessment_results_parts(scan_job=job)  # 409 now, before any byte is sent
        export_audit(request, what="OSCAL assessment results", fmt="oscal-json", target=job)
        return streamed_attachment(
            lambda: parts,
            filename=f"scan-{job.pk}-assessment-results.oscal.json",
            content_type=CONTENT_TYPE,
            tenant_id=request.tenant.pk,
        )

    @extend_schema(
        operation_id="scans_oscal_poam",
        description="The completed scan's failing controls as an OSCAL plan-of-action-and-milestones document.",
        parameters=[SCAN_PARAMETER],
        responses=_responses("The scan's plan-of-action-and-milestones document"),
    )
    @action(detail=False, methods=["get"])
    def poam(self, request, scan_pk=None):
        job = self._scan(scan_pk)
        parts = oscal.poam_parts(scan_job=job)  # 409 now, before any byte is sent
        export_audit(request, what="OSCAL POA&M", fmt="oscal-json", target=job)
        return streamed_attachment(
            lambda: parts,
            filename=f"scan-{job.pk}-poam.oscal.json",
            content_type=CONTENT_TYPE,
            tenant_id=request.tenant.pk,
        )
