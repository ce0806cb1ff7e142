from django.db import models


class EventType(models.TextChoices):
    SCAN_COMPLETED = "scan.completed", "Scan completed"
    SCAN_FAILED = "scan.failed", "Scan failed"
    CONTROL_STATUS_CHANGED = "control.status_changed", "Control status changed (pass ↔ fail)"
    EVIDENCE_UPLOADED = "evidence.uploaded", "Evidence uploaded"
    EVIDENCE_EXPIRING = "evidence.expiring", "Evidence expiring"
    EVIDENCE_EXPIRED = "evidence.expired", "Evidence expired"
    ACCESS_REVIEW_OPENED = "access_review.opened", "Access review opened"
    ACCESS_REVIEW_REMINDER = "access_review.reminder", "Access review due soon or overdue"
    ACCESS_REVIEW_COMPLETED = "access_review.completed", "Access review completed"
    # Sent on demand to test a webhook; nobody subscribes to it.
    PING = "ping", "Ping"


SUBSCRIBABLE_EVENTS = [event for event in EventType if event != EventType.PING]


class WebhookKind(models.TextChoices):
    GENERIC = "generic", "Signed JSON (any receiver)"
    SLACK = "slack", "Slack-compatible incoming webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINAL_DELIVERY_STATUSES = frozenset({DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED})


class DigestFrequency(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
