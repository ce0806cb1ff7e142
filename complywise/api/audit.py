"""``GET /api/audit-log``: the tenant's audit events for admins and auditors, filtered, paginated or downloaded."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers

from complywise.api.validation import validated
from complywise.audit import AUDIT_LOG_ROLES, AuditFilters, audit_event_summary, audit_events
from complywise.exports import Column, ExportFormatMixin, attribute_column, export_format_parameter, export_response
from complywise.models import AuditEvent
from complywise.services import audit_record

from .viewsets import TenantScopedGenericViewSet


class AuditEventSerializer(serializers.ModelSerializer):
    actor_id = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_id",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "data",
            "ip_address",
            "user_agent",
            "request_id",
        ]
        read_only_fields = fields


class AuditLogQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(required=False, max_length=254, help_text="The actor's email or user id.")
    action = serializers.CharField(
        required=False, max_length=64, help_text='Exact ("token.revoked"), or a prefix ending with "." ("token.").'
    )
    target_type = serializers.CharField(required=False, max_length=64, help_text='e.g. "Integration", "ApiToken".')
    target_id = serializers.CharField(required=False, max_length=64)
    since = serializers.DateTimeField(required=False, help_text="ISO 8601; events at or after.")
    until = serializers.DateTimeField(required=False, help_text="ISO 8601; events at or before.")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["Must not be before since."]})
        return attrs


EXPORT_COLUMNS = [
    attribute_column("created_at"),
    attribute_column("actor_id"),
    attribute_column("actor_email"),
    Column("actor", audit_event_summary),
    attribute_column("action"),
    attribute_column("target_type"),
    attribute_column("target_id"),
    attribute_column("data"),
    attribute_column("ip_address"),
    attribute_column("user_agent"),
    attribute_column("request_id"),
    attribute_column("id"),
]

_QUERY_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, required=False, description=str(field.help_text or ""))
    for name, field in AuditLogQuerySerializer().fields.items()
    if name not in ("since", "until")
] + [
    OpenApiParameter("since", OpenApiTypes.DATETIME, required=False),
    OpenApiParameter("until", OpenApiTypes.DATETIME, required=False),
    export_format_parameter(what="the whole filtered set"),
]


class AuditLogViewSet(ExportFormatMixin, mixins.ListModelMixin, TenantScopedGenericViewSet):
    """The tenant's audit trail, newest first (admins and auditors). Read-only: events are never changed."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    action_roles = {"list": AUDIT_LOG_ROLES}
    filters = AuditFilters()

    def scope_queryset(self, queryset, tenant):
        return audit_events(tenant=tenant, filters=self.filters)

    @extend_schema(parameters=_QUERY_PARAMETERS, responses=AuditEventSerializer(many=True))
    def list(self, request, *args, **kwargs):
        query = validated(AuditLogQuerySerializer, request.query_params)
        self.filters = AuditFilters(**query)
        fmt = self.export_format(request)
        if fmt is None:
            return super().list(request, *args, **kwargs)
        # Reading the whole trail out is itself worth a line in it.
        audit_record(
            tenant=request.tenant,
            actor=request.user,
            action="audit.exported",
            data={"format": fmt, "filters": {k: str(v) for k, v in query.items()}},
        )
        return export_response(
            rows=self.get_queryset(),
            columns=EXPORT_COLUMNS,
            filename=f"audit-log-{request.tenant.slug}-{timezone.now():%Y%m%dT%H%M%SZ}",
            fmt=fmt,
            tenant_id=request.tenant.pk,
        )
