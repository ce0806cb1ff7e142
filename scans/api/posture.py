"""The live posture of a framework: latest scan + today's applicability and documents, without rescanning."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import READ_ROLES
from complywise.exports import (
    Column,
    ExportFormatMixin,
    attribute_column,
    export_audit,
    export_format_parameter,
    export_response,
)
from evidence.choices import EvidenceState, Freshness
from frameworks.models import Control, Framework
from scans import posture_selectors, selectors
from scans.choices import ResultBasis, ResultStatus
from scans.posture import check_remediation
from scans.posture_selectors import ControlPosture

from .serializers import ResultCheckSerializer


class LinkedDocumentSerializer(serializers.Serializer):
    evidence_id = serializers.UUIDField()
    title = serializers.CharField()
    collected_at = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(allow_null=True)
    freshness = serializers.ChoiceField(choices=Freshness.choices)


class PostureRequirementSerializer(serializers.Serializer):
    renewal_days = serializers.IntegerField()
    owner_id = serializers.UUIDField(allow_null=True)
    owner_email = serializers.EmailField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)


class ControlPostureSerializer(serializers.Serializer):
    control_id = serializers.UUIDField(source="control.pk")
    control_ref = serializers.CharField(source="control.ref")
    control_title = serializers.CharField(source="control.title")
    status = serializers.ChoiceField(choices=ResultStatus.choices, source="verdict.status")
    basis = serializers.ChoiceField(choices=ResultBasis.choices, source="verdict.basis")
    could_not_evaluate = serializers.BooleanField(source="verdict.errored")
    evidence_state = serializers.ChoiceField(choices=EvidenceState.choices, source="documents.state")
    automated_status = serializers.CharField(help_text="pass, fail, error, or empty when no check ran.")
    status_at_scan = serializers.CharField(source="scan_status", allow_null=True)
    changed_since_scan = serializers.BooleanField(help_text="Documents or scope moved it since the scan.")
    applicable = serializers.BooleanField(source="applicability.applicable")
    justification = serializers.CharField(source="applicability.justification")
    evidence_requirement = serializers.SerializerMethodField()
    next_due = serializers.DateField(source="documents.next_due", allow_null=True)
    documents = LinkedDocumentSerializer(source="documents.documents", many=True)
    checks_mapped = serializers.IntegerField()
    checks_ran = serializers.IntegerField()
    missing_integration_types = serializers.ListField(child=serializers.CharField())
    checks = serializers.SerializerMethodField()

    @extend_schema_field(PostureRequirementSerializer(allow_null=True))
    def get_evidence_requirement(self, row: ControlPosture) -> dict[str, Any] | None:
        docs = row.documents
        if docs.requirement_id is None:
            return None
        return PostureRequirementSerializer(docs).data

    @extend_schema_field(ResultCheckSerializer(many=True))
    def get_checks(self, row: ControlPosture) -> list[dict[str, Any]]:
        return [{**check, "remediation": check_remediation(check)} for check in row.checks]


class PostureSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    could_not_evaluate = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    excluded = serializers.IntegerField()
    unassessed = serializers.IntegerField()
    applicable = serializers.IntegerField()
    assessed = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True)


class FrameworkPostureSerializer(serializers.Serializer):
    framework_id = serializers.UUIDField(source="framework.pk")
    framework_key = serializers.CharField(source="framework.key")
    framework_name = serializers.CharField(source="framework.name")
    as_of = serializers.DateTimeField()
    scan_job_id = serializers.UUIDField(source="scan_job.pk", allow_null=True, default=None)
    scan_completed_at = serializers.DateTimeField(source="scan_job.completed_at", allow_null=True, default=None)
    summary = serializers.SerializerMethodField()
    controls = ControlPostureSerializer(many=True)

    @extend_schema_field(PostureSummarySerializer)
    def get_summary(self, posture) -> dict[str, Any]:
        return PostureSummarySerializer(posture.tally.as_dict()).data


def _documents_text(row: ControlPosture) -> str:
    return "\n".join(
        f"{d.title} ({d.freshness}" + (f", until {d.valid_until.date().isoformat()})" if d.valid_until else ")")
        for d in row.documents.documents
    )


POSTURE_COLUMNS = [
    attribute_column("control_id", "control.pk"),
    attribute_column("control_ref", "control.ref"),
    attribute_column("control_title", "control.title"),
    attribute_column("status", "verdict.status"),
    attribute_column("basis", "verdict.basis"),
    attribute_column("could_not_evaluate", "verdict.errored"),
    attribute_column("evidence_state", "documents.state"),
    attribute_column("status_at_scan", "scan_status"),
    attribute_column("applicable", "applicability.applicable"),
    attribute_column("justification", "applicability.justification"),
    attribute_column("renewal_days", "documents.renewal_days"),
    attribute_column("owner", "documents.owner_email"),
    attribute_column("next_due", "documents.next_due"),
    Column("documents", _documents_text),
    attribute_column("checks_ran"),
    attribute_column("checks_mapped"),
    attribute_column("missing_integration_types"),
]


class FrameworkPostureViewSet(ExportFormatMixin, TenantScopedGenericViewSet):
    """A framework's controls as they stand now: the latest scan recombined with today's scope and documents."""

    queryset = Control.objects.all()
    serializer_class = FrameworkPostureSerializer
    pagination_class = None
    filterset_class = None
    action_roles = {"list": READ_ROLES}

    def scope_queryset(self, queryset, tenant):
        return queryset.none()  # unused: the posture is computed, not a queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="pass, fail, not-applicable, or a comma list"),
            OpenApiParameter(
                "basis",
                str,
                description="automated, manual, automated+manual, excluded or unassessed (in scope, nothing assesses "
                "it: no check ran and no document is required), or a comma list",
            ),
            export_format_parameter(what="every control's posture"),
        ],
        responses=FrameworkPostureSerializer,
    )
    def list(self, request, framework_pk=None):
        framework = get_object_or_404(Framework.objects.visible_to(request.tenant), pk=framework_pk)
        posture = posture_selectors.framework_posture(
            tenant=request.tenant,
            framework=framework,
            statuses=selectors.parse_result_statuses(request.query_params.get("status")),
            bases=selectors.parse_result_bases(request.query_params.get("basis")),
        )
        fmt = self.export_format(request)
        if fmt:
            export_audit(request, what="framework posture", fmt=fmt, target=framework)
            return export_response(
                rows=posture.controls,
                columns=POSTURE_COLUMNS,
                filename=f"posture-{framework.key}-{request.tenant.slug}-{timezone.now():%Y%m%dT%H%M%SZ}",
                fmt=fmt,
            )
        return Response(FrameworkPostureSerializer(posture).data)


# --------------------------------------------------------------------------- Statement of Applicability


class SoaDocumentSerializer(serializers.Serializer):
    evidence_id = serializers.UUIDField()
    title = serializers.CharField()
    freshness = serializers.ChoiceField(choices=Freshness.choices)
    valid_until = serializers.DateTimeField(allow_null=True)


def _implementation_status(row: ControlPosture) -> str | None:
    """The live status, except where there is nothing to state: excluded, or never assessed nor scanned."""
    if row.verdict.basis == ResultBasis.EXCLUDED:
        return None
    if row.verdict.basis == ResultBasis.UNASSESSED and row.scan_status is None:
        return None
    return row.verdict.status


class SoaRowSerializer(serializers.Serializer):
    """One line of a framework's Statement of Applicability."""

    control_id = serializers.UUIDField(source="control.pk")
    control_ref = serializers.CharField(source="control.ref")
    control_title = serializers.CharField(source="control.title")
    applicable = serializers.BooleanField(source="applicability.applicable")
    justification = serializers.CharField(source="applicability.justification")
    decided_by = serializers.CharField(source="applicability.decided_by", allow_null=True)
    decided_at = serializers.DateTimeField(source="applicability.decided_at", allow_null=True)
    implementation_status = serializers.SerializerMethodField(
        help_text="The control's live status (latest scan + today's documents); null when excluded or never assessed."
    )
    basis = serializers.ChoiceField(choices=ResultBasis.choices, source="verdict.basis")
    evidence_state = serializers.ChoiceField(choices=EvidenceState.choices, source="documents.state")
    owner = serializers.EmailField(source="documents.owner_email", allow_null=True)
    next_due = serializers.DateField(source="documents.next_due", allow_null=True)
    evidence_count = serializers.SerializerMethodField(help_text="Manual documents linked to the control.")
    evidence = SoaDocumentSerializer(
        source="documents.documents", many=True, help_text="The documents that support the control, newest first."
    )

    def get_implementation_status(self, row: ControlPosture) -> str | None:
        return _implementation_status(row)

    def get_evidence_count(self, row: ControlPosture) -> int:
        return len(row.documents.documents)


