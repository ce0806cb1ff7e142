from django.db import models


class EvidenceType(models.TextChoices):
    AUTO = "auto", "Automatic (scan)"
    MANUAL = "manual", "Manual upload"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class EvidenceState(models.TextChoices):
    """Where a control stands on documents: the freshest linked artifact decides."""

    NOT_REQUIRED = "not-required", "No document required"
    FRESH = "fresh", "Fresh"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
    MISSING = "missing", "Missing"


class Freshness(models.TextChoices):
    FRESH = "fresh", "Fresh"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
