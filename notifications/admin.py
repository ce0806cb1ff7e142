from django.contrib import admin

from complywise.admin import ReadOnlyAdmin

from .models import Delivery, EmailDigest, Event, Webhook


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    # Changes go through the API or the settings page, which check the URL against the egress policy and audit.
    list_display = ["name", "tenant", "kind", "url_shown", "active", "consecutive_failures", "created_at"]
    list_filter = ["active", "kind"]
    search_fields = ["name"]
    exclude = ["secret_encrypted", "url"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "webhook", "status", "attempts", "response_status", "latency_ms", "created_at"]
    list_filter = ["status"]
    list_select_related = ["tenant", "webhook", "event"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["type", "tenant", "key", "occurred_at"]
    list_filter = ["type"]
    search_fields = ["key"]


@admin.register(EmailDigest)
class EmailDigestAdmin(ReadOnlyAdmin):
    list_display = ["name", "tenant", "frequency", "active", "last_sent_at"]
