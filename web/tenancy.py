"""Tenancy for pages: who is asking, in which tenant, with which role — the API's role table, as a decorator."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from complywise import rls
from complywise.choices import ADMIN_ROLES, READ_ROLES, WRITE_ROLES
from complywise.http import TenantRequest
from complywise.tenancy import resolve_membership

__all__ = ["ADMIN_ROLES", "READ_ROLES", "WRITE_ROLES", "tenant_object_or_404", "tenant_view"]

_ModelT = TypeVar("_ModelT", bound=Model)


def tenant_view(roles: Iterable[str] = READ_ROLES) -> Callable:
    """Log-in required; sets ``request.membership``/``request.tenant``; 403 page when the role may not do this."""
    allowed = frozenset(roles)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = resolve_membership(request)
            if membership is None:
                return render(request, "web/no_tenant.html", status=403)
            # This is where a plain request becomes a TenantRequest: the attributes are set just below.
            tenant_request = cast(TenantRequest, request)
            tenant_request.membership = membership
            tenant_request.tenant = membership.tenant
            # PostgreSQL: only this tenant's rows for the rest of the request (the middleware clears it).
            rls.tenant_activate(membership.tenant_id)
            # Read by the templates to show only the buttons the role may use.
            tenant_request.can_write = membership.role in WRITE_ROLES
            tenant_request.is_tenant_admin = membership.role in ADMIN_ROLES
            if membership.role not in allowed:
                return render(tenant_request, "web/forbidden.html", status=403)
            return view(tenant_request, *args, **kwargs)

        return wrapper

    return decorator


def tenant_object_or_404(queryset: QuerySet[_ModelT], pk: Any) -> _ModelT:
    """One row of an already tenant-scoped queryset; another tenant's id is a 404 exactly like a missing one."""
    try:
        found = queryset.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found
