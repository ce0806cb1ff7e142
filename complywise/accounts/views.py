"""Login (password, then a second factor when the account has one), account security and password pages."""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from complywise.exceptions import ApplicationError, FieldValidationError, TooManyRequestsError
from complywise.http import AuthenticatedRequest, OTPRequest

from .forms import DisableForm, EnrolConfirmForm, LoginForm, PasswordSetForm, SecondFactorForm
from .lockout import client_ip, lockout_response, login_allowed, login_failure_report
from .selectors import recovery_codes_left, user_has_second_factor
from .services import (
    auth_login_record,
    auth_password_reset_record,
    auth_password_reset_request_allowed,
    mfa_disable,
    mfa_enrolment_confirm,
    mfa_enrolment_start,
    mfa_verify,
    recovery_codes_issue,
)

# Set between a correct password and the second factor; the session is not logged in until both pass.
PENDING_LOGIN_KEY = "complywise_pending_login"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _second_factor_name(device: Any) -> str:
    return "recovery_code" if isinstance(device, StaticDevice) else "totp"


class PasswordLoginView(auth_views.LoginView):
    """Step one. An account with a second factor continues to the code page instead of being logged in."""

    form_class = LoginForm
    template_name = "registration/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        request = self.request
        if user_has_second_factor(user=user):
            # A fresh session key for the half-way state, so a planted session id learns nothing.
            request.session.cycle_key()
            request.session[PENDING_LOGIN_KEY] = {
                "user_id": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_redirect_url(),
            }
            return redirect("login-verify")
        auth_login(request, user)
        auth_login_record(user=user, ip_address=client_ip(request), second_factor=None)
        return HttpResponseRedirect(self.get_success_url())


def _pending_login(request: HttpRequest) -> tuple[Any, dict] | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > settings.MFA_LOGIN_PENDING_SECONDS:
        del request.session[PENDING_LOGIN_KEY]
        return None
    user_id = pending.get("user_id")
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_verify(request: OTPRequest) -> HttpResponse:
    """Step two: a TOTP or a recovery code. Also where a session that skipped it (e.g. the admin login) is sent."""
    found = _pending_login(request)
    if found is not None:
        user, pending = found
        next_url = _safe_next(request, pending.get("next"))
    elif request.user.is_authenticated and not request.user.is_verified() and user_has_second_factor(user=request.user):
        user, pending = request.user, None
        next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    else:
        if not request.user.is_authenticated:
            messages.info(request, "Log in again: the sign-in took too long or was not started.")
            return redirect("login")
        return redirect(_safe_next(request, request.GET.get("next")))

    username = user.get_username()
    if not login_allowed(request=request, username=username):
        return lockout_response(request)
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa_verify(user=user, code=form.cleaned_data["code"])
        except TooManyRequestsError as error:
            form.add_error("code", error.detail)
            status = 429
        else:
            if device is not None:
                if pending is not None:
                    del request.session[PENDING_LOGIN_KEY]
                    # django-otp stores the verifying device in the session on login().
                    user.otp_device = device
                    auth_login(request, user, backend=pending["backend"])
                else:
                    request.session.cycle_key()
                    django_otp.login(request, device)
                auth_login_record(user=user, ip_address=client_ip(request), second_factor=_second_factor_name(device))
                if isinstance(device, StaticDevice):
                    left = recovery_codes_left(user=user)
                    messages.warning(
                        request,
                        f"You used a recovery code; {left} left. Each works once: generate new ones under "
                        "Account security if you are running out.",
                    )
                return redirect(next_url)
            # Counted like a wrong password: five in a row lock the account and the address out.
            login_failure_report(request=request, username=username, stage="second_factor")
            form.add_error("code", "That code is not valid.")
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login_verify.html", {"form": form, "next": next_url}, status=status)


def _qr_data_uri(config_url: str) -> str:
    return segno.make(config_url, error="m").svg_data_uri(scale=5, border=2, dark="#111", light="#fff")


def _grouped_secret(device) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@never_cache
def account_security(request: AuthenticatedRequest) -> HttpResponse:
    enabled = user_has_second_factor(user=request.user)
    context = {
        "mfa_enabled": enabled,
        "verified": request.user.is_verified(),
        "codes_left": recovery_codes_left(user=request.user) if enabled else 0,
        "disable_form": DisableForm(),
    }
    return render(request, "accounts/security.html", context)


@sensitive_post_parameters("code")
@login_required
@never_cache
def mfa_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code, note the recovery codes."""
    user = request.user
    if user_has_second_factor(user=user):
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("account-security")
    form = EnrolConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except FieldValidationError as error:
            form.add_error("code", error.errors["code"])
            status = 400
        except ApplicationError as error:
            form.add_error("code", error.detail)
            status = error.status_code
        else:
            # This session proved the new factor: it counts as verified from now on.
            request.session.cycle_key()
            django_otp.login(request, device)
            messages.success(request, "Two-factor authentication is on.")
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request, request.GET.get("next"))},
            )
    elif request.method == "POST":
        status = 400
    device = mfa_enrolment_start(user=user)
    context = {
        "form": form,
        "qr_data_uri": _qr_data_uri(device.config_url),
        "secret": _grouped_secret(device),
        "required": request.GET.get("required", ""),
    }
    return render(request, "accounts/mfa_setup.html", context, status=status)


@login_required
@require_POST
@never_cache
def recovery_codes_regenerate(request: AuthenticatedRequest) -> HttpResponse:
    if not user_has_second_factor(user=request.user) or not request.user.is_verified():
        messages.error(request, "Verify with your authenticator app first.")
        return redirect("account-security")
    codes = recovery_codes_issue(user=request.user, actor=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("account-security")})


@sensitive_post_parameters("code")
@login_required
@require_POST
def mfa_disable_view(request: AuthenticatedRequest) -> HttpResponse:
    form = DisableForm(request.POST)
    if form.is_valid():
        try:
            mfa_disable(user=request.user, code=form.cleaned_data["code"])
        except FieldValidationError as error:
            form.add_error("code", error.errors["code"])
        except TooManyRequestsError as error:
            form.add_error("code", error.detail)
        else:
            messages.success(request, "Two-factor authentication is off.")
            return redirect("account-security")
    context = {
        "mfa_enabled": True,
        "verified": request.user.is_verified(),
        "codes_left": recovery_codes_left(user=request.user),
        "disable_form": form,
    }
    return render(request, "accounts/security.html", context, status=400)


# --- passwords -------------------------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Always answers the same page, so the form never tells whether an address has an account."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    extra_email_context = {"site_name": "ComplyWise"}

    def form_valid(self, form) -> HttpResponse:
        allowed = auth_password_reset_request_allowed(
            email=form.cleaned_data["email"], ip_address=client_ip(self.request)
        )
        if not allowed:
            # The answer a sent e-mail gets: the page tells neither whether the address has an account nor that
            # a limit was reached (that is logged for the operator).
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PasswordSetForm
    template_name = "registration/password_reset_confirm.html"

    def form_invalid(self, form: SetPasswordForm[User]) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        auth_password_reset_record(user=form.user, ip_address=client_ip(self.request))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account-security")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response
