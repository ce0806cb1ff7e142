"""Connected accounts (AWS, GitHub, hosts, databases) with credentials encrypted at rest."""

from __future__ import annotations

from django.db import models

from complywise.models import TenantScopedModel

from .choices import IntegrationStatus, IntegrationType


class Integration(TenantScopedModel):
    """One connected account of a tenant; ``credentials_encrypted`` is a Fernet token, never plaintext."""

    type = models.CharField(max_length=16, choices=IntegrationType.choices)
    name = models.CharField(max_length=100)
    config = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    # Non-secret reminder of which credential is stored (e.g. "access key …MPLE"), set on write.
    credentials_hint = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=IntegrationStatus.choices, default=IntegrationStatus.NEW)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["type", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="integration_unique_tenant_name")]
        indexes = [models.Index(fields=["tenant", "type"], name="integration_tenant_type")]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.name}"

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)
