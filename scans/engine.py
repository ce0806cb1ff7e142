"""The scan engine: start a job, run one integration's checks, hand the finished job to the roll-up (rollup.py).

Fan-out is coordinated through the database rather than a Celery chord: each
integration's task marks its ScanPart finished and the last one to finish enqueues the
roll-up. That needs no result backend, works with every broker (the embedded
filesystem one included) and survives redelivery, because every step is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from complywise.celery import BROKER_ERRORS
from complywise.models import Tenant
from integrations import registry
from integrations.models import Integration
from integrations.selectors import integrations_for_scan
from integrations.services import integration_connector

from .choices import PartStatus, ScanStatus
from .models import CheckOutcome, ScanJob, ScanPart
from .rollup import scan_finalize

logger = logging.getLogger(__name__)

OUTCOME_BATCH_SIZE = 1000


def _enqueue_parts(part_ids: list[str]) -> None:
    from .tasks import scan_run_integration  # noqa: PLC0415 - tasks import this module

    for part_id in part_ids:
        scan_run_integration.delay(part_id)


def _enqueue_finalize(scan_job_id: str) -> None:
    from .tasks import scan_finalize  # noqa: PLC0415 - tasks import this module

    scan_finalize.delay(scan_job_id)


def _finalize_soon(scan_job_id: str) -> None:
    """Enqueue the roll-up; if the broker is down, roll up here rather than leave the job at 90 %."""
    try:
        _enqueue_finalize(scan_job_id)
    except BROKER_ERRORS as exc:
        logger.warning(
            "roll-up not enqueued (broker unreachable); rolling up in this worker",
            extra={"scan_job_id": scan_job_id, "error": type(exc).__name__},
        )
        scan_finalize(scan_job_id=scan_job_id)


def _enqueue_parts_or_log(scan_job_id: str, part_ids: list[str]) -> None:
    try:
        _enqueue_parts(part_ids)
    except BROKER_ERRORS as exc:
        # The parts stay pending; the reaper fails them with a reason once the job stalls.
        logger.error(
            "scan parts not enqueued (broker unreachable)",
            extra={"scan_job_id": scan_job_id, "error": type(exc).__name__},
        )


def _defer_start(scan_job_id: str) -> None:
    from .tasks import scan_run  # noqa: PLC0415 - tasks import this module

    scan_run.apply_async(args=[scan_job_id], countdown=settings.SCAN_FAIR_SHARE_RETRY_SECONDS)


def _tenant_at_running_cap(job: ScanJob) -> bool:
    """Fair share: whether the tenant already runs its quota of scans (decided under a lock on the tenant row)."""
    if current_app.conf.task_always_eager:
        return False  # eager mode has no queue to wait in: the scan runs now
    # Taken after the job's lock, the order the roll-up takes them too (job, then the tenant's evidence chain).
    list(Tenant.objects.select_for_update(no_key=True).filter(pk=job.tenant_id).values_list("pk", flat=True))
    running = ScanJob.objects.for_tenant(job.tenant_id).filter(status=ScanStatus.RUNNING).exclude(pk=job.pk).count()
    return running >= settings.TENANT_MAX_RUNNING_SCANS


def scan_start(*, scan_job_id: str) -> None:
    """Mark the job running, create one part per integration in scope, and fan the parts out."""
    with transaction.atomic():
        job = ScanJob.objects.select_for_update(of=("self",)).select_related("tenant").filter(pk=scan_job_id).first()
        if job is None or job.is_finished:
            return
        now = timezone.now()
        if job.status == ScanStatus.QUEUED and _tenant_at_running_cap(job):
            # Wait behind the tenant's running scans, at the back of the queue, so other tenants get a turn.
            logger.info("scan deferred: tenant at its running-scan cap", extra={"scan_job_id": str(job.pk)})
            transaction.on_commit(lambda: _defer_start(str(job.pk)))
            return
        if job.status == ScanStatus.QUEUED:
            job.status = ScanStatus.RUNNING
            job.started_at = now
            job.progress = 1
            job.progress_at = now
            job.save(update_fields=["status", "started_at", "progress", "progress_at", "updated_at"])
            for integration in integrations_for_scan(tenant=job.tenant, types=job.integration_types or None):
                ScanPart.objects.get_or_create(
                    tenant_id=job.tenant_id,
                    scan_job=job,
                    integration=integration,
                    defaults={"integration_type": integration.type, "integration_name": integration.name},
                )
        # On redelivery of a running job, parts not yet finished are enqueued again; each is idempotent.
        pending = [
            str(pk)
            for pk in job.parts.exclude(status__in=[PartStatus.DONE, PartStatus.FAILED]).values_list("pk", flat=True)
        ]
        if pending:
            transaction.on_commit(lambda: _enqueue_parts_or_log(str(job.pk), pending))
        else:
            # No integration in scope (or every part already finished): roll up straight away.
            transaction.on_commit(lambda: _finalize_soon(str(job.pk)))


def _outcome_rows(
    *, part: ScanPart, integration: Integration | None, checks: list[registry.Check], inventory: registry.Inventory
) -> Iterator[CheckOutcome]:
    for check in checks:
        for outcome in check.run(inventory):
            yield CheckOutcome(
                tenant_id=part.tenant_id,
                scan_job_id=part.scan_job_id,
                integration=integration,
                check_id=check.id,
                resource_id=outcome.resource_id[:512],
                resource_type=outcome.resource_type[:128],
                region=outcome.region[:64],
                status=str(outcome.status),
                severity=str(check.severity),
                reason=outcome.reason,
                detail=outcome.observed,
            )


def _batched(rows: Iterable[CheckOutcome], size: int) -> Iterator[list[CheckOutcome]]:
    batch: list[CheckOutcome] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _touch_progress(*, scan_job_id: Any) -> None:
    """Recompute progress from finished parts (the roll-up is the last 10%)."""
    parts = ScanPart.objects.filter(scan_job_id=scan_job_id).values("status").annotate(n=Count("id"))
    total = sum(p["n"] for p in parts) or 1
    finished = sum(p["n"] for p in parts if p["status"] in (PartStatus.DONE, PartStatus.FAILED))
    progress = 1 + int(89 * finished / total)
    ScanJob.objects.filter(pk=scan_job_id, status=ScanStatus.RUNNING).update(
        progress=progress, progress_at=timezone.now()
    )


def scan_part_run(*, part_id: str) -> None:
    """Collect one integration's inventory once, evaluate its checks, and store the outcomes."""
    part = ScanPart.objects.select_related("integration", "scan_job").filter(pk=part_id).first()
    if part is None or part.status in (PartStatus.DONE, PartStatus.FAILED) or part.scan_job.is_finished:
        return
    ScanPart.objects.filter(pk=part.pk).update(status=PartStatus.RUNNING, started_at=timezone.now())
    ScanJob.objects.filter(pk=part.scan_job_id).update(progress_at=timezone.now())
    integration = part.integration
    checks = registry.all_checks(part.integration_type)
    try:
        if integration is None:
            raise RuntimeError("the integration was deleted while the scan ran")
        connector = integration_connector(integration=integration)
        services = {s for check in checks for s in check.services}
        inventory = connector.collect(services)
    except Exception as exc:  # noqa: BLE001 - any connector failure must become error outcomes, not a stuck scan
        logger.warning("integration collection failed", extra={"part_id": str(part.pk), "error": type(exc).__name__})
        inventory = registry.Inventory(integration_type=part.integration_type, account_id=part.integration_name)
        message = f"collection failed: {exc}"
        for check in checks:
            for service in check.services:
                inventory.errors[service] = message
    _store_outcomes(part=part, integration=integration, checks=checks, inventory=inventory)


