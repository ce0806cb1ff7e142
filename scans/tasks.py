"""Celery entry points: thin, idempotent wrappers taking string ids and calling one service each."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from complywise import rls

from . import engine, retention, services
from .models import ScanJob, ScanPart, ScanUnit

# A database hiccup is worth a retry; anything else is a bug that retries would only repeat.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 2, "retry_backoff_max": 60, "retry_jitter": True}


@shared_task(name="scans.run", acks_late=True, max_retries=5, **RETRY)
def scan_run(scan_job_id: str) -> None:
    with rls.tenant_scope_of(ScanJob, scan_job_id):
        engine.scan_start(scan_job_id=scan_job_id)


@shared_task(name="scans.run_integration", acks_late=True, max_retries=3, soft_time_limit=20 * 60, **RETRY)
def scan_run_integration(part_id: str) -> None:
    with rls.tenant_scope_of(ScanPart, part_id):
        engine.scan_part_run(part_id=part_id)


@shared_task(name="scans.collect_unit", acks_late=True, max_retries=3, soft_time_limit=20 * 60, **RETRY)
def scan_collect_unit(unit_id: str) -> None:
    with rls.tenant_scope_of(ScanUnit, unit_id):
        engine.scan_unit_run(unit_id=unit_id)


@shared_task(name="scans.evaluate_part", acks_late=True, max_retries=5, **RETRY)
def scan_evaluate_part(part_id: str) -> None:
    with rls.tenant_scope_of(ScanPart, part_id):
        engine.scan_part_evaluate(part_id=part_id)


@shared_task(name="scans.finalize", acks_late=True, max_retries=5, **RETRY)
def scan_finalize(scan_job_id: str) -> None:
    with rls.tenant_scope_of(ScanJob, scan_job_id):
        engine.scan_finalize(scan_job_id=scan_job_id)


@shared_task(name="scans.reap_stale", ignore_result=True)
def scans_reap_stale() -> int:
    with rls.system_scope(reason="beat: stale scan reaper"):
        return services.scan_reap_stale()


@shared_task(name="scans.run_due_schedules", ignore_result=True)
def scans_run_due_schedules() -> int:
    with rls.system_scope(reason="beat: due scan schedules"):
        return len(services.schedules_run_due())


@shared_task(name="scans.purge_expired", ignore_result=True, time_limit=6 * 3600)
def scans_purge_expired() -> int:
    with rls.system_scope(reason="beat: retention purge"):
        return retention.scans_purge_expired().scan_jobs
