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


class IntegrationAccount(TenantScopedModel):
    """An identity with access to an integration (an IAM user, an org member, a database role), kept per scan.

    Each scan that collected the integration's accounts refreshes these rows: new ones appear with
    ``first_seen_at``, gone ones get ``removed_at`` (kept, so a review can show what was removed and when).
    An access review that revokes one records it here (``revocation_*``), where the scan engine reads it to
    check that the account is really gone.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="accounts")
    external_id = models.CharField(max_length=500)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=32)
    email = models.CharField(max_length=320, blank=True)
    privileges = models.JSONField(default=list, blank=True)
    admin = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_in_provider_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    # Set when an access review revoked the account; cleared when it reappears after a scan saw it gone.
    revocation_requested_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)
    revocation_by = models.CharField(max_length=254, blank=True)
    # The scan that first found the revoked account gone (a redelivered scan task finds the same one).
    revocation_verified_at = models.DateTimeField(null=True, blank=True)
    revocation_verified_scan_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["integration", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="integrationaccount_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "integration", "removed_at"], name="intaccount_tenant_present"),
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}: {self.name}"
