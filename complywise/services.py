"""Writes of the tenancy core: tenants, memberships, tokens, audit events."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .choices import Role
from .exceptions import FieldValidationError, NotFoundError
from .models import ApiToken, AuditEvent, Membership, Tenant

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "cw"
# last_used_at is bookkeeping, not an audit trail: write it at most this often per token.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def audit_record(
    *, tenant: Tenant, actor: AbstractBaseUser | None, action: str, target: Any = None, data: dict | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        tenant=tenant,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        data=data or {},
    )


@transaction.atomic
def tenant_create(*, name: str, slug: str, retention_days: int | None = None) -> tuple[Tenant, bool]:
    """Create a tenant, or return the one with this slug (idempotent), activating default frameworks."""
    tenant, created = Tenant.objects.get_or_create(
        slug=slug, defaults={"name": name, "retention_days": retention_days or 365}
    )
    if not created:
        changed = []
        if name and tenant.name != name:
            tenant.name = name
            changed.append("name")
        if retention_days is not None and tenant.retention_days != retention_days:
            tenant.retention_days = retention_days
            changed.append("retention_days")
        if changed:
            tenant.save(update_fields=[*changed, "updated_at"])
    if created:
        from frameworks.services import tenant_activate_default_frameworks

        tenant_activate_default_frameworks(tenant=tenant, keys=settings.DEFAULT_TENANT_FRAMEWORKS)
    return tenant, created


def user_get_or_create(*, email: str, password: str | None = None, is_staff: bool = False) -> AbstractBaseUser:
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
    if user is None:
        user = User(username=email, email=email, is_staff=is_staff)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    else:
        fields = []
        if password:
            user.set_password(password)
            fields.append("password")
        if is_staff and not user.is_staff:
            user.is_staff = True
            fields.append("is_staff")
        if fields:
            user.save(update_fields=fields)
    return user


@transaction.atomic
def membership_ensure(*, tenant: Tenant, user: AbstractBaseUser, role: str | None = None) -> Membership:
    """Return the user's membership in the tenant, creating it (default role member) or updating its role."""
    if role is not None and role not in Role.values:
        raise FieldValidationError({"role": f"Must be one of {', '.join(Role.values)}."})
    membership, created = Membership.objects.get_or_create(
        tenant=tenant, user=user, defaults={"role": role or Role.MEMBER}
    )
    if not created and role and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored


@transaction.atomic
def api_token_create(
    *, membership: Membership, name: str, expires_days: int | None = None, actor: AbstractBaseUser | None = None
) -> IssuedToken:
    if expires_days is not None and expires_days <= 0:
        raise FieldValidationError({"expires_days": "Must be a positive number of days."})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        tenant=membership.tenant,
        membership=membership,
        name=name[:100] or "token",
        prefix=prefix,
        digest=token_digest(raw),
        expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
    )
    audit_record(tenant=membership.tenant, actor=actor, action="token.created", target=token, data={"name": name})
    return IssuedToken(token=token, secret=raw)


def api_token_revoke(*, token: ApiToken, actor: AbstractBaseUser | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(tenant=token.tenant, actor=actor, action="token.revoked", target=token)
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token matching this secret, or None; records when it was last used."""
    if not raw.startswith(f"{TOKEN_PREFIX}_") or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("membership__user", "membership__tenant")
        .filter(digest=token_digest(raw))
        .first()
    )
    if token is None or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tenant_get_by_slug(*, slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise NotFoundError(f"No tenant with slug '{slug}'.")
    return tenant


@transaction.atomic
def tenant_update_settings(*, tenant: Tenant, retention_days: int, actor: AbstractBaseUser | None = None) -> Tenant:
    if retention_days < 1 or retention_days > 3650 * 3:
        raise FieldValidationError({"retention_days": "Must be between 1 and 10950 days."})
    tenant.retention_days = retention_days
    tenant.save(update_fields=["retention_days", "updated_at"])
    audit_record(tenant=tenant, actor=actor, action="tenant.settings_updated", data={"retention_days": retention_days})
    return tenant
