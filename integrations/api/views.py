from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from complywise.api.strict import StrictInputMixin
from complywise.api.validation import validated
from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import ADMIN_ROLES, READ_ROLES
from complywise.http import TenantAPIRequest
from complywise.permissions import TenantRolePermission
from frameworks.selectors import check_control_counts
from integrations import selectors, services
from integrations.filtersets import IntegrationFilterSet
from integrations.models import Integration
from integrations.registry import Check, get_check

from .serializers import (
    CheckQuerySerializer,
    CheckSerializer,
    IntegrationCreateSerializer,
    IntegrationSerializer,
    IntegrationTestResultSerializer,
    IntegrationUpdateSerializer,
)


class IntegrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    TenantScopedGenericViewSet,
):
    """The tenant's integrations: every role reads, admins create, change, delete and test them."""

    queryset = Integration.objects.all()
    serializer_class = IntegrationSerializer
    filterset_class = IntegrationFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Let the update serializer explain that the type cannot change, rather than calling it unknown.
    accepted_body_fields = {"partial_update": ["type"]}
    action_roles = {
        "list": READ_ROLES,
        "retrieve": READ_ROLES,
        "create": ADMIN_ROLES,
        "partial_update": ADMIN_ROLES,
        "destroy": ADMIN_ROLES,
        "test_connection": ADMIN_ROLES,
    }

    @extend_schema(request=IntegrationCreateSerializer, responses={201: IntegrationSerializer})
    def create(self, request):
        data = validated(IntegrationCreateSerializer, request.data)
        integration = services.integration_create(tenant=request.tenant, actor=request.user, **data)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IntegrationUpdateSerializer, responses=IntegrationSerializer)
    def partial_update(self, request, pk=None):
        integration = self.get_object()
        changes = validated(IntegrationUpdateSerializer, request.data, partial=True)
        integration = services.integration_update(integration=integration, actor=request.user, **changes)
        return Response(IntegrationSerializer(integration).data)

    def destroy(self, request, pk=None):
        services.integration_delete(integration=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: IntegrationTestResultSerializer, 429: None})
    @action(detail=True, methods=["post"], url_path="test")
    def test_connection(self, request, pk=None):
        """Try a real call to the provider; the outcome is recorded on the integration.

        Answers within INTEGRATION_TEST_TIMEOUT_SECONDS; 429 with Retry-After while the
        tenant already runs INTEGRATION_TEST_CONCURRENCY tests.
        """
        integration = self.get_object()
        ok, detail = services.integration_test(integration=integration, actor=request.user)
        return Response(
            IntegrationTestResultSerializer(
                {"ok": ok, "detail": detail, "status": integration.status, "last_tested_at": integration.last_tested_at}
            ).data
        )


class CheckViewSet(StrictInputMixin, viewsets.GenericViewSet):
    """The registered automated checks (global, read by every role) with how many controls each serves."""

    permission_classes = [TenantRolePermission]
    action_roles = {"list": READ_ROLES, "retrieve": READ_ROLES}
    request: TenantAPIRequest  # TenantRolePermission resolved the tenant before any action runs
    serializer_class = CheckSerializer
    lookup_field = "id"
    # Check ids contain dots (aws.iam.root_mfa_enabled).
    lookup_value_regex = r"[^/]+"
    filter_backends: list = []

    def _rows(self, checks: list[Check]) -> list[dict]:
        counts = check_control_counts(tenant=self.request.tenant, check_ids=[c.id for c in checks])
        return [
            {
                "id": c.id,
                "integration_type": c.integration_type,
                "title": c.title,
                "severity": str(c.severity),
                "service": c.service,
                "resource_type": c.resource_type,
                "rationale": c.rationale,
                "remediation": c.remediation,
                "control_count": counts.get(c.id, 0),
                "equivalents": [
                    {"scanner": e.scanner, "id": e.id, "match": str(e.match), "note": e.note}
                    for e in selectors.check_equivalents(check_id=c.id)
                ],
            }
            for c in checks
        ]

    @extend_schema(parameters=[CheckQuerySerializer])
    def list(self, request):
        query = validated(CheckQuerySerializer, request.query_params)
        checks = selectors.checks_list(**query)
        page = self.paginate_queryset(checks)
        return self.get_paginated_response(CheckSerializer(self._rows(page), many=True).data)

    def retrieve(self, request, id=None):
        check = get_check(id or "")
        if check is None:
            raise Http404
        return Response(CheckSerializer(self._rows([check])[0]).data)
