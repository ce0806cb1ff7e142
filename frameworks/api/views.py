from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from complywise.api.validation import validated
from complywise.api.viewsets import TenantScopedGenericViewSet
from complywise.choices import ADMIN_ROLES, READ_ROLES
from complywise.models import Tenant
from frameworks import scope, selectors, services
from frameworks.filtersets import ControlFilterSet, FrameworkFilterSet
from frameworks.models import Control, Framework
from frameworks.naturalsort import natural_key
from scans.selectors import control_evidence_count, control_latest_result

from .serializers import (
    ApplicabilitySerializer,
    ApplicabilityUpdateSerializer,
    ControlChecksSerializer,
    ControlCreateSerializer,
    ControlDetailSerializer,
    ControlSerializer,
    EvidenceRequirementSerializer,
    EvidenceRequirementUpdateSerializer,
    FrameworkCreateSerializer,
    FrameworkSerializer,
    RequireDocumentsResultSerializer,
    RequireDocumentsSerializer,
)


class FrameworkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """The global framework catalog plus your organisation's custom frameworks, with activation."""

    queryset = Framework.objects.all()
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilterSet
    action_roles = {
        "list": READ_ROLES,
        "retrieve": READ_ROLES,
        "create": ADMIN_ROLES,
        "partial_update": ADMIN_ROLES,
        "destroy": ADMIN_ROLES,
        "activate": ADMIN_ROLES,
        "deactivate": ADMIN_ROLES,
        "require_documents": ADMIN_ROLES,
    }

    def scope_queryset(self, queryset, tenant):
        return selectors.frameworks_for_tenant(tenant=tenant, queryset=queryset)

    def _framework(self) -> Framework:
        # Not get_object(): the list filters (?active=...) must not make a detail action 404.
        framework = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, framework)
        return framework

    def _framework_response(self, framework: Framework, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=framework.pk)
        return Response(FrameworkSerializer(fresh).data, status=status_code)

    @extend_schema(request=FrameworkCreateSerializer, responses={201: FrameworkSerializer})
    def create(self, request):
        """Create a custom framework for your organisation (admins); it starts active."""
        framework = services.framework_create_custom(
            tenant=request.tenant, actor=request.user, **validated(FrameworkCreateSerializer, request.data)
        )
        return self._framework_response(framework, status.HTTP_201_CREATED)

    @extend_schema(request=FrameworkCreateSerializer(partial=True), responses=FrameworkSerializer)
    def partial_update(self, request, pk=None):
        """Change one of your custom frameworks (admins); shipped and imported ones are read-only."""
        framework = self._framework()
        changes = validated(FrameworkCreateSerializer, request.data, partial=True)
        services.framework_update_custom(tenant=request.tenant, framework=framework, actor=request.user, **changes)
        return self._framework_response(framework)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Delete one of your custom frameworks and its controls (admins)."""
        services.framework_delete_custom(tenant=request.tenant, framework=self._framework(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=FrameworkSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Have your scans evaluate this framework (admins; idempotent)."""
        framework = services.framework_activate(tenant=request.tenant, framework=self._framework(), actor=request.user)
        return self._framework_response(framework)

    @extend_schema(request=None, responses=FrameworkSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Stop evaluating this framework in your scans (admins; idempotent; past results stay)."""
        framework = services.framework_deactivate(
            tenant=request.tenant, framework=self._framework(), actor=request.user
        )
        return self._framework_response(framework)

    @extend_schema(request=RequireDocumentsSerializer, responses={201: RequireDocumentsResultSerializer})
    @action(detail=True, methods=["post"], url_path="require-documents")
    def require_documents(self, request, pk=None):
        """One click: require documents for every applicable control of the framework that no check covers (admins).

        Controls that already have a requirement keep it; edit any of them later per control.
        """
        created = scope.framework_require_documents_for_unautomated(
            tenant=request.tenant,
            framework=self._framework(),
            actor=request.user,
            **validated(RequireDocumentsSerializer, request.data),
        )
        refs = sorted((r.control.ref for r in created), key=natural_key)
        data = RequireDocumentsResultSerializer({"created": len(created), "control_refs": refs}).data
        return Response(data, status=status.HTTP_201_CREATED)


class FrameworkControlViewSet(mixins.ListModelMixin, TenantScopedGenericViewSet):
    """The controls of one framework, in natural order (CC6.2 before CC6.10, AC-2 before AC-2(1) before AC-3)."""

    queryset = Control.objects.all()
    serializer_class = ControlSerializer
    filterset_class = ControlFilterSet
    action_roles = {"list": READ_ROLES, "create": ADMIN_ROLES}

    def framework(self, tenant: Tenant) -> Framework:
        # Another tenant's custom framework answers 404 exactly like a missing one.
        if not hasattr(self, "_framework_cache"):
            visible = Framework.objects.visible_to(tenant)
            self._framework_cache = get_object_or_404(visible, pk=self.kwargs["framework_pk"])
        return self._framework_cache

    def scope_queryset(self, queryset, tenant):
        return selectors.framework_controls(framework=self.framework(tenant))

    @extend_schema(request=ControlCreateSerializer, responses={201: ControlDetailSerializer})
    def create(self, request, framework_pk=None):
        """Add a control to one of your custom frameworks."""
        control = services.control_create_custom(
            tenant=request.tenant,
            framework=self.framework(request.tenant),
            actor=request.user,
            **validated(ControlCreateSerializer, request.data),
        )
        return control_detail_response(request, control, status.HTTP_201_CREATED)


def control_detail_response(
    request, control: Control, status_code: int = status.HTTP_200_OK, *, refetch: bool = True
) -> Response:
    if refetch:  # after a write, so the annotations and prefetched checks are current
        control = selectors.controls_annotated(Control.objects.filter(pk=control.pk)).get()
    # Composed here: the latest verdict and the evidence count are what scans and evidence know of the control.
    detail = {
        **selectors.control_detail(tenant=request.tenant, control=control),
        "latest_result": control_latest_result(tenant=request.tenant, control=control),
        "evidence_count": control_evidence_count(tenant=request.tenant, control=control),
    }
    return Response(ControlDetailSerializer(control, context={"detail": detail}).data, status=status_code)


class ControlViewSet(TenantScopedGenericViewSet):
    """One control with its mapped checks, your latest result and evidence count; custom controls are editable."""

    queryset = Control.objects.all()
    serializer_class = ControlDetailSerializer
    action_roles = {
        "retrieve": READ_ROLES,
        "partial_update": ADMIN_ROLES,
        "destroy": ADMIN_ROLES,
        "checks": ADMIN_ROLES,
        "applicability": ADMIN_ROLES,
        "evidence_requirement": ADMIN_ROLES,
    }

    def scope_queryset(self, queryset, tenant):
        return selectors.controls_annotated(selectors.controls_visible_to(tenant=tenant))

    def retrieve(self, request, pk=None):
        """A control with its mapped checks, your latest scan result on it and its evidence count."""
        return control_detail_response(request, self.get_object(), refetch=False)

    @extend_schema(request=ControlCreateSerializer(partial=True), responses=ControlDetailSerializer)
    def partial_update(self, request, pk=None):
        """Change a control of one of your custom frameworks (admins)."""
        control = self.get_object()
        changes = validated(ControlCreateSerializer, request.data, partial=True)
        services.control_update_custom(tenant=request.tenant, control=control, actor=request.user, **changes)
        return control_detail_response(request, control)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Delete a control (and its enhancements) of one of your custom frameworks (admins)."""
        services.control_delete_custom(tenant=request.tenant, control=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ControlChecksSerializer, responses=ControlDetailSerializer)
    @action(detail=True, methods=["put"])
    def checks(self, request, pk=None):
        """Set the automated checks mapped to a control of one of your custom frameworks."""
        control = self.get_object()
        check_ids = validated(ControlChecksSerializer, request.data)["check_ids"]
        services.control_set_checks(tenant=request.tenant, control=control, check_ids=check_ids, actor=request.user)
        return control_detail_response(request, control)

    @extend_schema(request=ApplicabilityUpdateSerializer, responses=ApplicabilitySerializer)
    @action(detail=True, methods=["put"])
    def applicability(self, request, pk=None):
        """Keep the control in your scope or exclude it with a justification (admins); later scans follow it."""
        control = self.get_object()
        scope.control_applicability_set(
            tenant=request.tenant,
            control=control,
            actor=request.user,
            **validated(ApplicabilityUpdateSerializer, request.data),
        )
        applicability = selectors.control_applicability(tenant=request.tenant, control=control)
        return Response(ApplicabilitySerializer(applicability).data)

    @extend_schema(
        methods=["PUT"], request=EvidenceRequirementUpdateSerializer, responses=EvidenceRequirementSerializer
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["put", "delete"], url_path="evidence-requirement")
    def evidence_requirement(self, request, pk=None):
        """Require a document for the control, renewed every N days, with an owner and a due date (admins).

        DELETE drops the requirement (idempotent). Later scans and the live posture count it at once.
        """
        control = self.get_object()
        if request.method == "DELETE":
            scope.control_evidence_requirement_delete(tenant=request.tenant, control=control, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        scope.control_evidence_requirement_set(
            tenant=request.tenant,
            control=control,
            actor=request.user,
            **validated(EvidenceRequirementUpdateSerializer, request.data),
        )
        requirement = selectors.control_evidence_requirement(tenant=request.tenant, control=control)
        return Response(EvidenceRequirementSerializer(requirement).data)
