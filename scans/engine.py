"""The scan engine: start a job, run one integration's checks, hand the finished job to the roll-up (rollup.py).

Fan-out is coordinated through the database rather than a Celery chord: each
integration's task marks its ScanPart finished and the last one to finish enqueues the
roll-up.  An integration whose connector plans several collection units (AWS: one per
region, and the heavy global services apart) fans out once more: each unit is a task of
its own on the ``collect`` queue, stores its partial inventory on its ScanUnit, and the
last unit to finish enqueues the part's evaluation, which merges them and runs the checks.
That needs no result backend, works with every broker (the embedded filesystem one
included) and survives redelivery, because every step is idempotent.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
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
from integrations.accounts import accounts_refresh, revocations_pending
from integrations.models import Integration
from integrations.selectors import integrations_for_scan
from integrations.services import integration_connector

from .choices import PartStatus, ScanStatus
from .models import CheckOutcome, ScanJob, ScanPart, ScanUnit
from .outcome_writes import outcomes_write
from .rollup import scan_finalize

logger = logging.getLogger(__name__)


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
    *,
    part: ScanPart,
    integration: Integration | None,
    checks: list[registry.Check],
    inventory: registry.Inventory,
    clock: dict[str, float],
) -> Iterator[CheckOutcome]:
    for check in checks:
        started = time.monotonic()
        outcomes = check.run(inventory)
        clock["evaluate"] += time.monotonic() - started
        for outcome in outcomes:
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


def _touch_progress(*, scan_job_id: Any) -> None:
    """Recompute progress from finished parts and, within running parts, finished units (roll-up: the last 10%)."""
    finished_part = (PartStatus.DONE, PartStatus.FAILED)
    parts = dict(ScanPart.objects.filter(scan_job_id=scan_job_id).values_list("pk", "status"))
    units: dict[Any, list[int]] = {}
    for part_id, status, n in (
        ScanUnit.objects.filter(part__scan_job_id=scan_job_id)
        .values_list("part_id", "status")
        .annotate(n=Count("id"))
        .values_list("part_id", "status", "n")
    ):
        done_total = units.setdefault(part_id, [0, 0])
        done_total[1] += n
        done_total[0] += n if status in finished_part else 0
    done = 0.0
    for part_id, status in parts.items():
        if status in finished_part:
            done += 1
        elif part_id in units:
            # Collection is most of a part's time; its evaluation the rest.
            done += 0.9 * units[part_id][0] / units[part_id][1]
    progress = 1 + int(89 * done / (len(parts) or 1))
    ScanJob.objects.filter(pk=scan_job_id, status=ScanStatus.RUNNING).update(
        progress=progress, progress_at=timezone.now()
    )


def _failed_inventory(part: ScanPart, services: Iterable[str], message: str, region: str = "") -> registry.Inventory:
    inventory = registry.Inventory(integration_type=part.integration_type, account_id=part.integration_name)
    for service in services:
        if region:
            inventory.region_errors.setdefault(service, {})[region] = message
        else:
            inventory.errors[service] = message
    return inventory


def scan_part_run(*, part_id: str) -> None:
    """Plan one integration's collection: collect it here when it is one unit, else fan its units out."""
    part = ScanPart.objects.select_related("integration", "scan_job").filter(pk=part_id).first()
    if part is None or part.status in (PartStatus.DONE, PartStatus.FAILED) or part.scan_job.is_finished:
        return
    started = time.monotonic()
    ScanPart.objects.filter(pk=part.pk).update(status=PartStatus.RUNNING, started_at=timezone.now())
    ScanJob.objects.filter(pk=part.scan_job_id).update(progress_at=timezone.now())
    integration = part.integration
    checks = registry.all_checks(part.integration_type)
    services = {s for check in checks for s in check.services}
    # The access-review account list may read services no check needs (e.g. group memberships).
    source = registry.account_source(part.integration_type)
    services |= set(source.collected) if source is not None else set()
    try:
        if integration is None:
            raise RuntimeError("the integration was deleted while the scan ran")
        connector = integration_connector(integration=integration)
        units = registry.collection_plan(connector, services)
        if len(units) > 1:
            _fan_out_units(part=part, units=units)
            return
        inventory = registry.collect_unit(connector, units[0]) if units else registry.Inventory(part.integration_type)
        inventory.settle()
    except Exception as exc:  # noqa: BLE001 - any connector failure must become error outcomes, not a stuck scan
        logger.warning("integration collection failed", extra={"part_id": str(part.pk), "error": type(exc).__name__})
        inventory = _failed_inventory(part, services, f"collection failed: {exc}")
    _store_outcomes(
        part=part,
        integration=integration,
        checks=checks,
        inventory=inventory,
        collect_seconds=time.monotonic() - started,
    )


