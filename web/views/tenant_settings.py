"""Tenant settings (admins): frameworks, schedules, retention, members and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from complywise.choices import Role
from complywise.exceptions import ApplicationError
from complywise.selectors import api_tokens_for_tenant, members_for_tenant
from complywise.services import (
    api_token_create,
    api_token_revoke,
    membership_ensure,
    tenant_update_settings,
    user_get_or_create,
)
from frameworks.selectors import frameworks_for_tenant
from scans.selectors import schedules_for_tenant
from scans.services import schedule_create, schedule_delete, schedule_update
from web import selectors
from web.forms import (
    SERVICE_FIELDS_SCHEDULE,
    MemberAddForm,
    MemberRoleForm,
    RetentionForm,
    ScheduleForm,
    TokenCreateForm,
    add_service_errors,
)
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view

# The secret of a token just created waits here for the one page that shows it, then is removed.
NEW_TOKEN_SESSION_KEY = "web_new_api_token"


def _settings_page(request: HttpRequest, status: int = 200, **bound: forms.Form) -> HttpResponse:
    tenant = request.tenant
    members = list(members_for_tenant(tenant=tenant))
    active_frameworks = selectors.frameworks_active(tenant=tenant)
    context = {
        "frameworks": frameworks_for_tenant(tenant=tenant).order_by("-active", "name", "version"),
        "schedules": schedules_for_tenant(tenant=tenant).order_by("name"),
        "members": members,
        "tokens": api_tokens_for_tenant(tenant=tenant).order_by("-created_at"),
        "roles": Role.choices,
        "retention_form": RetentionForm(initial={"retention_days": tenant.retention_days}),
        "schedule_form": ScheduleForm(frameworks=active_frameworks),
        "member_form": MemberAddForm(),
        "token_form": TokenCreateForm(members=members, initial={"membership": str(request.membership.pk)}),
    }
    context.update(bound)
    return render(request, "web/settings/index.html", context, status=status)


def _back(section: str) -> HttpResponse:
    return redirect(reverse("web:settings") + f"#{section}")


@tenant_view(ADMIN_ROLES)
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@tenant_view(ADMIN_ROLES)
@require_POST
def retention_update(request: HttpRequest) -> HttpResponse:
    form = RetentionForm(request.POST)
    if form.is_valid():
        try:
            tenant_update_settings(
                tenant=request.tenant, retention_days=form.cleaned_data["retention_days"], actor=request.user
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Scans are now kept for {form.cleaned_data['retention_days']} days.")
            return _back("retention")
    return _settings_page(request, status=400, retention_form=form)


# --- schedules ----------------------------------------------------------------------------------------


@tenant_view(ADMIN_ROLES)
@require_POST
def schedule_create_view(request: HttpRequest) -> HttpResponse:
    form = ScheduleForm(request.POST, frameworks=selectors.frameworks_active(tenant=request.tenant))
    if form.is_valid():
        try:
            schedule = schedule_create(tenant=request.tenant, user=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            add_service_errors(form, exc, SERVICE_FIELDS_SCHEDULE)
        else:
            messages.success(request, f"Schedule “{schedule.name}” created.")
            return _back("schedules")
    return _settings_page(request, status=400, schedule_form=form)


def _schedule_for(request: HttpRequest, pk: Any):
    return tenant_object_or_404(schedules_for_tenant(tenant=request.tenant).select_related("tenant"), pk)


@tenant_view(ADMIN_ROLES)
@require_POST
def schedule_delete_view(request: HttpRequest, pk: Any) -> HttpResponse:
    schedule = _schedule_for(request, pk)
    schedule_delete(schedule=schedule, user=request.user)
    messages.success(request, f"Schedule “{schedule.name}” deleted.")
    return _back("schedules")


@tenant_view(ADMIN_ROLES)
@require_POST
def schedule_toggle_view(request: HttpRequest, pk: Any) -> HttpResponse:
    schedule = _schedule_for(request, pk)
    try:
        schedule = schedule_update(schedule=schedule, user=request.user, enabled=not schedule.enabled)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Schedule “{schedule.name}” {'enabled' if schedule.enabled else 'paused'}.")
    return _back("schedules")


# --- members ---------------------------------------------------------------------------------------------


@tenant_view(ADMIN_ROLES)
@require_POST
def member_add(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            user = user_get_or_create(email=form.cleaned_data["email"])
            membership = membership_ensure(tenant=request.tenant, user=user, role=form.cleaned_data["role"])
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{user.email} is now {membership.get_role_display().lower()} of {request.tenant.name}. "
                "They log in with a password set by an operator or the password reset flow.",
            )
            return _back("members")
    return _settings_page(request, status=400, member_form=form)


@tenant_view(ADMIN_ROLES)
@require_POST
def member_role(request: HttpRequest, pk: Any) -> HttpResponse:
    membership = tenant_object_or_404(members_for_tenant(tenant=request.tenant), pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return _back("members")
    role = form.cleaned_data["role"]
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and selectors.tenant_admin_count(tenant=request.tenant) <= 1
    ):
        messages.error(request, "The last admin cannot be demoted: make someone else admin first.")
        return _back("members")
    membership_ensure(tenant=request.tenant, user=membership.user, role=role)
    messages.success(request, f"{membership.user.email or membership.user.get_username()} is now {role}.")
    if membership.pk == request.membership.pk and role != Role.ADMIN:
        # Settings are for admins: the user just left them.
        return redirect("web:dashboard")
    return _back("members")


# --- API tokens --------------------------------------------------------------------------------------------


@tenant_view(ADMIN_ROLES)
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    members = list(members_for_tenant(tenant=request.tenant))
    form = TokenCreateForm(request.POST, members=members)
    if form.is_valid():
        membership = next(m for m in members if str(m.pk) == form.cleaned_data["membership"])
        try:
            issued = api_token_create(
                membership=membership,
                name=form.cleaned_data["name"],
                expires_days=form.cleaned_data["expires_days"],
                actor=request.user,
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": str(issued.token.pk), "secret": issued.secret}
            return redirect("web:settings-token-created")
    return _settings_page(request, status=400, token_form=form)


@tenant_view(ADMIN_ROLES)
@require_GET
@never_cache
def token_created(request: HttpRequest) -> HttpResponse:
    """Shows the new secret once: it leaves the session as this page renders."""
    pending = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    token = None
    if pending:
        token = api_tokens_for_tenant(tenant=request.tenant).filter(pk=pending["id"]).first()
    if token is None:
        messages.info(request, "A token's secret is shown only once, right after it is created.")
        return _back("tokens")
    return render(request, "web/settings/token_created.html", {"token": token, "secret": pending["secret"]})


@tenant_view(ADMIN_ROLES)
@require_POST
def token_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    token = tenant_object_or_404(api_tokens_for_tenant(tenant=request.tenant), pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return _back("tokens")
