"""Retention: each tenant's scans older than its retention period go, in bounded batches of rows.

Every DELETE is its own short transaction, so neither locks nor the WAL grow with the size of a scan, and a
purge that stops half-way is finished by the next run (only jobs already past retention lose rows).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from complywise.audit import audit_events_purge_expired
from complywise.models import Tenant
from complywise.services import audit_record
from evidence.selectors import auto_evidence_count
from evidence.services import evidence_purge_for_scan_jobs

from .models import CheckOutcome, ScanJob, ScanPart, ScanResult, ScanSchedule

logger = logging.getLogger(__name__)

# Rows per DELETE, each its own short transaction. Deleting whole jobs per transaction made one transaction of
# every outcome of a hundred jobs (hundreds of thousands of rows for large scans): long locks and a WAL burst.
PURGE_BATCH = 5000
# Jobs go in rounds of at most PURGE_JOBS (and PURGE_BATCH) jobs holding at most PURGE_ROUND_BATCHES batches of
# outcomes (or one bigger job): the rows batch by batch, then the job rows and an audit event in one transaction,
# whose foreign-key checks at commit walk the round's deleted, not yet vacuumed children, so rounds stay small.
PURGE_JOBS = 100
PURGE_ROUND_BATCHES = 20


@dataclass
class PurgeReport:
    dry_run: bool
    tenants: dict[str, dict[str, int]] = field(default_factory=dict)
    # Per tenant slug: rows created before this moment are past the tenant's retention.
    cutoffs: dict[str, datetime] = field(default_factory=dict)

    @property
    def scan_jobs(self) -> int:
        return sum(t["scan_jobs"] for t in self.tenants.values())


@dataclass(frozen=True)
class PurgeBatch:
    """One committed step of the purge: the table, the rows deleted, the seconds its transaction was open."""

    table: str
    rows: int
    seconds: float


def scans_purge_expired(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    batch: int | None = None,
    on_batch: Callable[[PurgeBatch], None] | None = None,
) -> PurgeReport:
    """Delete each tenant's scan jobs older than its retention, with outcomes, results and auto evidence.

    Rows go at most ``batch`` (PURGE_BATCH) per transaction, each reported to ``on_batch`` once committed. A run
    stopped half-way is finished by the next: what it left is still past retention. A dry run counts exactly
    what a run would delete now, half-purged jobs included.
    """
    now = now or timezone.now()
    report = PurgeReport(dry_run=dry_run)
    for tenant in Tenant.objects.order_by("slug"):
        cutoff = now - timedelta(days=tenant.retention_days)
        expired = ScanJob.objects.for_tenant(tenant).filter(created_at__lt=cutoff)
        outcomes = dict(
            CheckOutcome.objects.filter(scan_job__in=expired)
            .order_by()
            .values("scan_job_id")
            .annotate(count=Count("pk"))
            .values_list("scan_job_id", "count")
        )
        counts = {
            "scan_jobs": expired.count(),
            "outcomes": sum(outcomes.values()),
            "results": ScanResult.objects.filter(scan_job__in=expired).count(),
            # Counted before anything is deleted, so a dry run says how many files would go too.
            "evidence": auto_evidence_count(tenant=tenant, scan_jobs=expired),
            # The audit log follows the same retention period (complywise.audit).
            "audit_events": audit_events_purge_expired(tenant=tenant, now=now, dry_run=True),
        }
        if counts["scan_jobs"] == 0 and counts["audit_events"] == 0:
            continue
        if not dry_run:
            if counts["scan_jobs"]:
                job_ids = list(expired.order_by("created_at").values_list("pk", flat=True))
                counts.update(
                    _purge_jobs(
                        tenant=tenant,
                        rounds=_purge_rounds(job_ids, outcomes=outcomes, batch=batch or PURGE_BATCH),
                        batch=batch or PURGE_BATCH,
                        on_batch=on_batch,
                    )
                )
            if counts["audit_events"]:
                counts["audit_events"] = audit_events_purge_expired(tenant=tenant, now=now)
        report.tenants[tenant.slug] = counts
        report.cutoffs[tenant.slug] = cutoff
        if progress:
            progress(f"{tenant.slug}: {counts}")
    return report


def _purge_rounds(job_ids: list[Any], *, outcomes: dict[Any, int], batch: int) -> Iterator[list[Any]]:
    jobs: list[Any] = []
    rows = 0
    for job_id in job_ids:
        jobs.append(job_id)
        rows += outcomes.get(job_id, 0)
        if len(jobs) >= min(PURGE_JOBS, batch) or rows >= PURGE_ROUND_BATCHES * batch:
            yield jobs
            jobs, rows = [], 0
    if jobs:
        yield jobs


def _purge_jobs(
    *, tenant: Tenant, rounds: Iterable[list[Any]], batch: int, on_batch: Callable[[PurgeBatch], None] | None
) -> dict[str, int]:
    # What readers see meanwhile: only jobs already past retention, which the tenant no longer keeps, lose rows,
    # oldest first and one round of jobs at a time. Outcomes go first (the bulk, and the least read), then
    # results and evidence, and last the parts and job rows; a run stopped in between leaves at most one round
    # listed with some of its rows gone until the next run (daily) deletes the rest. Marking them first would
    # cost a write to every expired job for little: past retention, nothing about them is promised any more.
    deleted = dict.fromkeys(("scan_jobs", "outcomes", "results", "evidence"), 0)
    for jobs in rounds:
        done = {
            "outcomes": _purge_rows(CheckOutcome, tenant=tenant, job_ids=jobs, batch=batch, on_batch=on_batch),
            "results": _purge_rows(ScanResult, tenant=tenant, job_ids=jobs, batch=batch, on_batch=on_batch),
        }
        # In transactions of its own, of evidence.services.PURGE_BATCH rows each (not reported to on_batch).
        done["evidence"] = evidence_purge_for_scan_jobs(
            tenant=tenant, scan_job_ids=jobs, reason="retention period expired"
        )
        _purge_rows(ScanPart, tenant=tenant, job_ids=jobs, batch=batch, on_batch=on_batch)
        started = time.perf_counter()
        with transaction.atomic():
            # Childless by now, so a plain DELETE: the ORM's cascade would query each child table again for the
            # whole round, possibly by a scan of all of it. The foreign keys, checked at commit, still refuse
            # to drop a job anything points at (evidence included); schedules let go of theirs first.
            ScanSchedule.objects.for_tenant(tenant).filter(last_scan_job_id__in=jobs).update(last_scan_job=None)
            done["scan_jobs"] = ScanJob.objects.for_tenant(tenant).filter(pk__in=jobs)._raw_delete(ScanJob.objects.db)
            # With the job rows, so every deleted job is audited once, however often the purge is interrupted.
            audit_record(tenant=tenant, actor=None, action="scans.purged", data=done)
        _purge_done(on_batch, ScanJob._meta.db_table, done["scan_jobs"], started)
        deleted = {key: deleted[key] + done[key] for key in deleted}
    return deleted


def _purge_rows(
    model: type[CheckOutcome | ScanResult | ScanPart],
    *,
    tenant: Tenant,
    job_ids: list[Any],
    batch: int,
    on_batch: Callable[[PurgeBatch], None] | None,
) -> int:
    """Delete these jobs' rows of one table, at most ``batch`` rows per transaction."""
    rows = model.objects.for_tenant(tenant).order_by()
    sizes = dict(
        rows.filter(scan_job_id__in=job_ids)
        .values("scan_job_id")
        .annotate(n=Count("pk"))
        .values_list("scan_job_id", "n")
    )
    # Jobs that fit go together, deleted by job (one indexed DELETE, nothing to read first); a bigger job goes
    # by primary keys, read job by job so each read is an index scan, never a scan of the whole table.
    group: list[Any] = []
    group_rows = total = 0
    for job_id in [*job_ids, None]:
        size = sizes.get(job_id, 0)
        if group and (job_id is None or group_rows + size > batch):
            total += _purge_chunk(rows.filter(scan_job_id__in=group), on_batch=on_batch)
            group, group_rows = [], 0
        if 0 < size <= batch:
            group.append(job_id)
            group_rows += size
        elif size > batch:
            # Unordered, so nothing is sorted; read outside the transaction, which on SQLite (IMMEDIATE) takes
            # the write lock as it begins.
            while pks := list(rows.filter(scan_job_id=job_id).values_list("pk", flat=True)[:batch]):
                total += _purge_chunk(rows.filter(scan_job_id=job_id, pk__in=pks), on_batch=on_batch)
    return total


def _purge_chunk(chunk: QuerySet[Any], *, on_batch: Callable[[PurgeBatch], None] | None) -> int:
    started = time.perf_counter()
    with transaction.atomic():
        count, _ = chunk.delete()
    _purge_done(on_batch, chunk.model._meta.db_table, count, started)
    return count


def _purge_done(on_batch: Callable[[PurgeBatch], None] | None, table: str, rows: int, started: float) -> None:
    if on_batch and rows:
        on_batch(PurgeBatch(table=table, rows=rows, seconds=time.perf_counter() - started))
