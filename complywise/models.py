"""The tenancy core: tenants, memberships, API tokens, and the base of every tenant-owned row."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import Role


class BaseModel(models.Model):
    """UUID primary key and timestamps for every ComplyWise table."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Tenant(BaseModel):
    """A customer company; every piece of customer data belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    retention_days = models.PositiveIntegerField(default=365)
    # Members without a confirmed second factor are sent to enrol before any page or
    # API call made with a browser session.
    require_mfa = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant | uuid.UUID | str) -> Self:
        tenant_id = tenant.pk if isinstance(tenant, Tenant) else tenant
        return self.filter(tenant_id=tenant_id)


class TenantScopedModel(BaseModel):
    """Base of every tenant-owned model: queries go through ``objects.for_tenant()``."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(BaseModel):
    """A user's role in one tenant."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]
        ordering = ["tenant__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"


class ApiTokenQuerySet(TenantQuerySet):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


if TYPE_CHECKING:
    # Names the manager class ``as_manager()`` builds, so the override of ``objects`` can be declared.
    _ApiTokenManager = models.Manager.from_queryset(ApiTokenQuerySet)


class ApiToken(TenantScopedModel):
    """A bearer credential bound to one membership; only its SHA-256 digest is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The last few client addresses the token was used from, newest first (bounded): a use from
    # any other address is audited as ``token.used_from_new_ip``.
    recent_ips = models.JSONField(default=list, blank=True)

    objects: ClassVar[_ApiTokenManager[ApiToken]] = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="apitoken_tenant_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class AuditLogAppendOnlyError(Exception):
    """An attempt to change or delete an audit event outside the retention purge (a programming error)."""


class AuditEventQuerySet(TenantQuerySet):
    """Audit events are only ever inserted: bulk updates and deletes refuse (the retention purge aside)."""

    def update(self, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogAppendOnlyError("Audit events cannot be deleted; they expire with the tenant's retention.")

    def purge_delete(self) -> int:
        # Only complywise.audit.audit_events_purge_expired and tenant_delete call this, inside a
        # transaction that told the PostgreSQL trigger a purge is under way.
        return models.QuerySet.delete(self)[0]


if TYPE_CHECKING:
    _AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


class AuditEvent(TenantScopedModel):
    """An append-only record of a security-relevant action in a tenant.

    Rows are never updated or deleted by the application (save, update and delete refuse); on
    PostgreSQL a trigger refuses UPDATE and DELETE too unless the retention purge flagged its
    transaction. The one update it lets through is the actor going to NULL when a user is deleted:
    ``actor_email`` keeps who it was.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects: ClassVar[_AuditEventManager[AuditEvent]] = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="auditevent_tenant_created"),
            models.Index(fields=["tenant", "action", "-created_at"], name="auditevent_tenant_action"),
            models.Index(fields=["tenant", "target_type", "target_id"], name="auditevent_tenant_target"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be deleted; they expire with the tenant's retention.")


class Invitation(TenantScopedModel):
    """An offer to join a tenant with a role; only the SHA-256 digest of its link's secret is stored."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="invitation_tenant_created")]

    def __str__(self) -> str:
        return f"{self.email} → {self.tenant_id} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
