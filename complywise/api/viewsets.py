"""The one base for tenant-owned API endpoints: no endpoint can forget the tenant."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import Http404
from rest_framework import mixins, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, OperandHolder, SingleOperandHolder

from complywise.permissions import TenantRolePermission

from .strict import StrictInputMixin


class TenantScopedMixin(StrictInputMixin):
    """Scopes ``queryset`` to the tenant of the credential before anything else runs; takes only declared input."""

    # As APIView declares it (DRF stubs), so the mixin and the view agree on the attribute's type.
    permission_classes: Sequence[type[BasePermission] | OperandHolder | SingleOperandHolder] = [TenantRolePermission]
    action_roles: dict = {}

    def get_queryset(self):
        queryset = super().get_queryset()
        tenant = getattr(self.request, "tenant", None)
        if tenant is None:
            # Only reachable during schema generation, where no request tenant exists.
            return queryset.none()
        return self.scope_queryset(queryset, tenant)

    def scope_queryset(self, queryset, tenant):
        return queryset.for_tenant(tenant)

    def filter_queryset(self, queryset):
        # Filters narrow lists; an object is named by its id alone. The schema declares no filter parameter on a
        # detail route (StrictInputMixin refuses them there), so building and validating the list's FilterSet on
        # every detail request would only cost time.
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self):
        # A malformed id and another tenant's id both answer 404, like a missing one.
        try:
            return super().get_object()
        except (ValueError, TypeError) as exc:
            raise Http404 from exc


class TenantScopedReadOnlyViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantScopedViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    pass


class TenantScopedGenericViewSet(TenantScopedMixin, viewsets.GenericViewSet):
    pass


class TenantScopedAPIView(TenantScopedMixin, GenericAPIView):
    pass


__all__ = [
    "StrictInputMixin",
    "TenantScopedAPIView",
    "TenantScopedGenericViewSet",
    "TenantScopedMixin",
    "TenantScopedReadOnlyViewSet",
    "TenantScopedViewSet",
    "mixins",
]
