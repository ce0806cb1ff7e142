"""The public page behind an invitation link: a new person sets a password, an existing user accepts while logged in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import rls
from .exceptions import ApplicationError, FieldValidationError
from .models import Invitation
from .selectors import invitation_by_secret, invitation_problem, user_by_email
from .services import invitation_accept
from .tenancy import SESSION_TENANT_KEY


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"invitations/{template}", context, status=status)
    # The URL holds the secret: never hand it to another site in a Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _closed(request: HttpRequest, detail: str, status: int) -> HttpResponse:
    return _page(request, "closed.html", {"detail": detail}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, secret: str) -> HttpResponse:
    # The link's secret is a credential like a bearer token: it alone decides the tenant, so finding it
    # spans tenants, and everything after runs in the invitation's tenant only.
    with rls.system_scope(reason="invitation link lookup"):
        invitation = invitation_by_secret(secret=secret)
    if invitation is None:
        return _closed(request, "This invitation link is not valid. Check that you copied all of it.", 404)
    with rls.tenant_scope(invitation.tenant_id):
        return _invitation_page(request, secret, invitation)


def _invitation_page(request: HttpRequest, secret: str, invitation: Invitation) -> HttpResponse:
    problem = invitation_problem(invitation)
    if problem:
        return _closed(request, problem, 410)
    context = {"invitation": invitation, "tenant": invitation.tenant}
    if user_by_email(email=invitation.email) is not None:
        return _accept_as_existing_user(request, secret, invitation, context)
    return _accept_as_new_user(request, secret, invitation, context)


def _accept_as_existing_user(request: HttpRequest, secret: str, invitation: Invitation, context: dict) -> HttpResponse:
    if not request.user.is_authenticated:
        context["login_url"] = resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": request.path})
        return _page(request, "login_required.html", context)
    if (request.user.email or "").lower() != invitation.email.lower() and (
        request.user.get_username().lower() != invitation.email.lower()
    ):
        return _page(request, "wrong_user.html", context, status=403)
    if request.method == "POST":
        try:
            membership = invitation_accept(secret=secret, user=request.user)
        except ApplicationError as exc:
            return _closed(request, exc.detail, exc.status_code)
        # Land in the tenant just joined, not in whichever tenant sorts first.
        request.session[SESSION_TENANT_KEY] = str(membership.tenant_id)
        messages.success(request, f"You joined {membership.tenant.name} as {membership.get_role_display().lower()}.")
        return redirect("web:dashboard")
    return _page(request, "accept.html", context)


def _accept_as_new_user(request: HttpRequest, secret: str, invitation: Invitation, context: dict) -> HttpResponse:
    if request.user.is_authenticated:
        return _page(request, "wrong_user.html", context, status=403)
    # An unsaved user, so the validators can compare the password with the invited email.
    newcomer = get_user_model()(username=invitation.email, email=invitation.email)
    form = SetPasswordForm(newcomer, data=request.POST if request.method == "POST" else None)
    # Plain text: the shared field template escapes help text, and Django's default is an HTML list.
    form.fields["new_password1"].help_text = " ".join(password_validation.password_validators_help_texts())
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(secret=secret, password=form.cleaned_data["new_password1"])
        except FieldValidationError as exc:
            for line in exc.errors.get("password", []):
                form.add_error("new_password1", line)
        except ApplicationError as exc:
            return _closed(request, exc.detail, exc.status_code)
        else:
            # Logging in goes through the login page, so lockout and second-factor rules apply as always.
            messages.success(
                request, f"Your account {invitation.email} is ready and you joined {invitation.tenant.name}. Log in."
            )
            return redirect(resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": reverse("web:dashboard")}))
    context["form"] = form
    return _page(request, "accept.html", context, status=400 if form.errors else 200)
