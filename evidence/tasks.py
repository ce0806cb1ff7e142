"""Celery entry points of the evidence app: each loads an id and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from complywise import rls

from . import exports
from .exports import EXPORT_TIME_LIMIT
from .models import EvidenceExport

EXPORT_SOFT_TIME_LIMIT = 25 * 60


@shared_task(
    name="evidence.export_build",
    acks_late=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_TIME_LIMIT,
    ignore_result=True,
    # A database hiccup is worth a retry (a "running" export is rebuilt); storage errors fail the export.
    autoretry_for=(DatabaseError,),
    max_retries=3,
    retry_backoff=5,
    retry_jitter=True,
)
def evidence_export_build_task(export_id: str) -> None:
    """Build an auditor bundle; a redelivered message for a finished export does nothing."""
    with rls.tenant_scope_of(EvidenceExport, export_id):
        exports.evidence_export_build(export_id=export_id)


@shared_task(name="evidence.reap_stale_exports", ignore_result=True)
def evidence_reap_stale_exports() -> int:
    """Beat, every minute: no export stays queued or running forever."""
    with rls.system_scope(reason="beat: stale export reaper"):
        return exports.evidence_exports_reap_stale()
