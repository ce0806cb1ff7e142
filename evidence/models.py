"""Evidence artifacts (immutable, hashed, hash-chained per tenant) and auditor export bundles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from complywise.models import TenantScopedModel
from frameworks.models import Control, Framework

from .choices import EvidenceType, ExportStatus


class Evidence(TenantScopedModel):
    """A file proving a control: produced by a scan (auto) or uploaded by staff (manual)."""

    type = models.CharField(max_length=8, choices=EvidenceType.choices)
    control = models.ForeignKey(Control, null=True, on_delete=models.SET_NULL, related_name="evidence")
    framework = models.ForeignKey(Framework, null=True, on_delete=models.SET_NULL, related_name="+")
    # Snapshots taken at creation: they identify the control in the hash chain and survive a catalog
    # reload that removes the control (which nulls the foreign keys above).
    control_ref = models.CharField(max_length=64, blank=True)
    framework_key = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    file_key = models.CharField(max_length=500, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    # RESTRICT, not CASCADE: a scan job's evidence must be purged through evidence_purge_for_scan_jobs
    # (which leaves tombstones) before the job is deleted; deleting the whole tenant still cascades.
    scan_job = models.ForeignKey("scans.ScanJob", null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    collected_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    # Tamper evidence: each row seals its own fields and the previous row's seal (per tenant).
    # The format a row was sealed in stays with it; format 2 also seals ``sealed_links``: every control the
    # document was linked to at upload, as sorted [framework_key, control_ref] pairs.
    chain_format = models.PositiveSmallIntegerField(default=1)
    sealed_links = models.JSONField(default=list, blank=True)
    sequence = models.PositiveBigIntegerField()
    previous_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sequence"], name="evidence_unique_tenant_sequence"),
            # One auto artifact per control per scan: a redelivered scan task can never duplicate it.
            models.UniqueConstraint(
                fields=["scan_job", "control"], condition=Q(type="auto"), name="evidence_unique_auto_job_control"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="evidence_tenant_created"),
            models.Index(fields=["tenant", "control"], name="evidence_tenant_control"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class EvidenceControlLink(TenantScopedModel):
    """Manual evidence ↔ a control it supports: one upload satisfies every linked control, across frameworks.

    The primary control (``Evidence.control``) has a link too, so "evidence of a control" is one lookup.
    Links are written with the upload and never edited; the row seals them (``Evidence.sealed_links``), so a
    link added later is reported by verification.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="control_links")
    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="evidence_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "control"], name="evidencecontrollink_unique")]
        indexes = [models.Index(fields=["tenant", "control"], name="evidencelink_tenant_control")]

    def __str__(self) -> str:
        return f"{self.evidence_id} → {self.control_id}"


class EvidenceTombstone(TenantScopedModel):
    """The trace a deleted Evidence row leaves in its tenant's hash chain, so the gap stays explained."""

    sequence = models.PositiveBigIntegerField()
    evidence_id = models.UUIDField()
    type = models.CharField(max_length=8, choices=EvidenceType.choices)
    previous_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    file_key = models.CharField(max_length=500)
    control_ref = models.CharField(max_length=64, blank=True)
    framework_key = models.CharField(max_length=100, blank=True)
    scan_job_id = models.UUIDField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sequence"], name="evidencetombstone_unique_tenant_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.evidence_id} ({self.reason})"


class EvidenceExport(TenantScopedModel):
    """An auditor bundle (ZIP) of a framework's evidence in a date window, built asynchronously."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    file_key = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="evidenceexport_tenant_created")]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"