def _soa_evidence_text(row: ControlPosture) -> str:
    return "\n".join(f"{d.title} [{d.evidence_id}] ({d.freshness})" for d in row.documents.documents)


SOA_EXPORT_COLUMNS = [
    attribute_column("control_id", "control.pk"),
    attribute_column("control_ref", "control.ref"),
    attribute_column("control_title", "control.title"),
    attribute_column("applicable", "applicability.applicable"),
    attribute_column("justification", "applicability.justification"),
    attribute_column("decided_by", "applicability.decided_by"),
    attribute_column("decided_at", "applicability.decided_at"),
    Column("implementation_status", _implementation_status),
    attribute_column("basis", "verdict.basis"),
    attribute_column("evidence_state", "documents.state"),
    attribute_column("owner", "documents.owner_email"),
    attribute_column("next_due", "documents.next_due"),
    Column("evidence_count", lambda row: len(row.documents.documents)),
    Column("evidence", _soa_evidence_text),
]


class FrameworkSoaViewSet(ExportFormatMixin, TenantScopedGenericViewSet):
    """A framework's Statement of Applicability: every control, whether it is in scope and why, and how it stands."""

    queryset = Control.objects.all()
    serializer_class = SoaRowSerializer
    filterset_class = None
    action_roles = {"list": READ_ROLES}

    def scope_queryset(self, queryset, tenant):
        return queryset.none()  # unused: the rows are the framework's live posture

    @extend_schema(
        parameters=[export_format_parameter(what="the whole Statement of Applicability")],
        responses=SoaRowSerializer(many=True),
    )
    def list(self, request, framework_pk=None):
        # Another tenant's custom framework answers 404 exactly like a missing one.
        framework = get_object_or_404(Framework.objects.visible_to(request.tenant), pk=framework_pk)
        rows = posture_selectors.framework_posture(tenant=request.tenant, framework=framework).controls
        fmt = self.export_format(request)
        if fmt:
            export_audit(request, what="statement of applicability", fmt=fmt, target=framework)
            return export_response(
                rows=rows,
                columns=SOA_EXPORT_COLUMNS,
                filename=f"soa-{framework.key}-{request.tenant.slug}-{timezone.now():%Y%m%dT%H%M%SZ}",
                fmt=fmt,
            )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SoaRowSerializer(page, many=True).data)
