"""Typed requests: what the tenancy layers add to a request, for the views that read it (and for mypy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from .models import Membership, Tenant

    class OTPUser(User):
        """``request.user`` once django_otp's OTPMiddleware ran: it sets these two on the user (a type only)."""

        otp_device: Any

        def is_verified(self) -> bool: ...


class OTPRequest(HttpRequest):
    """Any browser request: django_otp's middleware (in MIDDLEWARE) has given its user ``is_verified()``."""

    user: OTPUser | AnonymousUser


class AuthenticatedRequest(OTPRequest):
    """A request of a signed-in user (a ``login_required`` view), before any tenant is chosen."""

    user: OTPUser


class TenantRequest(HttpRequest):
    """A request of a signed-in member, resolved to one tenant (set by web.tenancy / complywise.permissions)."""

    user: User
    tenant: Tenant
    membership: Membership
    # Set by web.tenancy.tenant_view for the staff pages.
    can_write: bool
    is_tenant_admin: bool


class TenantAPIRequest(Request):
    """An API request that passed complywise.permissions.TenantRolePermission: one member, one tenant."""

    user: User
    tenant: Tenant
    membership: Membership
