"""Scan jobs, their per-integration parts, per-resource outcomes, per-control results, schedules."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from complywise.models import TenantScopedModel
from evidence.choices import EvidenceState
from frameworks.models import Control, Framework
from integrations.models import Integration

from .choices import OutcomeStatus, PartStatus, ResultBasis, ResultStatus, ScanStatus, ScanTrigger


class ScanJob(TenantScopedModel):
    """One run of the checks of a tenant's integrations against its frameworks."""

    status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    integration_types = models.JSONField(default=list, blank=True)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The frameworks resolved at trigger time, so a later activation change cannot alter this scan.
    framework_ids = models.JSONField(default=list, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    trigger = models.CharField(max_length=16, choices=ScanTrigger.choices, default=ScanTrigger.API)
    schedule = models.ForeignKey("ScanSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from a worker.")
    total_controls = models.PositiveIntegerField(default=0)
    passed_controls = models.PositiveIntegerField(default=0)
    failed_controls = models.PositiveIntegerField(default=0)
    not_applicable_controls = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True, blank=True)
    # Assessed controls / applicable controls, in percent (next to score, which is over assessed ones only).
    coverage = models.FloatField(null=True, blank=True)
    errored_controls = models.PositiveIntegerField(
        default=0, help_text="Failing only because checks could not evaluate."
    )
    framework_scores = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    partial = models.BooleanField(default=False, help_text="Results cover only part of the scope.")
    # Seconds spent per phase after the parts: {"rollup": ..., "evidence": ...} (docs/PERFORMANCE.md).
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="scanjob_tenant_created"),
            models.Index(fields=["status", "created_at"], name="scanjob_status_created"),
        ]

    def __str__(self) -> str:
        return f"Scan {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ScanStatus.COMPLETED, ScanStatus.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.completed_at:
            return (self.completed_at - self.started_at).total_seconds()
        return None


class ScanPart(TenantScopedModel):
    """The share of a scan done by one integration's task; the last part to finish rolls the scan up."""

    scan_job = models.ForeignKey(ScanJob, on_delete=models.CASCADE, related_name="parts")
    integration = models.ForeignKey(Integration, null=True, on_delete=models.SET_NULL, related_name="+")
    integration_type = models.CharField(max_length=16)
    integration_name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=PartStatus.choices, default=PartStatus.PENDING)
    error = models.TextField(blank=True)
    outcome_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Seconds per phase: {"collect": wall time of its units, "evaluate": checks, "write": outcome rows}.
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["integration_type", "integration_name"]
        constraints = [models.UniqueConstraint(fields=["scan_job", "integration"], name="scanpart_unique")]


class ScanUnit(TenantScopedModel):
    """One collection unit of a part (``integrations.registry.CollectionUnit``), run as its own task.

    Units of one integration run on whichever workers are free; the last one to finish
    hands the part to evaluation, which merges their inventories.
    """

    part = models.ForeignKey(ScanPart, on_delete=models.CASCADE, related_name="units")
    key = models.CharField(max_length=100)
    region = models.CharField(max_length=64, blank=True)
    services = models.JSONField(default=list)
    shard = models.PositiveSmallIntegerField(default=0)
    shards = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=PartStatus.choices, default=PartStatus.PENDING)
    error = models.TextField(blank=True)
    # The unit's partial inventory as zlib-compressed JSON, kept only until the part is evaluated.
    payload = models.BinaryField(null=True, blank=True)
    payload_bytes = models.PositiveIntegerField(default=0, help_text="Size of the inventory before compression.")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["part", "key"], name="scanunit_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class CheckOutcome(TenantScopedModel):
    """The result of one check on one resource in one scan."""

    scan_job = models.ForeignKey(ScanJob, on_delete=models.CASCADE, related_name="outcomes")
    integration = models.ForeignKey(Integration, null=True, on_delete=models.SET_NULL, related_name="+")
    check_id = models.CharField(max_length=128)
    resource_id = models.CharField(max_length=512)
    resource_type = models.CharField(max_length=128, blank=True)
    region = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=OutcomeStatus.choices)
    severity = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["check_id", "resource_id"]
        indexes = [
            # The roll-up reads a job's outcomes per check without the tenant.
            models.Index(fields=["scan_job", "check_id"], name="outcome_job_check"),
            # Pages of a job's outcomes in list order (all, one check, one status): LIMIT reads ~50 index entries.
            models.Index(fields=["tenant", "scan_job", "check_id", "resource_id", "id"], name="outcome_page"),
            models.Index(
                fields=["tenant", "scan_job", "status", "check_id", "resource_id", "id"], name="outcome_page_status"
            ),
        ]


class ScanResult(TenantScopedModel):
    """The pass / fail / not-applicable verdict of one control in one scan."""

    scan_job = models.ForeignKey(ScanJob, on_delete=models.CASCADE, related_name="results")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="results")
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    finding = models.TextField(blank=True)
    evidence_key = models.CharField(max_length=500, blank=True)
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sort_key = models.CharField(max_length=200, blank=True)
    # How the verdict was reached (see docs/POSTURE.md); blank on results rolled up before these existed.
    basis = models.CharField(max_length=24, choices=ResultBasis.choices, blank=True)
    evidence_state = models.CharField(max_length=16, choices=EvidenceState.choices, blank=True)
    # The automated half on its own (pass / fail / error / blank when no check ran), so the live posture
    # can recombine it with the evidence of today without rescanning.
    automated_status = models.CharField(max_length=8, blank=True)
    # A fail that only comes from checks that could not evaluate (collection errors), not from findings.
    errored = models.BooleanField(default=False)
    checks_mapped = models.PositiveIntegerField(default=0)
    checks_ran = models.PositiveIntegerField(default=0)
    missing_integration_types = models.JSONField(default=list, blank=True)
    # Per mapped check: id, title, severity, integration_type, status (pass/fail/error/not-run) and counts.
    checks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["framework__key", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["scan_job", "control"], name="scanresult_unique_job_control")]
        indexes = [
            # Pages of a job's results, one framework's in list order; every reader of these is tenant-scoped.
            models.Index(fields=["tenant", "scan_job", "framework", "sort_key", "id"], name="result_page_fw"),
            models.Index(fields=["tenant", "scan_job", "status"], name="result_page_status"),
            models.Index(fields=["tenant", "control", "-created_at"], name="result_tenant_control"),
        ]


class ScanSchedule(TenantScopedModel):
    """A recurring scan: every N minutes or on a cron expression."""

    name = models.CharField(max_length=100)
    interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    cron = models.CharField(max_length=100, blank=True)
    integration_types = models.JSONField(default=list, blank=True)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_scan_job = models.ForeignKey(ScanJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="scanschedule_unique_tenant_name")]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="scanschedule_due")]

    def __str__(self) -> str:
        return self.name
