"""Request → membership → tenant resolution, shared by the API and the web pages."""

from __future__ import annotations

from django.http import HttpRequest

from . import rls
from .models import ApiToken, Membership
from .selectors import membership_for_user

SESSION_TENANT_KEY = "complywise_tenant_id"


def resolve_membership(request: HttpRequest, auth: object = None) -> Membership | None:
    """A bearer token decides the membership; a browser session uses the tenant it chose."""
    if isinstance(auth, ApiToken):
        return auth.membership
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session = getattr(request, "session", None)
    tenant_id = session.get(SESSION_TENANT_KEY) if session is not None else None
    # The user's memberships span tenants; which one applies is what this decides.
    with rls.system_scope(reason="session membership lookup"):
        return membership_for_user(user=user, tenant_id=tenant_id)
