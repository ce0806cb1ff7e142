"""Turns the scans and evidence apps' signals into recorded events (and so into deliveries)."""

from __future__ import annotations

from typing import Any

from complywise import rls

from . import services


def on_scan_finished(sender: Any, *, scan_job_id: str, tenant_id: str, **kwargs: Any) -> None:
    with rls.tenant_scope(tenant_id):
        services.scan_events_record(scan_job_id=scan_job_id)


def on_evidence_uploaded(sender: Any, *, evidence_id: str, tenant_id: str, **kwargs: Any) -> None:
    with rls.tenant_scope(tenant_id):
        services.evidence_uploaded_record(evidence_id=evidence_id)
