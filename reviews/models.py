"""Access review campaigns: who reviews which integration's accounts, by when, and every decision made."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from complywise.models import TenantScopedModel
from integrations.models import Integration, IntegrationAccount

from .choices import CampaignStatus, Decision, Recurrence


class ReviewCampaign(TenantScopedModel):
    """One periodic access review: opened on ``opens_on`` (items are taken then), due on ``due_date``.

    Completing a recurring campaign schedules the next one, which keeps a link back (``previous``) so items
    can be flagged as new since the last review.
    """

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.SCHEDULED)
    recurrence = models.CharField(max_length=16, choices=Recurrence.choices, default=Recurrence.QUARTERLY)
    opens_on = models.DateField()
    due_date = models.DateField()
    opened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The report of every decision, stored as manual evidence (hash-chained) when the campaign completes.
    evidence_csv = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_pdf = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decisions_sha256 = models.CharField(max_length=64, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-due_date", "-created_at"]
        indexes = [models.Index(fields=["tenant", "status", "due_date"], name="reviewcampaign_tenant_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_date__gte=models.F("opens_on")), name="reviewcampaign_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewSource(TenantScopedModel):
    """One integration whose accounts a campaign reviews, and who reviews them by default."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="sources")
    integration = models.ForeignKey(Integration, null=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as they were: the report still names the integration after it is deleted.
    integration_name = models.CharField(max_length=100)
    integration_type = models.CharField(max_length=16)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The last time the integration's accounts were seen by a scan when the items were taken.
    accounts_as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["integration_type", "integration_name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "integration"], name="reviewsource_unique_integration"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.integration_name}"


class ReviewItem(TenantScopedModel):
    """One account to approve or revoke, as it was when the campaign opened (a snapshot an auditor can trust)."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="items")
    source = models.ForeignKey(ReviewSource, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey(IntegrationAccount, null=True, on_delete=models.SET_NULL, related_name="+")
    external_id = models.CharField(max_length=500)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=32)
    email = models.CharField(max_length=320, blank=True)
    privileges = models.JSONField(default=list, blank=True)
    admin = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    new_since_last_review = models.BooleanField(default=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as written: the report names the reviewer after their account is deleted.
    decided_by_email = models.CharField(max_length=254, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reassigned_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["source", "kind", "name", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="reviewitem_unique_account"),
        ]
        indexes = [
            models.Index(fields=["tenant", "campaign", "decision"], name="reviewitem_campaign_decision"),
            models.Index(fields=["tenant", "reviewer", "decision"], name="reviewitem_reviewer_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_decision_display()})"
