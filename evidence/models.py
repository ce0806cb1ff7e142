"""Evidence artifacts (immutable, hashed, hash-chained per tenant) and auditor export bundles."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from complywise.models import TenantScopedModel
from frameworks.models import Control, Framework

from .choices import EvidenceType, ExportStatus


class Evidence(TenantScopedModel):
    """A file proving a control: produced by a scan (auto) or uploaded by staff (manual)."""

    type = models.CharField(max_length=8, choices=EvidenceType.choices)
    control = models.ForeignKey(Control, null=True, on_delete=models.SET_NULL, related_name="evidence")
    framework = models.ForeignKey(Framework, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    file_key = models.CharField(max_length=500, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    scan_job = models.ForeignKey("scans.ScanJob", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    collected_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    # Tamper evidence: each row seals its own fields and the previous row's seal (per tenant).
    sequence = models.PositiveBigIntegerField()
    previous_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["tenant", "sequence"], name="evidence_unique_tenant_sequence")]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="evidence_tenant_created"),
            models.Index(fields=["tenant", "control"], name="evidence_tenant_control"),
        ]

    def __str__(self) -> str:
        return self.title


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
