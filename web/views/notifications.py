"""Settings › Notifications (admins): webhooks with their delivery log and redelivery, e-mail digests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from complywise.exceptions import ApplicationError
from complywise.http import TenantRequest
from notifications import selectors, services
from web.forms import add_service_errors
from web.notification_forms import DigestForm, WebhookForm
from web.tenancy import ADMIN_ROLES, tenant_object_or_404, tenant_view
from web.views.common import pop_shown_once

# The secret of a webhook just created waits here for the one page that shows it.
NEW_WEBHOOK_SESSION_KEY = "web_new_webhook"
DELIVERY_LOG_ROWS = 50
EVENT_ROWS = 20


def _page(request: TenantRequest, status: int = 200, **bound: forms.Form) -> HttpResponse:
    tenant = request.tenant
    context: dict[str, Any] = {
        "webhooks": selectors.webhooks_for_tenant(tenant=tenant),
        "digests": selectors.digests_for_tenant(tenant=tenant),
        "events": selectors.events_for_tenant(tenant=tenant)[:EVENT_ROWS],
        "webhook_form": WebhookForm(),
        "digest_form": DigestForm(),
    }
    context.update(bound)
    return render(request, "web/settings/notifications.html", context, status=status)


def _back(section: str = "") -> HttpResponse:
    return redirect(reverse("web:settings-notifications") + (f"#{section}" if section else ""))


@tenant_view(ADMIN_ROLES)
@require_GET
def notifications_index(request: TenantRequest) -> HttpResponse:
    return _page(request)


@tenant_view(ADMIN_ROLES)
@require_POST
def webhook_create_view(request: TenantRequest) -> HttpResponse:
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            webhook, secret = services.webhook_create(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[NEW_WEBHOOK_SESSION_KEY] = {"id": str(webhook.pk), "secret": secret}
            return redirect("web:settings-webhook-created")
    return _page(request, status=400, webhook_form=form)


@tenant_view(ADMIN_ROLES)
@require_GET
@never_cache
def webhook_created(request: TenantRequest) -> HttpResponse:
    """Shows the signing secret once: it leaves the session as this page renders."""
    pending, webhook = pop_shown_once(
        request, NEW_WEBHOOK_SESSION_KEY, selectors.webhooks_for_tenant(tenant=request.tenant)
    )
    if webhook is None:
        messages.info(request, "A webhook's secret is shown only once, right after it is created.")
        return _back("webhooks")
    return render(request, "web/settings/webhook_created.html", {"webhook": webhook, "secret": pending["secret"]})


@tenant_view(ADMIN_ROLES)
@require_GET
def webhook_detail(request: TenantRequest, pk: Any) -> HttpResponse:
    webhook = tenant_object_or_404(selectors.webhooks_for_tenant(tenant=request.tenant), pk)
    deliveries = selectors.webhook_deliveries(webhook=webhook)[:DELIVERY_LOG_ROWS]
    return render(request, "web/settings/webhook_detail.html", {"webhook": webhook, "deliveries": deliveries})


def _webhook(request: TenantRequest, pk: Any):
    return tenant_object_or_404(selectors.webhooks_for_tenant(tenant=request.tenant), pk)


@tenant_view(ADMIN_ROLES)
@require_POST
def webhook_ping_view(request: TenantRequest, pk: Any) -> HttpResponse:
    webhook = _webhook(request, pk)
    try:
        services.webhook_ping(webhook=webhook, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Test event sent to “{webhook.name}”; its delivery is at the top of the log.")
    return redirect("web:settings-webhook", pk=webhook.pk)


@tenant_view(ADMIN_ROLES)
@require_POST
def webhook_toggle_view(request: TenantRequest, pk: Any) -> HttpResponse:
    webhook = _webhook(request, pk)
    services.webhook_update(webhook=webhook, actor=request.user, active=not webhook.active)
    messages.success(request, f"Webhook “{webhook.name}” {'enabled' if webhook.active else 'disabled'}.")
    return redirect("web:settings-webhook", pk=webhook.pk)


@tenant_view(ADMIN_ROLES)
@require_POST
def webhook_delete_view(request: TenantRequest, pk: Any) -> HttpResponse:
    webhook = _webhook(request, pk)
    services.webhook_delete(webhook=webhook, actor=request.user)
    messages.success(request, f"Webhook “{webhook.name}” deleted.")
    return _back("webhooks")


@tenant_view(ADMIN_ROLES)
@require_POST
def delivery_redeliver_view(request: TenantRequest, webhook_pk: Any, pk: Any) -> HttpResponse:
    webhook = _webhook(request, webhook_pk)
    delivery = tenant_object_or_404(selectors.webhook_deliveries(webhook=webhook), pk)
    try:
        services.delivery_redeliver(delivery=delivery, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"“{delivery.event.type}” sent again; the new delivery is at the top of the log.")
    return redirect("web:settings-webhook", pk=webhook.pk)


@tenant_view(ADMIN_ROLES)
@require_POST
def digest_create_view(request: TenantRequest) -> HttpResponse:
    form = DigestForm(request.POST)
    if form.is_valid():
        try:
            digest = services.digest_create(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Digest “{digest.name}” created.")
            return _back("digests")
    return _page(request, status=400, digest_form=form)


@tenant_view(ADMIN_ROLES)
@require_POST
def digest_delete_view(request: TenantRequest, pk: Any) -> HttpResponse:
    digest = tenant_object_or_404(selectors.digests_for_tenant(tenant=request.tenant), pk)
    services.digest_delete(digest=digest, actor=request.user)
    messages.success(request, f"Digest “{digest.name}” deleted.")
    return _back("digests")
