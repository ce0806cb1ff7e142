"""Who has access to each integration: the per-scan account snapshot and access-review revocations.

The scan engine calls :func:`revocations_pending` before an integration's checks run (the revocation check
reads it from ``Inventory.context``) and :func:`accounts_refresh` once its outcomes are written, in the same
transaction, so a redelivered scan task lands on the same state. Access reviews read the snapshot through
:func:`accounts_present` and record their revocations with :func:`accounts_revoke`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from complywise.models import Tenant

from .models import Integration, IntegrationAccount
from .registry import Account

_FIELDS = (
    "name",
    "kind",
    "email",
    "privileges",
    "admin",
    "active",
    "last_activity_at",
    "created_in_provider_at",
    "removed_at",
)
_REVOCATION_FIELDS = (
    "revocation_requested_at",
    "revocation_reason",
    "revocation_by",
    "revocation_verified_at",
    "revocation_verified_scan_id",
)
_BATCH = 1000


def _values(account: Account) -> dict[str, Any]:
    return {
        "name": account.name[:300],
        "kind": str(account.kind),
        "email": account.email[:320],
        "privileges": sorted(account.privileges),
        "admin": account.admin,
        "active": account.active,
        "last_activity_at": account.last_activity,
        "created_in_provider_at": account.created,
    }


def revocations_pending(*, integration: Integration, scan_job_id: Any) -> list[dict[str, str]]:
    """The accounts of this integration an access review revoked and no scan has yet found gone.

    A revocation this very scan verified stays in the list, so a redelivered task judges it the same way.
    """
    rows = IntegrationAccount.objects.filter(
        tenant_id=integration.tenant_id, integration=integration, revocation_requested_at__isnull=False
    ).filter(Q(revocation_verified_scan_id__isnull=True) | Q(revocation_verified_scan_id=scan_job_id))
    return [
        {
            "id": row.external_id,
            "name": row.name,
            "reason": row.revocation_reason,
            "revoked_by": row.revocation_by,
            "revoked_at": row.revocation_requested_at.isoformat() if row.revocation_requested_at else "",
        }
        for row in rows.order_by("external_id")
    ]


def accounts_refresh(
    *, integration: Integration, accounts: Iterable[Account], seen_at: datetime, scan_job_id: Any
) -> dict[str, int]:
    """Bring the integration's snapshot up to what this scan saw; returns counts (added, updated, removed).

    A revoked account that is gone, or still there but no longer able to sign in, is marked verified by this
    scan; one that comes back after that is a new grant, so its old revocation is cleared.
    """
    existing = {
        row.external_id: row
        for row in IntegrationAccount.objects.filter(tenant_id=integration.tenant_id, integration=integration)
    }
    new: list[IntegrationAccount] = []
    changed: list[IntegrationAccount] = []
    seen: set[str] = set()
    for account in accounts:
        if account.id in seen:
            continue
        seen.add(account.id)
        row = existing.get(account.id)
        if row is None:
            new.append(
                IntegrationAccount(
                    tenant_id=integration.tenant_id,
                    integration=integration,
                    external_id=account.id[:500],
                    first_seen_at=seen_at,
                    last_seen_at=seen_at,
                    **_values(account),
                )
            )
            continue
        values = _values(account)
        dirty = row.removed_at is not None or any(getattr(row, f) != v for f, v in values.items())
        if row.removed_at is not None and row.revocation_verified_at is not None:
            for field in _REVOCATION_FIELDS:
                setattr(row, field, None if field.endswith(("_at", "_id")) else "")
        for field, value in values.items():
            setattr(row, field, value)
        row.removed_at = None
        dirty = _verify(row, gone=not account.active, seen_at=seen_at, scan_job_id=scan_job_id) or dirty
        if dirty:
            changed.append(row)
    removed = 0
    for external_id, row in existing.items():
        if external_id in seen or row.removed_at is not None:
            continue
        row.removed_at = seen_at
        _verify(row, gone=True, seen_at=seen_at, scan_job_id=scan_job_id)
        changed.append(row)
        removed += 1
    IntegrationAccount.objects.bulk_create(new, batch_size=_BATCH)
    # Only rows that changed are rewritten (most accounts are the same scan after scan); "seen now" is one UPDATE.
    IntegrationAccount.objects.bulk_update(changed, [*_FIELDS, *_REVOCATION_FIELDS], batch_size=_BATCH)
    IntegrationAccount.objects.filter(
        tenant_id=integration.tenant_id, integration=integration, removed_at__isnull=True
    ).update(last_seen_at=seen_at)
    return {"added": len(new), "updated": len(changed) - removed, "removed": removed}


def _verify(row: IntegrationAccount, *, gone: bool, seen_at: datetime, scan_job_id: Any) -> bool:
    """Mark a revoked account verified gone by this scan; True when that changed the row."""
    if gone and row.revocation_requested_at is not None and row.revocation_verified_at is None:
        row.revocation_verified_at = seen_at
        row.revocation_verified_scan_id = scan_job_id
        return True
    return False


def accounts_present(*, tenant: Tenant | Any, integration: Integration) -> QuerySet[IntegrationAccount]:
    """The integration's accounts as the latest scan saw them (removed ones left out)."""
    return IntegrationAccount.objects.filter(
        tenant_id=getattr(tenant, "pk", tenant), integration=integration, removed_at__isnull=True
    ).order_by("kind", "name", "external_id")


def accounts_revoke(
    *, tenant: Tenant | Any, account_ids: Iterable[Any], reason: str, revoked_by: str, revoked_at: datetime
) -> int:
    """Record that an access review revoked these accounts: the next scan checks they are gone."""
    return IntegrationAccount.objects.filter(tenant_id=getattr(tenant, "pk", tenant), pk__in=list(account_ids)).update(
        revocation_requested_at=revoked_at,
        revocation_reason=reason[:500],
        revocation_by=revoked_by[:254],
        revocation_verified_at=None,
        revocation_verified_scan_id=None,
    )
