from __future__ import annotations

import uuid
from typing import cast

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from complywise.api.pagination import LimitOffsetPagination
from complywise.api.validation import validated
from complywise.api.viewsets import TenantScopedGenericViewSet, TenantScopedViewSet
from complywise.choices import ADMIN_ROLES, READ_ROLES, WRITE_ROLES
from complywise.exceptions import FieldValidationError
from complywise.exports import (
    Column,
    ExportFormatMixin,
    attribute_column,
    export_audit,
    export_format_parameter,
    export_response,
)
from complywise.throttling import ScanTriggerThrottle
from frameworks.models import Framework
from frameworks.selectors import framework_resolve
from integrations.registry import get_check
from scans import selectors, services
from scans.choices import ScanStatus, ScanTrigger
from scans.filtersets import CheckOutcomeFilterSet, ScanJobFilterSet
from scans.models import ScanJob, ScanSchedule
from scans.posture import check_remediation
from scans.services import FRAMEWORK_UNKNOWN

from .serializers import (
    FRAMEWORK_REF_HELP,
    OUTCOME_PAGE_FIELDS,
    RESULT_PAGE_FIELDS,
    CheckOutcomeSerializer,
    ScanDiffSerializer,
    ScanJobDetailSerializer,
    ScanJobSerializer,
    ScanResultSerializer,
    ScanScheduleCreateSerializer,
    ScanScheduleSerializer,
    ScanScheduleUpdateSerializer,
    ScanTriggerCreateSerializer,
    ScanTriggeredSerializer,
    TrendPointSerializer,
    TrendQuerySerializer,
    outcome_page_row,
    result_page_row,
)

POLL_SECONDS = "10"
# What the results and outcomes of a scan read of the job itself: its tenant and state. The rest of the row (the
# framework scores, timings and related rows the job's own answer shows) is left unread on the hottest pages.
SCAN_ROWS_JOB_FIELDS = ("id", "tenant_id", "status", "partial", "created_at")


def _failing_checks(result) -> str:
    """The checks behind a fail, worst first, with severity and the registry's remediation (CSV column)."""
    lines = []
    for row in result.checks:
        if row["status"] in ("fail", "error"):
            verb = "FAIL" if row["status"] == "fail" else "COULD NOT EVALUATE"
            remediation = check_remediation(row)
            lines.append(
                f"{verb} [{row['severity']}] {row['title']} ({row['id']})"
                + (f" — {remediation}" if remediation else "")
            )
    return "\n".join(lines)


RESULT_COLUMNS = [
    attribute_column("framework_key", "framework.key"),
    attribute_column("control_ref", "control.ref"),
    attribute_column("control_title", "control.title"),
    attribute_column("control_id"),
    attribute_column("status"),
    attribute_column("basis"),
    attribute_column("evidence_state"),
    attribute_column("could_not_evaluate", "errored"),
    attribute_column("checks_ran"),
    attribute_column("checks_mapped"),
    attribute_column("missing_integration_types"),
    Column("failing_checks", _failing_checks),
    attribute_column("finding"),
    attribute_column("evidence_key"),
]


def _check_title(outcome) -> str | None:
    # A dictionary lookup in the in-process registry: no query; None for a check no longer shipped.
    check = get_check(outcome.check_id)
    return check.title if check else None


OUTCOME_COLUMNS = [
    attribute_column("check_id"),
    Column("check_title", _check_title),
    attribute_column("status"),
    attribute_column("severity"),
    attribute_column("integration_id"),
    attribute_column("integration_type", "integration.type"),
    attribute_column("integration_name", "integration.name"),
    attribute_column("resource_id"),
    attribute_column("resource_type"),
    attribute_column("region"),
    attribute_column("reason"),
    attribute_column("detail"),
    attribute_column("id"),
]


class ScanRowsPagination(LimitOffsetPagination):
    """The limit/offset pages of one scan's results or outcomes, read so that a 100,000-outcome scan pages like a
    small one: the count of a finished scan is kept per filter, the page found on the list-order index.
    """

    scan_job: ScanJob
    fields: tuple[str, ...] = ()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.count = selectors.scan_rows_count(scan_job=self.scan_job, rows=queryset)
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return selectors.scan_rows_page(
            rows=queryset, offset=self.offset, limit=self.limit, scan_job=self.scan_job, fields=self.fields
        )


