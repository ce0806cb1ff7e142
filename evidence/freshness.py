"""How fresh a document is: the renewal period of a control's requirement and the document's own expiry.

Pure functions, no database: the scan roll-up, the live posture and the pages all call these, so a
document is ``expiring`` or ``expired`` at the same instant everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .choices import EvidenceState, Freshness

# A document is "expiring" this long before it stops counting: enough time to renew it before the audit.
EXPIRING_WITHIN = timedelta(days=30)


def valid_until(*, collected_at: datetime, expires_at: datetime | None, renewal_days: int | None) -> datetime | None:
    """When the document stops counting for a control: the earlier of its own expiry and its renewal date.

    None means it never goes stale (no expiry and no renewal period).
    """
    limits = [limit for limit in (expires_at,) if limit is not None]
    if renewal_days:
        limits.append(collected_at + timedelta(days=renewal_days))
    return min(limits) if limits else None


def freshness(until: datetime | None, *, now: datetime) -> Freshness:
    if until is not None and until <= now:
        return Freshness.EXPIRED
    if until is not None and until <= now + EXPIRING_WITHIN:
        return Freshness.EXPIRING
    return Freshness.FRESH


def evidence_state(*, required: bool, best_until: datetime | None, has_documents: bool, now: datetime) -> EvidenceState:
    """A control's standing on documents, decided by its freshest linked document."""
    if not required:
        return EvidenceState.NOT_REQUIRED
    if not has_documents:
        return EvidenceState.MISSING
    return EvidenceState(str(freshness(best_until, now=now)))