def _fan_out_units(*, part: ScanPart, units: list[registry.CollectionUnit]) -> None:
    with transaction.atomic():
        for unit in units:
            ScanUnit.objects.get_or_create(
                tenant_id=part.tenant_id,
                part=part,
                key=unit.key,
                defaults={
                    "region": unit.region,
                    "services": list(unit.services),
                    "shard": unit.shard,
                    "shards": unit.shards,
                },
            )
        # On redelivery only the units not yet finished go out again (each is idempotent), and those whose
        # inventory is gone because an earlier evaluation of this part already used it.
        ScanUnit.objects.filter(
            part=part, payload__isnull=True, status__in=[PartStatus.DONE, PartStatus.FAILED]
        ).update(status=PartStatus.PENDING, error="")
        pending = [
            str(pk)
            for pk in ScanUnit.objects.filter(part=part)
            .exclude(status__in=[PartStatus.DONE, PartStatus.FAILED])
            .values_list("pk", flat=True)
        ]
        if pending:
            transaction.on_commit(lambda: _enqueue_units_or_log(str(part.pk), pending))
        else:
            transaction.on_commit(lambda: _evaluate_soon(str(part.pk)))
    logger.info("scan part fanned out", extra={"part_id": str(part.pk), "units": len(units)})


def _enqueue_units_or_log(part_id: str, unit_ids: list[str]) -> None:
    from .tasks import scan_collect_unit  # noqa: PLC0415 - tasks import this module

    try:
        for unit_id in unit_ids:
            scan_collect_unit.delay(unit_id)
    except BROKER_ERRORS as exc:
        # The units stay pending; the reaper settles the part once the job stalls.
        logger.error(
            "collection units not enqueued (broker unreachable)",
            extra={"part_id": part_id, "error": type(exc).__name__},
        )


def _evaluate_soon(part_id: str) -> None:
    """Enqueue the part's evaluation; if the broker is down, evaluate here rather than leave the part hanging."""
    from .tasks import scan_evaluate_part  # noqa: PLC0415 - tasks import this module

    try:
        scan_evaluate_part.delay(part_id)
    except BROKER_ERRORS as exc:
        logger.warning(
            "evaluation not enqueued (broker unreachable); evaluating in this worker",
            extra={"part_id": part_id, "error": type(exc).__name__},
        )
        scan_part_evaluate(part_id=part_id)


def scan_unit_run(*, unit_id: str) -> None:
    """Collect one unit and keep its partial inventory; the last unit of a part hands the part to evaluation."""
    unit = ScanUnit.objects.select_related("part__integration", "part__scan_job").filter(pk=unit_id).first()
    if unit is None or unit.status in (PartStatus.DONE, PartStatus.FAILED) or unit.part.scan_job.is_finished:
        return
    part = unit.part
    ScanUnit.objects.filter(pk=unit.pk).update(status=PartStatus.RUNNING, started_at=timezone.now())
    plan = registry.CollectionUnit(
        key=unit.key, services=tuple(unit.services), region=unit.region, shard=unit.shard, shards=unit.shards
    )
    try:
        if part.integration is None:
            raise RuntimeError("the integration was deleted while the scan ran")
        inventory = registry.collect_unit(integration_connector(integration=part.integration), plan)
        raw = json.dumps(inventory.to_json(), separators=(",", ":")).encode()
    except Exception as exc:  # noqa: BLE001 - a failed unit errors its own services in its own region only
        logger.warning(
            "collection unit failed", extra={"unit": unit.key, "part_id": str(part.pk), "error": type(exc).__name__}
        )
        inventory = _failed_inventory(part, unit.services, f"collection failed: {exc}", unit.region)
        raw = json.dumps(inventory.to_json(), separators=(",", ":")).encode()
    collected_nothing = not inventory.data
    with transaction.atomic():
        # The part's row is the fan-in lock: exactly one unit sees the others all finished.
        ScanPart.objects.select_for_update().filter(pk=part.pk).first()
        if (
            not ScanUnit.objects.filter(pk=unit.pk)
            .exclude(status__in=[PartStatus.DONE, PartStatus.FAILED])
            .update(
                status=PartStatus.FAILED if collected_nothing else PartStatus.DONE,
                payload=zlib.compress(raw, 3),
                payload_bytes=len(raw),
                completed_at=timezone.now(),
                error=_errors_text(inventory)[:5000],
            )
        ):
            return  # a redelivered copy finished it first
        remaining = ScanUnit.objects.filter(part=part).exclude(status__in=[PartStatus.DONE, PartStatus.FAILED]).exists()
        _touch_progress(scan_job_id=part.scan_job_id)
        if not remaining:
            transaction.on_commit(lambda: _evaluate_soon(str(part.pk)))
    logger.info("collection unit stored", extra={"unit": unit.key, "part_id": str(part.pk), "bytes": len(raw)})