class ScanJobViewSet(ExportFormatMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """Scan jobs of the tenant: trigger, poll, history, results, outcomes, diff, trend, cancel."""

    queryset = ScanJob.objects.select_related("framework", "triggered_by").order_by("-created_at")
    serializer_class = ScanJobSerializer
    filterset_class = ScanJobFilterSet
    action_roles = {
        "list": READ_ROLES,
        "retrieve": READ_ROLES,
        "results": READ_ROLES,
        "outcomes": READ_ROLES,
        "diff": READ_ROLES,
        "trend": READ_ROLES,
        "trigger": WRITE_ROLES,
        "cancel": WRITE_ROLES,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("parts")
        elif self.action in ("results", "outcomes"):
            queryset = queryset.select_related(None).only(*SCAN_ROWS_JOB_FIELDS)
        return queryset

    def _scan_page(self, rows, job: ScanJob, fields: tuple[str, ...]) -> list:
        paginator = cast(ScanRowsPagination, self.paginator)
        paginator.scan_job, paginator.fields = job, fields
        return paginator.paginate_queryset(rows, self.request, view=self)

    def get_serializer_class(self):
        return ScanJobDetailSerializer if self.action == "retrieve" else ScanJobSerializer

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if response.data["status"] in (ScanStatus.QUEUED, ScanStatus.RUNNING):
            response["Retry-After"] = POLL_SECONDS
        return response

    @extend_schema(
        request=ScanTriggerCreateSerializer,
        responses={
            202: ScanTriggeredSerializer,
            429: OpenApiResponse(
                description="Rate limit of this credential or scan quota of the tenant (Retry-After)."
            ),
            503: OpenApiResponse(description="The task broker is unreachable; the job is failed with a reason."),
        },
    )
    @action(detail=False, methods=["post"], throttle_classes=[ScanTriggerThrottle])
    def trigger(self, request):
        body = validated(ScanTriggerCreateSerializer, request.data if request.data else {})
        job = services.scan_trigger(
            tenant=request.tenant,
            actor=request.user,
            integration_types=body.get("integration_types"),
            framework_id=body.get("framework_id"),
            trigger=ScanTrigger.API if request.auth is not None else ScanTrigger.UI,
        )
        data = ScanTriggeredSerializer({"scan_job_id": job.pk, "status": job.status, "created_at": job.created_at})
        location = reverse("scan-detail", kwargs={"pk": job.pk})
        return Response(data.data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(request=None, responses=ScanJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.scan_cancel(scan_job=self.get_object(), actor=request.user)
        return Response(ScanJobSerializer(job).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="pass, fail, not-applicable, or a comma list"),
            OpenApiParameter(
                "basis",
                str,
                description="How the verdict was reached: automated, manual, automated+manual, excluded or "
                "unassessed (not-applicable results are excluded or unassessed), or a comma list",
            ),
            OpenApiParameter("framework_id", str, description=FRAMEWORK_REF_HELP),
            export_format_parameter(what="every matching result"),
        ],
        responses=ScanResultSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=ScanRowsPagination)
    def results(self, request, pk=None):
        job = self.get_object()
        framework = _framework_param(request, request.query_params.get("framework_id"))
        results = selectors.scan_results(
            scan_job=job,
            statuses=selectors.parse_result_statuses(request.query_params.get("status")),
            bases=selectors.parse_result_bases(request.query_params.get("basis")),
            framework_id=framework.pk if framework else None,
        )
        fmt = self.export_format(request)
        if fmt:
            export_audit(request, what="scan results", fmt=fmt, target=job)
            return export_response(
                rows=results,
                columns=RESULT_COLUMNS,
                filename=f"scan-{job.pk}-results",
                fmt=fmt,
                tenant_id=request.tenant.pk,
            )
        page = self._scan_page(results, job, RESULT_PAGE_FIELDS)
        response = self.get_paginated_response([result_page_row(row) for row in page])
        response.data["scan_status"] = job.status
        response.data["partial"] = job.status == ScanStatus.FAILED or job.partial
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("check_id", str),
            OpenApiParameter("status", str, enum=["pass", "fail", "error"]),
            OpenApiParameter("resource", str, description="Part of the resource id"),
            OpenApiParameter("region", str),
            OpenApiParameter("integration_id", OpenApiTypes.UUID),
            export_format_parameter(what="every matching outcome"),
        ],
        responses=CheckOutcomeSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=ScanRowsPagination)
    def outcomes(self, request, pk=None):
        job = self.get_object()
        rows = selectors.scan_outcomes(scan_job=job)
        # Without a filter parameter the FilterSet would filter nothing; building and validating its form is a
        # good part of an unfiltered page's time, so it is built only when there is something to filter by.
        if any(name in request.query_params for name in CheckOutcomeFilterSet.base_filters):
            filterset = CheckOutcomeFilterSet(request.query_params, queryset=rows)
            if not filterset.is_valid():
                raise FieldValidationError({k: list(v) for k, v in filterset.errors.items()})
            rows = filterset.qs
        fmt = self.export_format(request)
        if fmt:
            export_audit(request, what="scan outcomes", fmt=fmt, target=job)
            return export_response(
                rows=rows,
                columns=OUTCOME_COLUMNS,
                filename=f"scan-{job.pk}-outcomes",
                fmt=fmt,
                tenant_id=request.tenant.pk,
            )
        page = self._scan_page(rows, job, OUTCOME_PAGE_FIELDS)
        return self.get_paginated_response([outcome_page_row(row) for row in page])

    @extend_schema(
        parameters=[OpenApiParameter("against", OpenApiTypes.UUID, description="Default: the previous completed scan")],
        responses=ScanDiffSerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def diff(self, request, pk=None):
        job = self.get_object()
        against_id = request.query_params.get("against")
        if against_id:
            against = selectors.scan_job_get(tenant=request.tenant, scan_job_id=_uuid_param("against", against_id))
        else:
            against = selectors.scan_previous_completed(scan_job=job)
        return Response(ScanDiffSerializer(selectors.scan_diff(scan_job=job, against=against)).data)

    @extend_schema(parameters=[TrendQuerySerializer], responses=TrendPointSerializer(many=True))
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def trend(self, request):
        query = validated(TrendQuerySerializer, request.query_params)
        framework = _framework_param(request, query.get("framework_id"))
        points = selectors.scan_trend(
            tenant=request.tenant,
            framework_id=framework.pk if framework else None,
            days=query["days"],
        )
        return Response(TrendPointSerializer(points, many=True).data)


def _framework_param(request, ref: str | None) -> Framework | None:
    """``framework_id`` as an id or a key of a framework the tenant can see; anything else is a 400 naming it."""
    if not ref:
        return None
    framework = framework_resolve(tenant=request.tenant, ref=ref)
    if framework is None:
        raise FieldValidationError({"framework_id": [FRAMEWORK_UNKNOWN]})
    return framework


def _uuid_param(name: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FieldValidationError({name: ["Must be a UUID."]}) from None


class ScanScheduleViewSet(TenantScopedViewSet):
    """Recurring scans (admins only)."""

    queryset = ScanSchedule.objects.select_related("framework")
    serializer_class = ScanScheduleSerializer
    http_method_names = ["get", "post", "patch", "delete"]
    action_roles = {
        "list": ADMIN_ROLES,
        "retrieve": ADMIN_ROLES,
        "create": ADMIN_ROLES,
        "partial_update": ADMIN_ROLES,
        "destroy": ADMIN_ROLES,
    }

    @extend_schema(request=ScanScheduleCreateSerializer, responses={201: ScanScheduleSerializer})
    def create(self, request, *args, **kwargs):
        body = validated(ScanScheduleCreateSerializer, request.data)
        schedule = services.schedule_create(tenant=request.tenant, actor=request.user, **body)
        return Response(ScanScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ScanScheduleUpdateSerializer, responses=ScanScheduleSerializer)
    def partial_update(self, request, *args, **kwargs):
        schedule = self.get_object()
        changes = validated(ScanScheduleUpdateSerializer, request.data, partial=True)
        schedule = services.schedule_update(schedule=schedule, actor=request.user, **changes)
        return Response(ScanScheduleSerializer(schedule).data)

    def destroy(self, request, *args, **kwargs):
        services.schedule_delete(schedule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
