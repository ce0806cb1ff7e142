"""Outbound notifications: the events a tenant can hear about, webhooks with their delivery log, e-mail digests."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models

from complywise.models import TenantScopedModel

from .choices import DeliveryStatus, DigestFrequency, EventType, WebhookKind


class Event(TenantScopedModel):
    """Something that happened, recorded once (``key``) whoever listens: webhooks and digests read it."""

    type = models.CharField(max_length=32, choices=EventType.choices)
    # What makes the event unique (e.g. "scan.completed:<scan id>"): a task that runs twice records it once.
    key = models.CharField(max_length=200)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="notifications_event_unique_key")]
        indexes = [models.Index(fields=["tenant", "occurred_at"], name="notif_event_tenant_time")]
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.key}"


class Webhook(TenantScopedModel):
    """An HTTPS endpoint of the tenant's that receives the events it subscribes to, signed with its secret."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=WebhookKind.choices, default=WebhookKind.GENERIC)
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    # A Fernet token of the HMAC secret; the secret is shown once, when it is made.
    secret_encrypted = models.TextField(editable=False)
    active = models.BooleanField(default=True)
    # Deliveries that failed for good in a row; reset by any success. Too many disable the webhook.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="notifications_webhook_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def url_shown(self) -> str:
        return shown_url(self.url)


def shown_url(url: str) -> str:
    """The URL as pages, the API and the audit log show it: the host, never the path or query.

    Many receivers put their credential in the path (a Slack incoming webhook is one); like the signing secret,
    it is written once and not read back.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    hidden = "/…" if (parts.path.strip("/") or parts.query) else "/"
    return f"{parts.scheme}://{host}{port}{hidden}"


class Delivery(TenantScopedModel):
    """One event sent (and maybe retried) to one webhook; a redelivery is a new row pointing at the first."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The last attempt's answer; every attempt is in ``attempt_log`` ({at, status_code, latency_ms, error}).
    response_status = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempt_log = models.JSONField(default=list, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            # The fan-out of an event to a webhook happens once, however often the event is recorded.
            models.UniqueConstraint(
                fields=["webhook", "event"],
                condition=models.Q(redelivery_of__isnull=True),
                name="notifications_delivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "webhook", "created_at"], name="notif_delivery_webhook_time"),
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.webhook.name} ({self.status})"


class EmailDigest(TenantScopedModel):
    """A periodic e-mail listing the tenant's events of the chosen types since the previous one."""

    name = models.CharField(max_length=100)
    recipients = models.JSONField(default=list)
    events = models.JSONField(default=list)
    frequency = models.CharField(max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.DAILY)
    active = models.BooleanField(default=True)
    # Events that occurred after this moment go into the next digest.
    cursor = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="notifications_digest_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
