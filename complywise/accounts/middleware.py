"""The second wall: a browser session that has not proved its second factor reaches only the login pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from complywise.tenancy import SESSION_TENANT_KEY

from .selectors import second_factor_standing

# Pages any logged-in session may open, verified or not (matched by URL name).
OPEN_VIEWS = frozenset(
    {
        "login",
        "login-verify",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "api-schema",
        "api-docs",
        "healthz",
        "readyz",
    }
)
# Also open to a member of a tenant that requires a second factor, so they can set one up (or switch tenant).
ENROLMENT_VIEWS = frozenset({"account-security", "mfa-setup", "tenant-switch"})
API_PREFIX = "/api/"


class SecondFactorMiddleware:
    """Runs after django-otp's OTPMiddleware, which sets ``request.user.is_verified()``.

    - An account with a confirmed authenticator whose session has not used it (a session from the admin
      login, or one that predates enrolment) is sent to the code page.
    - In a tenant with ``require_mfa``, an account without one is sent to set it up; so is a staff account
      opening the admin site (``ADMIN_REQUIRE_MFA``), which shows every tenant's rows.
    API calls made with such a session answer 403 JSON. Bearer tokens are credentials of their own
    and are not affected.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if request.headers.get("Authorization", "").split(" ")[0].lower() == "bearer":
            return None
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if url_name in OPEN_VIEWS:
            return None
        session_tenant_id = request.session.get(SESSION_TENANT_KEY) if hasattr(request, "session") else None
        standing = second_factor_standing(user=user, session_tenant_id=session_tenant_id)
        if standing.has_second_factor:
            return self._refuse(request, "login-verify", "Enter the code from your authenticator app first.")
        if _is_admin_site(request) and user.is_staff and settings.ADMIN_REQUIRE_MFA:
            return self._refuse(
                request,
                "mfa-setup",
                "The admin site requires two-factor authentication: set it up first.",
                required="admin",
            )
        if standing.tenant_requires_it and url_name not in ENROLMENT_VIEWS:
            return self._refuse(
                request,
                "mfa-setup",
                "Your organisation requires two-factor authentication: set it up first.",
                required="1",
            )
        return None

    @staticmethod
    def _refuse(request: HttpRequest, url_name: str, detail: str, **params: str) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": detail, "code": "mfa_required"}, status=403)
        query = urlencode({**params, "next": request.get_full_path()})
        return redirect(f"{reverse(url_name)}?{query}")


def _is_admin_site(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and "admin" in match.namespaces
