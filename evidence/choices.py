from django.db import models


class EvidenceType(models.TextChoices):
    AUTO = "auto", "Automatic (scan)"
    MANUAL = "manual", "Manual upload"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
