from django.db import models

from integrations import registry


class ScanStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


FINISHED_STATUSES = frozenset({ScanStatus.COMPLETED, ScanStatus.FAILED})


class ScanTrigger(models.TextChoices):
    API = "api", "API"
    UI = "ui", "Web UI"
    SCHEDULE = "schedule", "Schedule"
    CLI = "cli", "Command line"


class PartStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# Checks and stored outcomes share one status (the registry's), so the two can never drift apart.
OutcomeStatus = registry.OutcomeStatus


class ResultStatus(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    NOT_APPLICABLE = "not-applicable", "Not applicable"


class ResultBasis(models.TextChoices):
    AUTOMATED = "automated", "Automated checks"
    MANUAL = "manual", "Documents"
    AUTOMATED_MANUAL = "automated+manual", "Automated checks and documents"
    EXCLUDED = "excluded", "Excluded from scope"
    UNASSESSED = "unassessed", "Not assessed"