def _store_outcomes(
    *, part: ScanPart, integration: Integration | None, checks: list[registry.Check], inventory: registry.Inventory
) -> None:
    errors = "; ".join(f"{s}: {m}" for s, m in sorted(inventory.errors.items()))
    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=part.scan_job_id)
        if job.status != ScanStatus.RUNNING:
            return  # cancelled or reaped meanwhile: write nothing
        # Delete-then-insert in one transaction: a redelivered task replaces, never duplicates.
        CheckOutcome.objects.filter(scan_job_id=part.scan_job_id, integration=integration).delete()
        count = 0
        for batch in _batched(
            _outcome_rows(part=part, integration=integration, checks=checks, inventory=inventory),
            OUTCOME_BATCH_SIZE,
        ):
            CheckOutcome.objects.bulk_create(batch)
            count += len(batch)
        # Collection that failed for every service means this integration was not scanned at all.
        collected_nothing = bool(inventory.errors) and not inventory.data
        ScanPart.objects.filter(pk=part.pk).update(
            status=PartStatus.FAILED if collected_nothing else PartStatus.DONE,
            outcome_count=count,
            completed_at=timezone.now(),
            error=errors[:5000],
        )
        remaining = job.parts.exclude(status__in=[PartStatus.DONE, PartStatus.FAILED]).exclude(pk=part.pk).exists()
        _touch_progress(scan_job_id=job.pk)
        if not remaining:
            transaction.on_commit(lambda: _finalize_soon(str(job.pk)))
    logger.info("scan part stored", extra={"part_id": str(part.pk), "outcomes": count})
