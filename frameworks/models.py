"""Frameworks, their controls, and which automated checks serve each control."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from complywise.models import BaseModel, Membership, Tenant, TenantScopedModel

from .choices import FrameworkSource
from .naturalsort import natural_key


class FrameworkQuerySet(models.QuerySet["Framework"]):
    def visible_to(self, tenant: Tenant) -> FrameworkQuerySet:
        """The global catalog plus the tenant's own custom frameworks."""
        return self.filter(Q(tenant__isnull=True) | Q(tenant=tenant))


class Framework(BaseModel):
    """A compliance framework: global (shipped/imported) when tenant is null, else a tenant's custom one."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=FrameworkSource.choices, default=FrameworkSource.SHIPPED)
    publisher = models.CharField(max_length=200, blank=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], condition=Q(tenant__isnull=True), name="framework_unique_global_key_version"
            ),
            models.UniqueConstraint(
                fields=["tenant", "key", "version"],
                condition=Q(tenant__isnull=False),
                name="framework_unique_tenant_key_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()

    @property
    def is_custom(self) -> bool:
        return self.tenant_id is not None


class Control(BaseModel):
    """One requirement of a framework (a control, criterion, or enhancement)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="controls")
    ref = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=200, blank=True, help_text="Section heading the control sits under.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="enhancements")
    sort_key = models.CharField(max_length=200, db_index=True, editable=False)
    # Facts of the catalog customers filter on: CIS profile level and assessment status, HIPAA
    # required/addressable, CIS Controls implementation groups... (frameworks/catalogs/README.md).
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["framework", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["framework", "ref"], name="control_unique_framework_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def save(self, *args, **kwargs):
        self.sort_key = natural_key(self.ref)
        super().save(*args, **kwargs)


class ControlEquivalent(BaseModel):
    """A shipped crosswalk: ``equivalent`` (another framework's control) asks for what ``control`` asks.

    Stored in both directions, so either side finds the other with one lookup. A document filed for one
    control counts for its equivalents (evidence.selectors.control_documents).
    """

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="equivalents")
    equivalent = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["control", "equivalent"], name="control_equivalent_unique_pair")]

    def __str__(self) -> str:
        return f"{self.control_id} ≡ {self.equivalent_id}"


class ControlCheck(BaseModel):
    """Control ↔ automated check: one check serves many controls across frameworks."""

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="checks")
    check_id = models.CharField(max_length=128, db_index=True)

    class Meta:
        ordering = ["check_id"]
        constraints = [models.UniqueConstraint(fields=["control", "check_id"], name="controlcheck_unique")]

    def __str__(self) -> str:
        return f"{self.control.ref} ← {self.check_id}"


class TenantFramework(TenantScopedModel):
    """A framework activated for a tenant; scans evaluate active frameworks."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="activations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "framework"], name="tenantframework_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} → {self.framework}"


class ControlApplicability(TenantScopedModel):
    """A tenant's decision to keep a control in scope or exclude it (Statement of Applicability).

    No row means applicable. Only the current decision is stored: its history is in the audit log.
    """

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="applicability_records")
    applicable = models.BooleanField(default=True)
    justification = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "control"], name="controlapplicability_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} {self.control_id}: {'applicable' if self.applicable else 'excluded'}"


RENEWAL_DAYS_MIN = 1
RENEWAL_DAYS_MAX = 3650


class ControlEvidenceRequirement(TenantScopedModel):
    """A tenant's rule that a control needs a document, renewed every ``renewal_days`` (Vanta/Drata "policy").

    Met while at least one manual artifact linked to the control is fresh: collected within the renewal
    period and not past its own ``expires_at``.
    """

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="evidence_requirements")
    renewal_days = models.PositiveIntegerField()
    # A membership, not a user: when the owner leaves the organisation the requirement shows "no owner".
    owner = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # When the first document is due; once documents arrive, the renewal date takes over.
    due_date = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "control"], name="controlevidencerequirement_unique"),
            models.CheckConstraint(
                condition=Q(renewal_days__gte=RENEWAL_DAYS_MIN) & Q(renewal_days__lte=RENEWAL_DAYS_MAX),
                name="controlevidencerequirement_renewal_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} {self.control_id}: every {self.renewal_days} days"
