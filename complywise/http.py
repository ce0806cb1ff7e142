"""Typed requests: what the tenancy layers add to a request, for the views that read it (and for mypy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .models import Membership, Tenant


class TenantRequest(HttpRequest):
    """A request of a signed-in member, resolved to one tenant (set by web.tenancy / complywise.permissions)."""

    user: User
    tenant: Tenant
    membership: Membership
    # Set by web.tenancy.tenant_view for the staff pages.
    can_write: bool
    is_tenant_admin: bool
