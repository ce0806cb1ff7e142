from __future__ import annotations

from rest_framework import exceptions, permissions

from . import rls
from .choices import ADMIN_ROLES, READ_ROLES, WRITE_ROLES
from .logging import tenant_id_var, user_id_var
from .tenancy import resolve_membership


class TenantRolePermission(permissions.BasePermission):
    """Every API request acts in exactly one tenant with one role.

    Views declare ``action_roles`` (action or HTTP method → allowed roles); reads default
    to every role, writes to admins only, so a forgotten declaration fails closed.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        membership = resolve_membership(request, request.auth)
        if membership is None:
            raise exceptions.PermissionDenied("You are not a member of any tenant.")
        request.membership = membership
        request.tenant = membership.tenant
        # PostgreSQL: only this tenant's rows for the rest of the request (the middleware clears it).
        rls.tenant_activate(membership.tenant_id)
        # Log lines written while this request is handled carry who and which tenant.
        tenant_id_var.set(str(membership.tenant_id))
        user_id_var.set(str(membership.user_id))
        return membership.role in required_roles(request, view)


def required_roles(request, view) -> frozenset[str]:
    declared = getattr(view, "action_roles", {}) or {}
    action = getattr(view, "action", None)
    if action and action in declared:
        return declared[action]
    if request.method in declared:
        return declared[request.method]
    if request.method in permissions.SAFE_METHODS:
        return READ_ROLES
    return ADMIN_ROLES


__all__ = ["ADMIN_ROLES", "READ_ROLES", "WRITE_ROLES", "TenantRolePermission", "required_roles"]
