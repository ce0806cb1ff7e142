from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from complywise import selectors, services
from complywise.api.validation import validated
from complywise.choices import ADMIN_ROLES, READ_ROLES
from complywise.exceptions import FieldValidationError
from complywise.models import ApiToken, Invitation, Membership
from complywise.permissions import TenantRolePermission

from .serializers import (
    ApiTokenCreateSerializer,
    ApiTokenIssuedSerializer,
    ApiTokenSerializer,
    InvitationCreateSerializer,
    InvitationIssuedSerializer,
    InvitationSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    MeSerializer,
    TenantSettingsSerializer,
)
from .strict import StrictInputMixin
from .viewsets import TenantScopedGenericViewSet


class MeView(StrictInputMixin, APIView):
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
                    "require_mfa": membership.tenant.require_mfa,
                }
            ).data
        )


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """API tokens of the tenant (admins only). The secret is returned once, at creation."""

    queryset = ApiToken.objects.select_related("membership__user")
    serializer_class = ApiTokenSerializer
    action_roles = {"list": ADMIN_ROLES, "retrieve": ADMIN_ROLES, "create": ADMIN_ROLES, "revoke": ADMIN_ROLES}
    # Not in the schema, yet let through to the serializer, which says why a token takes no role.
    accepted_body_fields = {"create": ["role"]}

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenIssuedSerializer})
    def create(self, request):
        data = validated(ApiTokenCreateSerializer, request.data)
        email = data.get("email")
        if email:
            # Only someone already in this tenant: a token never enrols a user or touches a role,
            # and another tenant's user is as unknown here as a stranger.
            membership = selectors.member_by_email(tenant=request.tenant, email=email)
            if membership is None:
                raise FieldValidationError({"email": f"{email} is not a member of this tenant; invite them first."})
        else:
            membership = request.membership
        issued = services.api_token_create(
            membership=membership,
            name=data["name"],
            expires_days=data.get("expires_days"),
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


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """Members of the tenant (admins only): change a role explicitly, or remove a member and their tokens."""

    queryset = Membership.objects.select_related("user", "tenant").order_by("user__email")
    serializer_class = MembershipSerializer
    action_roles = {
        "list": ADMIN_ROLES,
        "retrieve": ADMIN_ROLES,
        "partial_update": ADMIN_ROLES,
        "destroy": ADMIN_ROLES,
    }

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request, pk=None):
        membership = self.get_object()
        data = validated(MembershipRoleSerializer, request.data)
        membership = services.membership_role_change(membership=membership, role=data["role"], actor=request.user)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        services.membership_remove(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedGenericViewSet):
    """Invitations to join the tenant (admins only). The accept link is returned once, at creation."""

    queryset = Invitation.objects.select_related("invited_by").order_by("-created_at")
    serializer_class = InvitationSerializer
    action_roles = {"list": ADMIN_ROLES, "retrieve": ADMIN_ROLES, "create": ADMIN_ROLES, "revoke": ADMIN_ROLES}

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationIssuedSerializer})
    def create(self, request):
        data = validated(InvitationCreateSerializer, request.data)
        issued = services.invitation_create(
            tenant=request.tenant,
            email=data["email"],
            role=data["role"],
            actor=request.user,
            site_url=request.build_absolute_uri("/"),
        )
        body = InvitationSerializer(issued.invitation).data
        body.update(link=issued.link, emailed=issued.emailed)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = services.invitation_revoke(invitation=self.get_object(), actor=request.user)
        return Response(InvitationSerializer(invitation).data)


class TenantSettingsView(StrictInputMixin, APIView):
    """The tenant of the credential: every role reads its settings, admins change them."""

    permission_classes = [TenantRolePermission]
    action_roles = {"GET": READ_ROLES, "PATCH": ADMIN_ROLES}

    @extend_schema(responses=TenantSettingsSerializer)
    def get(self, request):
        return Response(TenantSettingsSerializer(request.tenant).data)

    @extend_schema(request=TenantSettingsSerializer, responses=TenantSettingsSerializer)
    def patch(self, request):
        changes = validated(TenantSettingsSerializer, request.data, partial=True, instance=request.tenant)
        tenant = services.tenant_update_settings(tenant=request.tenant, actor=request.user, **changes)
        return Response(TenantSettingsSerializer(tenant).data)
