"""Tenant settings (admins): frameworks, schedules, retention, security, members, invitations and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from complywise.choices import Role
from complywise.exceptions import ApplicationError
from complywise.http import TenantRequest
from complywise.selectors import api_tokens_for_tenant, invitations_for_tenant, members_for_tenant
from complywise.services import (
    api_token_create,
    api_token_revoke,
    invitation_create,
    invitation_revoke,
    membership_remove,
    membership_role_change,
    tenant_update_settings,
)
from frameworks.selectors import frameworks_active, frameworks_for_tenant
from scans.selectors import schedules_for_tenant
from scans.services import schedule_create, schedule_delete, schedule_update
from web.forms import (
    SERVICE_FIELDS_SCHEDULE,
    InvitationForm,
    MemberRoleForm,
    RequireMfaForm,
    RetentionForm,
    ScheduleForm,
    TokenCreateForm,
    add_service_errors,
)
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view
from web.views.common import pop_shown_once

# The secret of a token just created waits here for the one page that shows it, then is removed.
NEW_TOKEN_SESSION_KEY = "web_new_api_token"
# Likewise the link (with its secret) of an invitation just created.
NEW_INVITATION_SESSION_KEY = "web_new_invitation"


def _settings_page(request: TenantRequest, status: int = 200, **bound: forms.Form) -> HttpResponse:
    tenant = request.tenant
    members = list(members_for_tenant(tenant=tenant))
    active_frameworks = frameworks_active(tenant=tenant)
    context = {
        "frameworks": frameworks_for_tenant(tenant=tenant).order_by("-active", "name", "version"),
        "schedules": schedules_for_tenant(tenant=tenant).order_by("name"),
        "members": members,
        "tokens": api_tokens_for_tenant(tenant=tenant).order_by("-created_at"),
        "roles": Role.choices,
        "invitations": [i for i in invitations_for_tenant(tenant=tenant) if i.is_open],
        "retention_form": RetentionForm(initial={"retention_days": tenant.retention_days}),
        "mfa_form": RequireMfaForm(initial={"require_mfa": tenant.require_mfa}),
        "schedule_form": ScheduleForm(frameworks=active_frameworks),
        "invitation_form": InvitationForm(),
        "token_form": TokenCreateForm(members=members, initial={"membership": str(request.membership.pk)}),
    }
    context.update(bound)
    return render(request, "web/settings/index.html", context, status=status)


def _back(section: str) -> HttpResponse:
    return redirect(reverse("web:settings") + f"#{section}")


@tenant_view(ADMIN_ROLES)
@require_GET
def settings_index(request: TenantRequest) -> HttpResponse:
    return _settings_page(request)


@tenant_view(ADMIN_ROLES)
@require_POST
def retention_update(request: TenantRequest) -> HttpResponse:
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


@tenant_view(ADMIN_ROLES)
@require_POST
def require_mfa_update(request: TenantRequest) -> HttpResponse:
    form = RequireMfaForm(request.POST)
    form.is_valid()  # a checkbox: absent means off, there is nothing to get wrong
    required = form.cleaned_data.get("require_mfa", False)
    tenant_update_settings(tenant=request.tenant, require_mfa=required, actor=request.user)
    if required:
        messages.success(request, "Every member must now use two-factor authentication.")
    else:
        messages.success(request, "Two-factor authentication is now optional for members.")
    return _back("security")


# --- schedules ----------------------------------------------------------------------------------------


@tenant_view(ADMIN_ROLES)
@require_POST
def schedule_create_view(request: TenantRequest) -> HttpResponse:
    form = ScheduleForm(request.POST, frameworks=frameworks_active(tenant=request.tenant))
    if form.is_valid():
        try:
            schedule = schedule_create(tenant=request.tenant, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            add_service_errors(form, exc, SERVICE_FIELDS_SCHEDULE)
        else:
            messages.success(request, f"Schedule “{schedule.name}” created.")
            return _back("schedules")
    return _settings_page(request, status=400, schedule_form=form)


def _schedule_for(request: TenantRequest, pk: Any):
    return tenant_object_or_404(schedules_for_tenant(tenant=request.tenant).select_related("tenant"), pk)


@tenant_view(ADMIN_ROLES)
@require_POST
def schedule_delete_view(request: TenantRequest, pk: Any) -> HttpResponse:
    schedule = _schedule_for(request, pk)
    schedule_delete(schedule=schedule, actor=request.user)
    messages.success(request, f"Schedule “{schedule.name}” deleted.")
    return _back("schedules")


@tenant_view(ADMIN_ROLES)
@require_POST
def schedule_toggle_view(request: TenantRequest, pk: Any) -> HttpResponse:
    schedule = _schedule_for(request, pk)
    try:
        schedule = schedule_update(schedule=schedule, actor=request.user, enabled=not schedule.enabled)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Schedule “{schedule.name}” {'enabled' if schedule.enabled else 'paused'}.")
    return _back("schedules")


# --- members ---------------------------------------------------------------------------------------------


def _member_label(membership) -> str:
    return membership.user.email or membership.user.get_username()


@tenant_view(ADMIN_ROLES)
@require_POST
def member_role(request: TenantRequest, pk: Any) -> HttpResponse:
    membership = tenant_object_or_404(members_for_tenant(tenant=request.tenant).select_related("tenant"), pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return _back("members")
    role = form.cleaned_data["role"]
    try:
        membership_role_change(membership=membership, role=role, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return _back("members")
    messages.success(request, f"{_member_label(membership)} is now {role}.")
    if membership.pk == request.membership.pk and role != Role.ADMIN:
        # Settings are for admins: the user just left them.
        return redirect("web:dashboard")
    return _back("members")


@tenant_view(ADMIN_ROLES)
@require_POST
def member_remove(request: TenantRequest, pk: Any) -> HttpResponse:
    membership = tenant_object_or_404(members_for_tenant(tenant=request.tenant).select_related("tenant"), pk)
    leaving = membership.pk == request.membership.pk
    try:
        membership_remove(membership=membership, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return _back("members")
    messages.success(
        request, f"{_member_label(membership)} was removed from {request.tenant.name}; their tokens are revoked."
    )
    if leaving:
        return redirect("web:dashboard")
    return _back("members")


# --- invitations -------------------------------------------------------------------------------------------


@tenant_view(ADMIN_ROLES)
@require_POST
def invitation_create_view(request: TenantRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            issued = invitation_create(
                tenant=request.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                site_url=request.build_absolute_uri("/"),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[NEW_INVITATION_SESSION_KEY] = {
                "id": str(issued.invitation.pk),
                "link": issued.link,
                "emailed": issued.emailed,
            }
            return redirect("web:settings-invitation-created")
    return _settings_page(request, status=400, invitation_form=form)


@tenant_view(ADMIN_ROLES)
@require_GET
@never_cache
def invitation_created(request: TenantRequest) -> HttpResponse:
    """Shows the new invitation's link once: it leaves the session as this page renders."""
    pending, invitation = pop_shown_once(
        request, NEW_INVITATION_SESSION_KEY, invitations_for_tenant(tenant=request.tenant)
    )
    if invitation is None:
        messages.info(request, "An invitation's link is shown only once, right after it is created.")
        return _back("members")
    return render(
        request,
        "web/settings/invitation_created.html",
        {"invitation": invitation, "link": pending["link"], "emailed": pending["emailed"]},
    )


@tenant_view(ADMIN_ROLES)
@require_POST
def invitation_revoke_view(request: TenantRequest, pk: Any) -> HttpResponse:
    invitation = tenant_object_or_404(invitations_for_tenant(tenant=request.tenant).select_related("tenant"), pk)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"The invitation of {invitation.email} is revoked; its link no longer works.")
    return _back("members")


# --- API tokens --------------------------------------------------------------------------------------------


@tenant_view(ADMIN_ROLES)
@require_POST
def token_create(request: TenantRequest) -> HttpResponse:
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
def token_created(request: TenantRequest) -> HttpResponse:
    """Shows the new secret once: it leaves the session as this page renders."""
    pending, token = pop_shown_once(request, NEW_TOKEN_SESSION_KEY, api_tokens_for_tenant(tenant=request.tenant))
    if token is None:
        messages.info(request, "A token's secret is shown only once, right after it is created.")
        return _back("tokens")
    return render(request, "web/settings/token_created.html", {"token": token, "secret": pending["secret"]})


@tenant_view(ADMIN_ROLES)
@require_POST
def token_revoke(request: TenantRequest, pk: Any) -> HttpResponse:
    token = tenant_object_or_404(api_tokens_for_tenant(tenant=request.tenant), pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return _back("tokens")
