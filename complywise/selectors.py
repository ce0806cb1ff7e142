"""Reads of the tenancy core."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import ApiToken, Membership, Tenant


def memberships_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def membership_for_user(*, user: AbstractBaseUser, tenant_id: str | None) -> Membership | None:
    """The membership a browser session acts through: the chosen tenant, else the first one."""
    memberships = memberships_for_user(user=user)
    if tenant_id:
        chosen = memberships.filter(tenant_id=tenant_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def api_tokens_for_tenant(*, tenant: Tenant) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_tenant(tenant).select_related("membership__user")


def members_for_tenant(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("user__email")
