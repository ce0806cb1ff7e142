"""Integrations (admins): list, add and edit per type, test the connection, delete."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complywise.exceptions import ApplicationError
from complywise.http import TenantRequest
from integrations import providers
from integrations.choices import IntegrationStatus, IntegrationType
from integrations.models import Integration
from integrations.selectors import integrations_for_tenant, provider_schema_fields
from integrations.services import integration_create, integration_delete, integration_test, integration_update
from scans.selectors import integration_last_collections
from web.forms import IntegrationForm, IntegrationTypeForm
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view


def _integration_for(request: TenantRequest, pk: Any) -> Integration:
    return tenant_object_or_404(integrations_for_tenant(tenant=request.tenant).select_related("tenant"), pk)


def _form(integration_type: str, data: Any = None, *, editing: bool = False, initial: dict | None = None):
    return IntegrationForm(
        data,
        initial=initial,
        integration_type=integration_type,
        credential_fields=provider_schema_fields(integration_type=integration_type, part="credentials"),
        editing=editing,
    )


def _form_page(
    request: TenantRequest, form: IntegrationForm, integration_type: str, integration=None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "web/integrations/form.html",
        {
            "form": form,
            "integration": integration,
            "integration_type": integration_type,
            "type_label": dict(providers_type_choices()).get(integration_type, integration_type),
            "config_fields": provider_schema_fields(integration_type=integration_type, part="config"),
        },
        status=status,
    )


def providers_type_choices() -> list[tuple[str, str]]:
    available = set(providers.available_types())
    return [c for c in IntegrationType.choices if c[0] in available]


@tenant_view(ADMIN_ROLES)
@require_GET
def integration_list(request: TenantRequest) -> HttpResponse:
    integrations = list(integrations_for_tenant(tenant=request.tenant).order_by("type", "name"))
    return render(
        request,
        "web/integrations/list.html",
        {
            "integrations": integrations,
            "last_collections": integration_last_collections(
                tenant=request.tenant, integration_ids=[i.pk for i in integrations]
            ),
            "type_form": IntegrationTypeForm(available_types=providers.available_types()),
        },
    )


@tenant_view(ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def integration_new(request: TenantRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    type_form = IntegrationTypeForm(source, available_types=providers.available_types())
    if not type_form.is_valid():
        return render(request, "web/integrations/choose_type.html", {"type_form": type_form}, status=200)
    integration_type = type_form.cleaned_data["type"]
    if request.method == "GET":
        return _form_page(request, _form(integration_type), integration_type)
    form = _form(integration_type, request.POST)
    if form.is_valid():
        try:
            integration = integration_create(
                tenant=request.tenant,
                actor=request.user,
                type=integration_type,
                name=form.cleaned_data["name"],
                config=form.cleaned_data["config"] or {},
                credentials=form.credentials() or {},
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Added {integration}. Test the connection to check the credentials.")
            return redirect("web:integration-list")
    return _form_page(request, form, integration_type, status=400)


@tenant_view(ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def integration_edit(request: TenantRequest, pk: Any) -> HttpResponse:
    integration = _integration_for(request, pk)
    initial = {
        "name": integration.name,
        "config": _pretty(integration.config),
        "enabled": integration.status != IntegrationStatus.DISABLED,
    }
    if request.method == "GET":
        return _form_page(
            request, _form(integration.type, editing=True, initial=initial), integration.type, integration
        )
    form = _form(integration.type, request.POST, editing=True, initial=initial)
    if form.is_valid():
        try:
            integration_update(
                integration=integration,
                actor=request.user,
                name=form.cleaned_data["name"],
                config=_whole_config(integration, form.cleaned_data["config"]),
                credentials=form.credentials(),
                enabled=form.cleaned_data["enabled"],
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved {integration}.")
            return redirect("web:integration-list")
    return _form_page(request, form, integration.type, integration, status=400)


def _pretty(config: dict) -> str:
    return json.dumps(config, indent=2, sort_keys=True)


def _whole_config(integration: Integration, config: dict | None) -> dict | None:
    """The form edits the whole config: a key deleted in the textarea is cleared (the service merges)."""
    if config is None:
        return None
    return {**dict.fromkeys(integration.config), **config}


@tenant_view(ADMIN_ROLES)
@require_POST
def integration_delete_view(request: TenantRequest, pk: Any) -> HttpResponse:
    integration = _integration_for(request, pk)
    integration_delete(integration=integration, actor=request.user)
    messages.success(request, f"Deleted {integration}; its past scan results are kept.")
    return redirect("web:integration-list")


@tenant_view(ADMIN_ROLES)
@require_POST
def integration_test_view(request: TenantRequest, pk: Any) -> HttpResponse:
    integration = _integration_for(request, pk)
    try:
        ok, detail = integration_test(integration=integration, actor=request.user)
    except ApplicationError as exc:
        # The tenant is at its cap of concurrent connection tests: say so, as the API's 429 does.
        messages.error(request, f"{integration.name}: {exc.detail}")
        return redirect("web:integration-list")
    if ok:
        messages.success(request, f"{integration.name}: connection OK. {detail}")
    else:
        messages.error(request, f"{integration.name}: connection failed. {detail}")
    return redirect("web:integration-list")
