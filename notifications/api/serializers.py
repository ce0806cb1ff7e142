from __future__ import annotations

from rest_framework import serializers

from ..choices import SUBSCRIBABLE_EVENTS, DigestFrequency, WebhookKind
from ..models import Delivery, EmailDigest, Event, Webhook

EVENT_CHOICES = [str(e) for e in SUBSCRIBABLE_EVENTS]


class WebhookSerializer(serializers.ModelSerializer):
    url = serializers.CharField(
        source="url_shown",
        read_only=True,
        help_text="Scheme and host only: the path often holds the receiver's credential, so it is not read back.",
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "name",
            "kind",
            "url",
            "events",
            "active",
            "consecutive_failures",
            "disabled_reason",
            "disabled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=2000, help_text="Where events are POSTed; must pass the egress policy.")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), min_length=1)
    kind = serializers.ChoiceField(choices=WebhookKind.choices, default=WebhookKind.GENERIC)
    active = serializers.BooleanField(default=True)
    secret = serializers.CharField(
        min_length=16,
        max_length=200,
        required=False,
        write_only=True,
        help_text="HMAC signing secret; made for you when omitted. Shown once, never readable again.",
    )


class WebhookUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), min_length=1, required=False)
    kind = serializers.ChoiceField(choices=WebhookKind.choices, required=False)
    active = serializers.BooleanField(required=False, help_text="true re-enables a disabled webhook.")


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="The signing secret, shown this once.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret, shown this once.")


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.UUIDField(read_only=True)
    event_id = serializers.UUIDField(read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "response_status",
            "latency_ms",
            "error",
            "attempt_log",
            "next_attempt_at",
            "delivered_at",
            "redelivery_of",
            "created_at",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    payload = serializers.JSONField(read_only=True, help_text="What the event says (a webhook's ``data``).")

    class Meta:
        model = Event
        fields = ["id", "type", "occurred_at", "payload"]
        read_only_fields = fields


class EventQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[*EVENT_CHOICES, "ping"], required=False)


class EmailDigestSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailDigest
        fields = ["id", "name", "recipients", "events", "frequency", "active", "cursor", "last_sent_at", "created_at"]
        read_only_fields = fields


class EmailDigestCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    recipients = serializers.ListField(child=serializers.EmailField(), min_length=1, max_length=50)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), min_length=1)
    frequency = serializers.ChoiceField(choices=DigestFrequency.choices, default=DigestFrequency.DAILY)
    active = serializers.BooleanField(default=True)


class EmailDigestUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    recipients = serializers.ListField(child=serializers.EmailField(), min_length=1, max_length=50, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), min_length=1, required=False)
    frequency = serializers.ChoiceField(choices=DigestFrequency.choices, required=False)
    active = serializers.BooleanField(required=False)