def _errors_text(inventory: registry.Inventory) -> str:
    parts = [f"{s}: {m}" for s, m in sorted(inventory.errors.items())]
    parts += [f"{s} in {r}: {m}" for s, by in sorted(inventory.region_errors.items()) for r, m in sorted(by.items())]
    return "; ".join(parts)


def part_inventory(*, part: ScanPart) -> tuple[registry.Inventory, float]:
    """The merged inventory of a part's units, and the wall time their collection took.

    A unit that never reported (its worker was lost) counts as failed for its services in its region.
    """
    inventory = registry.Inventory(integration_type=part.integration_type)
    first = last = None
    for unit in ScanUnit.objects.filter(part=part).order_by("key").iterator(chunk_size=1):
        if unit.payload is not None:
            inventory.absorb(registry.Inventory.from_json(json.loads(zlib.decompress(unit.payload))))
        else:
            inventory.absorb(
                _failed_inventory(part, unit.services, unit.error or "collection did not finish", unit.region)
            )
        if unit.started_at:
            first = min(first or unit.started_at, unit.started_at)
        if unit.completed_at:
            last = max(last or unit.completed_at, unit.completed_at)
    inventory.account_id = inventory.account_id or part.integration_name
    inventory.settle()
    seconds = (last - first).total_seconds() if first and last else 0.0
    return inventory, seconds


def scan_part_evaluate(*, part_id: str) -> None:
    """Merge a part's collected units, run its checks once over the whole inventory and store the outcomes."""
    part = ScanPart.objects.select_related("integration", "scan_job").filter(pk=part_id).first()
    if part is None or part.status in (PartStatus.DONE, PartStatus.FAILED) or part.scan_job.is_finished:
        return
    inventory, collect_seconds = part_inventory(part=part)
    checks = registry.all_checks(part.integration_type)
    _store_outcomes(
        part=part, integration=part.integration, checks=checks, inventory=inventory, collect_seconds=collect_seconds
    )
    # The inventories were only needed until now; the unit rows stay as the record of where the time went.
    ScanUnit.objects.filter(part_id=part.pk).update(payload=None)


def _store_outcomes(
    *,
    part: ScanPart,
    integration: Integration | None,
    checks: list[registry.Check],
    inventory: registry.Inventory,
    collect_seconds: float,
) -> None:
    errors = _errors_text(inventory)
    clock = {"evaluate": 0.0}
    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=part.scan_job_id)
        if job.status != ScanStatus.RUNNING:
            return  # cancelled or reaped meanwhile: write nothing
        source = registry.account_source(part.integration_type)
        if integration is not None and source is not None:
            inventory.context["revoked_accounts"] = revocations_pending(
                integration=integration, scan_job_id=part.scan_job_id
            )
        # Delete-then-insert in one transaction: a redelivered task replaces, never duplicates.
        CheckOutcome.objects.filter(scan_job_id=part.scan_job_id, integration=integration).delete()
        write_started = time.monotonic()
        count = outcomes_write(
            _outcome_rows(part=part, integration=integration, checks=checks, inventory=inventory, clock=clock)
        )
        accounts = source.accounts(inventory) if integration is not None and source is not None else None
        if integration is not None and accounts is not None:
            # Same transaction as the outcomes: the snapshot and the revocation verdicts never disagree.
            accounts_refresh(
                integration=integration, accounts=accounts, seen_at=timezone.now(), scan_job_id=part.scan_job_id
            )
        timings = {
            "collect": round(collect_seconds, 3),
            "evaluate": round(clock["evaluate"], 3),
            "write": round(time.monotonic() - write_started - clock["evaluate"], 3),
        }
        # Collection that failed for every service means this integration was not scanned at all.
        collected_nothing = bool(inventory.errors) and not inventory.data
        ScanPart.objects.filter(pk=part.pk).update(
            status=PartStatus.FAILED if collected_nothing else PartStatus.DONE,
            outcome_count=count,
            completed_at=timezone.now(),
            error=errors[:5000],
            timings=timings,
        )
        remaining = job.parts.exclude(status__in=[PartStatus.DONE, PartStatus.FAILED]).exclude(pk=part.pk).exists()
        _touch_progress(scan_job_id=job.pk)
        if not remaining:
            transaction.on_commit(lambda: _finalize_soon(str(job.pk)))
    logger.info("scan part stored", extra={"part_id": str(part.pk), "outcomes": count})
