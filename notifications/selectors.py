"""Reads of the notifications app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from complywise.models import Tenant
from evidence.models import Evidence
from evidence.selectors import evidence_annotated, evidence_validity
from scans.models import ScanJob

from . import payloads
from .models import Delivery, EmailDigest, Event, Webhook


def webhooks_for_tenant(*, tenant: Tenant) -> QuerySet[Webhook]:
    return Webhook.objects.for_tenant(tenant).order_by("name")


def webhook_deliveries(*, webhook: Webhook) -> QuerySet[Delivery]:
    return (
        Delivery.objects.for_tenant(webhook.tenant_id)
        .filter(webhook=webhook)
        .select_related("event")
        .order_by("-created_at")
    )


def events_for_tenant(*, tenant: Tenant, types: Iterable[str] | None = None) -> QuerySet[Event]:
    events = Event.objects.for_tenant(tenant).order_by("-occurred_at")
    return events.filter(type__in=list(types)) if types else events


def digests_for_tenant(*, tenant: Tenant) -> QuerySet[EmailDigest]:
    return EmailDigest.objects.for_tenant(tenant).order_by("name")


def scan_summary(job: ScanJob) -> dict[str, Any]:
    """What an event says about a scan: status, scores, coverage, and per framework the same figures."""
    return {
        "id": str(job.pk),
        "status": job.status,
        "trigger": job.trigger,
        "partial": job.partial,
        "error": job.error,
        "score": job.score,
        "coverage": job.coverage,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "completed_at": job.completed_at.isoformat() if job.completed_at else None,
        # The same per-framework figures as the scan API (score, coverage, counts).
        "frameworks": job.framework_scores or [],
        "url": payloads.link(f"/scans/{job.pk}/"),
        "api_url": payloads.link(f"/api/scans/{job.pk}"),
    }


def evidence_with_controls(*, evidence_id: Any) -> Evidence | None:
    return (
        evidence_annotated(Evidence.objects.filter(pk=evidence_id))
        .select_related("uploaded_by", "control__framework")
        .prefetch_related("control_links__control__framework")
        .first()
    )


def evidence_summary(row: Evidence, *, only_controls: Iterable[Any] | None = None) -> dict[str, Any]:
    """What an event says about a document: who, what, its hash, validity and the controls it supports."""
    wanted = {str(c) for c in only_controls} if only_controls is not None else None
    controls = []
    seen = set()
    for link in row.control_links.all():
        control = link.control
        if str(control.pk) in seen or (wanted is not None and str(control.pk) not in wanted):
            continue
        seen.add(str(control.pk))
        controls.append(
            {"id": str(control.pk), "ref": control.ref, "title": control.title, "framework_key": control.framework.key}
        )
    until, freshness = evidence_validity(row)
    return {
        "id": str(row.pk),
        "title": row.title,
        "filename": row.filename,
        "sha256": row.sha256,
        "size": row.size,
        "collected_at": row.collected_at.isoformat(),
        "valid_until": until.isoformat() if until else None,
        "freshness": freshness,
        "uploaded_by": row.uploaded_by.email if row.uploaded_by else None,
        "controls": controls,
        # Where the upload stands in the tenant's evidence chain: a receiver keeping these holds a record of the
        # chain outside ComplyWise, to compare with what verify.py prints for a later bundle.
        "chain": {"sequence": row.sequence, "chain_hash": row.chain_hash},
        "url": payloads.link("/evidence/"),
        "api_url": payloads.link(f"/api/evidence/{row.pk}"),
    }
