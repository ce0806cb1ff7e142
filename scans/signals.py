"""Events of the scans app that apps above it react to (notifications), so scans never imports them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent after the commit that finished a scan (completed or failed), with ``scan_job_id`` and ``tenant_id``.
scan_finished = Signal()


def announce_finished(*, scan_job_ids: Iterable[Any], tenant_ids: Iterable[Any]) -> None:
    """Send ``scan_finished`` for each job once the current transaction commits.

    Receivers cannot undo or fail the scan: their errors are logged, never raised into the scan's code path.
    """
    pairs = [(str(job_id), str(tenant_id)) for job_id, tenant_id in zip(scan_job_ids, tenant_ids, strict=True)]

    def send() -> None:
        for job_id, tenant_id in pairs:
            for receiver, result in scan_finished.send_robust(sender=None, scan_job_id=job_id, tenant_id=tenant_id):
                if isinstance(result, Exception):
                    logger.error(
                        "scan_finished receiver failed",
                        exc_info=result,
                        extra={"scan_job_id": job_id, "receiver": getattr(receiver, "__qualname__", str(receiver))},
                    )

    if pairs:
        transaction.on_commit(send)
