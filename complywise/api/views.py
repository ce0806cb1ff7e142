from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from complywise import services
from complywise.choices import ADMIN_ROLES, READ_ROLES
from complywise.models import ApiToken
from complywise.permissions import TenantRolePermission

from .serializers import (
    ApiTokenCreateSerializer,
    ApiTokenIssuedSerializer,
    ApiTokenSerializer,
    MeSerializer,
)
from .viewsets import TenantScopedGenericViewSet


class MeView(APIView):
    """Who the credential is, in which tenant, with which role."""

    permission_classes = [TenantRolePermission]
    action_roles = {"GET": READ_ROLES}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        membership = request.membership
        return Response(
            MeSerializer(
                {
                    "email": membership.user.email,
                    "tenant_id": membership.tenant_id,
                    "tenant_slug": membership.tenant.slug,
                    "tenant_name": membership.tenant.name,
                    "role": membership.role,
                    "retention_days": membership.tenant.retention_days,
                }
            ).data
        )


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """API tokens of the tenant (admins only). The secret is returned once, at creation."""

    queryset = ApiToken.objects.select_related("membership__user")
    serializer_class = ApiTokenSerializer
    action_roles = {"list": ADMIN_ROLES, "retrieve": ADMIN_ROLES, "create": ADMIN_ROLES, "revoke": ADMIN_ROLES}

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenIssuedSerializer})
    def create(self, request):
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data.get("email")
        if email:
            user = services.user_get_or_create(email=email)
            membership = services.membership_ensure(
                tenant=request.tenant, user=user, role=data.validated_data.get("role")
            )
        else:
            membership = request.membership
        issued = services.api_token_create(
            membership=membership,
            name=data.validated_data["name"],
            expires_days=data.validated_data.get("expires_days"),
            actor=request.user,
        )
        body = ApiTokenIssuedSerializer(issued.token).data
        body["token"] = issued.secret
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)
