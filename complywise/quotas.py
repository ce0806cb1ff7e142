"""Per-tenant caps on pending background work (scans, exports): one rule, one answer."""

from __future__ import annotations

from django.db.models import QuerySet

from .exceptions import TooManyRequestsError

# Pending work usually finishes within a scan's or an export's first seconds; clients come back then.
QUOTA_RETRY_AFTER_SECONDS = 30


def quota_check(*, pending: QuerySet, limit: int, what: str) -> None:
    """429 once ``pending`` (the tenant's queued-or-running rows) reaches ``limit``; call under the tenant lock."""
    count = pending.count()
    if count >= limit:
        raise TooManyRequestsError(
            f"This tenant already has {count} {what} (the limit is {limit}); try again when one has finished.",
            retry_after=QUOTA_RETRY_AFTER_SECONDS,
            extra={"limit": limit, "pending": count},
        )
