"""The audit log beyond recording (``complywise.services.audit_record``): reading it, retention, and the two ways
rows may leave an append-only table.

Audit events are never updated or deleted by the application. They leave only

- through ``audit_events_purge_expired``, the retention purge (called by ``scans_purge_expired``), and
- with their tenant: deleting a Tenant row (any way the ORM does it) flags its transaction in ``pre_delete``.

On PostgreSQL the trigger of migration 0003 enforces this: UPDATE and DELETE of ``complywise_auditevent`` fail
unless the transaction set ``complywise.audit_purge`` (transaction-local, so it cannot leak to the next one).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from . import rls
from .choices import Role
from .models import ApiToken, AuditEvent, Tenant
from .services import audit_record

logger = logging.getLogger(__name__)

# Who may read the audit log (API and page): admins, and auditors, whose job it is.
AUDIT_LOG_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
PURGE_SETTING = "complywise.audit_purge"
PURGE_BATCH = 5000
# How many distinct client addresses each API token remembers; a use from any other one is audited.
TOKEN_RECENT_IPS = 20


# --- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # an email, or a user id
    action: str = ""  # exact, or a prefix when it ends with "." or "*" ("integration." / "integration*")
    target_type: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _actor_condition(actor: str) -> Q:
    actor = actor.strip()
    try:
        user_id = get_user_model()._meta.pk.to_python(actor)
    except ValidationError:
        user_id = None
    by_email = Q(actor_email__iexact=actor)
    return by_email | Q(actor_id=user_id) if user_id is not None else by_email


def audit_events(*, tenant: Tenant, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The tenant's audit events matching ``filters``, newest first (a stable order for pagination)."""
    filters = filters or AuditFilters()
    events = AuditEvent.objects.for_tenant(tenant)
    if filters.actor:
        events = events.filter(_actor_condition(filters.actor))
    if filters.action:
        action = filters.action.strip()
        if action.endswith(("*", ".")):
            events = events.filter(action__startswith=action.rstrip("*"))
        else:
            events = events.filter(action=action)
    if filters.target_type:
        events = events.filter(target_type__iexact=filters.target_type.strip())
    if filters.target_id:
        events = events.filter(target_id=filters.target_id.strip())
    if filters.since is not None:
        events = events.filter(created_at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(created_at__lte=filters.until)
    return events.order_by("-created_at", "-id")


def audit_event_summary(event: AuditEvent) -> str:
    """Who acted, for people: the actor's email; for a failed login the name that was tried; else "system"."""
    if event.actor_email:
        return event.actor_email
    tried = (event.data or {}).get("username") if isinstance(event.data, dict) else None
    if tried:
        return f"{tried} (not signed in)"
    return "system"


# --- leaving the append-only table ------------------------------------------------------------------------


def _set_purge_flag(on: bool, *, using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return  # no trigger there: the model and queryset refusals are the wall
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, "on" if on else ""])


@contextmanager
def _purge_allowed(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside one transaction: lets the trigger accept the deletes of this block, and only those."""
    with transaction.atomic(using=using):
        _set_purge_flag(True, using=using)
        yield
        _set_purge_flag(False, using=using)


def audit_events_expired(*, tenant: Tenant, now: datetime | None = None) -> QuerySet[AuditEvent]:
    cutoff = (now or timezone.now()) - timedelta(days=tenant.retention_days)
    return AuditEvent.objects.for_tenant(tenant).filter(created_at__lt=cutoff)


def audit_events_purge_expired(*, tenant: Tenant, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete the tenant's audit events older than its retention period, in batches; the purge is itself audited."""
    now = now or timezone.now()
    with rls.tenant_scope(tenant.pk):
        expired = audit_events_expired(tenant=tenant, now=now)
        if dry_run:
            return expired.count()
        deleted = 0
        while True:
            batch = list(expired.order_by("created_at").values_list("pk", flat=True)[:PURGE_BATCH])
            if not batch:
                break
            with _purge_allowed():
                deleted += AuditEvent.objects.for_tenant(tenant).filter(pk__in=batch).purge_delete()
        if deleted:
            cutoff = now - timedelta(days=tenant.retention_days)
            audit_record(
                tenant=tenant,
                actor=None,
                action="audit.purged",
                data={"count": deleted, "older_than": cutoff.isoformat(), "retention_days": tenant.retention_days},
            )
            logger.info("audit events purged", extra={"tenant_id": str(tenant.pk), "count": deleted})
    return deleted


@receiver(pre_delete, sender=Tenant, dispatch_uid="complywise.audit.tenant_pre_delete")
def _tenant_pre_delete(sender: type, instance: Tenant, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    # A tenant's deletion takes its audit log along (the collector deletes children first, inside the
    # transaction this signal runs in); the flag is turned off again in post_delete.
    _set_purge_flag(True, using=using)


@receiver(post_delete, sender=Tenant, dispatch_uid="complywise.audit.tenant_post_delete")
def _tenant_post_delete(sender: type, instance: Tenant, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    _set_purge_flag(False, using=using)


# --- API tokens used from new addresses ------------------------------------------------------------------


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def api_token_note_client_ip(*, token: ApiToken, ip_address: str | None) -> bool:
    """Remember the address a token was used from; a first use from an address is audited. True when new.

    A known address costs no query. The token keeps its last ``TOKEN_RECENT_IPS`` new addresses (first seen,
    first forgotten), so a token rotating through more than that many is audited again on each return.
    """
    ip = _valid_ip(ip_address)
    if ip is None or ip in (token.recent_ips or []):
        return False
    with rls.tenant_scope(token.tenant_id), transaction.atomic():
        # Under the row lock, so two first requests from one address at once record it once.
        current = ApiToken.objects.select_for_update().filter(pk=token.pk).values_list("recent_ips", flat=True).first()
        if current is None:
            return False
        current = list(current or [])
        if ip in current:
            token.recent_ips = current
            return False
        recent = [ip, *current][:TOKEN_RECENT_IPS]
        ApiToken.objects.filter(pk=token.pk).update(recent_ips=recent)
        token.recent_ips = recent
        audit_record(
            tenant=token.membership.tenant,
            actor=token.membership.user,
            action="token.used_from_new_ip",
            target=token,
            data={"ip": ip, "token": token.name, "prefix": token.prefix, "first_use": not current},
        )
    logger.info(
        "api token used from a new address", extra={"token_id": str(token.pk), "ip": ip, "first_use": not current}
    )
    return True
