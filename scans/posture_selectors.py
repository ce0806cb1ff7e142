"""Reads of the live posture: each control's latest scan verdict recombined with today's documents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from complywise.models import Tenant
from evidence.selectors import ControlDocuments, control_documents
from frameworks.models import Control, ControlCheck, Framework
from frameworks.selectors import Applicability, controls_applicability, controls_with_checks

from .choices import ResultStatus, ScanStatus
from .models import ScanJob, ScanResult
from .posture import Tally, Verdict, verdict


@dataclass(frozen=True)
class ControlPosture:
    """One control as it stands now: its latest scan's automated half, recombined with today's documents."""

    control: Control
    applicability: Applicability
    verdict: Verdict
    automated_status: str
    documents: ControlDocuments
    scan_status: str | None
    checks_mapped: int
    checks_ran: int
    missing_integration_types: list[str]
    checks: list[dict[str, Any]]

    @property
    def changed_since_scan(self) -> bool:
        return self.scan_status is not None and self.scan_status != self.verdict.status


@dataclass(frozen=True)
class FrameworkPosture:
    framework: Framework
    as_of: datetime
    scan_job: ScanJob | None
    tally: Tally
    controls: list[ControlPosture]


def latest_scan_for_framework(*, tenant: Tenant | Any, framework: Framework) -> ScanJob | None:
    """The tenant's most recently completed scan that evaluated this framework."""
    job_id = (
        ScanResult.objects.for_tenant(tenant)
        .filter(framework=framework, scan_job__status=ScanStatus.COMPLETED)
        .order_by("-scan_job__completed_at", "-created_at")
        .values_list("scan_job_id", flat=True)
        .first()
    )
    return ScanJob.objects.filter(pk=job_id).first() if job_id else None


def _automated_of(row: Mapping[str, Any]) -> str:
    if row["basis"]:
        return row["automated_status"]
    # Rolled up before results recorded their automated half: the status was all automated then.
    return row["status"] if row["status"] in (ResultStatus.PASS, ResultStatus.FAIL) else ""


def framework_posture(
    *,
    tenant: Tenant,
    framework: Framework,
    now: datetime | None = None,
    statuses: list[str] | None = None,
    bases: list[str] | None = None,
    controls: Iterable[Control] | None = None,
) -> FrameworkPosture:
    """Every control of the framework (or just ``controls`` of it, e.g. one page) as it stands now, without rescanning.

    The automated half comes from the latest completed scan of the framework; applicability and documents
    are read as they are now, so an excluded control, a new upload or an expired document shows at once.
    A fixed number of queries whatever the number of controls; the tally covers the controls evaluated.
    """
    now = now or timezone.now()
    job = latest_scan_for_framework(tenant=tenant, framework=framework)
    if controls is None:
        controls = [control for control, _ in controls_with_checks(frameworks=[framework])]
        only: list[Any] | None = None
    else:
        controls = list(controls)
        only = [c.pk for c in controls]
    scanned: dict[Any, Mapping[str, Any]] = {}
    if job is not None:
        results = ScanResult.objects.for_tenant(tenant).filter(scan_job=job, framework=framework)
        if only is not None:
            # A scan holds one result per control; the bound tells the database so (no unbounded read of a
            # 10,000-control scan for one page).
            results = results.filter(control_id__in=only).order_by()[: len(only)]
        scanned = {
            row["control_id"]: row
            for row in results.values(
                "control_id",
                "status",
                "basis",
                "automated_status",
                "checks_mapped",
                "checks_ran",
                "missing_integration_types",
                "checks",
            )
        }
    mappings = ControlCheck.objects.filter(control__framework=framework)
    if only is not None:
        mappings = mappings.filter(control_id__in=only)
    mapped_counts = dict(mappings.values("control_id").annotate(n=Count("id")).values_list("control_id", "n"))
    decisions = controls_applicability(tenant=tenant, framework=framework)
    documents = control_documents(tenant=tenant, control_ids=[c.pk for c in controls], now=now)
    tally = Tally()
    rows = []
    for control in controls:
        row = scanned.get(control.pk)
        applicability = decisions.get(control.pk, Applicability())
        automated = _automated_of(row) if row else ""
        v = verdict(
            excluded=not applicability.applicable,
            automated=automated,
            evidence_state=documents[control.pk].state,
        )
        tally.add(v)
        if (statuses and v.status not in statuses) or (bases and v.basis not in bases):
            continue
        rows.append(
            ControlPosture(
                control=control,
                applicability=applicability,
                verdict=v,
                automated_status=automated,
                documents=documents[control.pk],
                scan_status=row["status"] if row else None,
                checks_mapped=row["checks_mapped"] if row and row["basis"] else mapped_counts.get(control.pk, 0),
                checks_ran=row["checks_ran"] if row else 0,
                missing_integration_types=row["missing_integration_types"] if row else [],
                checks=row["checks"] if row else [],
            )
        )
    return FrameworkPosture(framework=framework, as_of=now, scan_job=job, tally=tally, controls=rows)
