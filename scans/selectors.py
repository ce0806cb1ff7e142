"""Reads of the scans app."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from complywise.exceptions import ConflictError, FieldValidationError, NotFoundError
from complywise.models import Tenant

from .choices import ResultStatus, ScanStatus
from .models import CheckOutcome, ScanJob, ScanResult, ScanSchedule


def scan_jobs_for_tenant(*, tenant: Tenant) -> QuerySet[ScanJob]:
    return ScanJob.objects.for_tenant(tenant).select_related("framework", "triggered_by").order_by("-created_at")


def parse_result_statuses(raw: str | None) -> list[str] | None:
    """``?status=fail`` or ``?status=fail,not-applicable``; anything else is a 400."""
    if raw is None or raw == "":
        return None
    wanted = [s.strip() for s in raw.split(",") if s.strip()]
    bad = [s for s in wanted if s not in ResultStatus.values]
    if bad or not wanted:
        allowed = ", ".join(ResultStatus.values)
        raise FieldValidationError(
            {"status": [f"Unknown status '{', '.join(bad) or raw}'. Use one or more of: {allowed}."]}
        )
    return wanted


def scan_results(
    *, scan_job: ScanJob, statuses: list[str] | None = None, framework_id: Any = None
) -> QuerySet[ScanResult]:
    """Results in a stable order (framework, natural control ref); 409 while the scan has not finished."""
    if scan_job.status in (ScanStatus.QUEUED, ScanStatus.RUNNING):
        raise ConflictError(
            f"The scan is {scan_job.status}; results are available once it has completed. "
            f"Poll GET /api/scans/{scan_job.pk} until status is 'completed'."
        )
    results = (
        ScanResult.objects.for_tenant(scan_job.tenant_id)
        .filter(scan_job=scan_job)
        .select_related("control", "framework")
        .order_by("framework__key", "sort_key")
    )
    if statuses:
        results = results.filter(status__in=statuses)
    if framework_id:
        results = results.filter(framework_id=framework_id)
    return results


def scan_outcomes(*, scan_job: ScanJob) -> QuerySet[CheckOutcome]:
    return (
        CheckOutcome.objects.for_tenant(scan_job.tenant_id)
        .filter(scan_job=scan_job)
        .select_related("integration")
        .order_by("check_id", "resource_id", "id")
    )


def scan_previous_completed(*, scan_job: ScanJob) -> ScanJob | None:
    return (
        ScanJob.objects.for_tenant(scan_job.tenant_id)
        .filter(status=ScanStatus.COMPLETED, created_at__lt=scan_job.created_at)
        .exclude(pk=scan_job.pk)
        .order_by("-created_at")
        .first()
    )


def scan_diff(*, scan_job: ScanJob, against: ScanJob | None) -> dict[str, Any]:
    """Controls newly failing, newly passing and unchanged between two completed scans."""
    for job in (scan_job, against):
        if job is not None and job.status != ScanStatus.COMPLETED:
            raise ConflictError(f"Scan {job.pk} is {job.status}; only completed scans can be compared.")
    current = {
        r["control_id"]: r
        for r in ScanResult.objects.filter(scan_job=scan_job).values(
            "control_id", "status", "control__ref", "control__title", "framework_id", "framework__key"
        )
    }
    previous: dict[Any, str] = {}
    if against is not None:
        previous = dict(ScanResult.objects.filter(scan_job=against).values_list("control_id", "status"))

    def entry(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "control_id": str(row["control_id"]),
            "control_ref": row["control__ref"],
            "control_title": row["control__title"],
            "framework_id": str(row["framework_id"]),
            "framework_key": row["framework__key"],
            "status": row["status"],
            "previous_status": previous.get(row["control_id"]),
        }

    newly_failing, newly_passing, unchanged_failing, unchanged_passing, other = [], [], 0, 0, 0
    for control_id, row in sorted(current.items(), key=lambda kv: (kv[1]["framework__key"], kv[1]["control__ref"])):
        before = previous.get(control_id)
        if row["status"] == ResultStatus.FAIL and before != ResultStatus.FAIL:
            newly_failing.append(entry(row))
        elif row["status"] == ResultStatus.PASS and before == ResultStatus.FAIL:
            newly_passing.append(entry(row))
        elif row["status"] == ResultStatus.FAIL:
            unchanged_failing += 1
        elif row["status"] == ResultStatus.PASS:
            unchanged_passing += 1
        else:
            other += 1
    return {
        "scan_job_id": str(scan_job.pk),
        "against_scan_job_id": str(against.pk) if against else None,
        "newly_failing": newly_failing,
        "newly_passing": newly_passing,
        "unchanged_failing": unchanged_failing,
        "unchanged_passing": unchanged_passing,
        "unchanged_other": other,
        "score": scan_job.score,
        "previous_score": against.score if against else None,
    }


def scan_trend(*, tenant: Tenant, framework_id: Any = None, days: int = 90) -> list[dict[str, Any]]:
    """Score over time of completed scans (overall, or one framework's score)."""
    since: datetime = timezone.now() - timedelta(days=days)
    jobs = (
        ScanJob.objects.for_tenant(tenant)
        .filter(status=ScanStatus.COMPLETED, completed_at__gte=since)
        .order_by("completed_at")
        .values("id", "completed_at", "score", "framework_scores", "passed_controls", "failed_controls")
    )
    points = []
    for job in jobs:
        if framework_id:
            entry = next((f for f in job["framework_scores"] if f["framework_id"] == str(framework_id)), None)
            if entry is None:
                continue
            points.append(
                {
                    "scan_job_id": str(job["id"]),
                    "completed_at": job["completed_at"],
                    "score": entry["score"],
                    "passed": entry["passed"],
                    "failed": entry["failed"],
                }
            )
        else:
            points.append(
                {
                    "scan_job_id": str(job["id"]),
                    "completed_at": job["completed_at"],
                    "score": job["score"],
                    "passed": job["passed_controls"],
                    "failed": job["failed_controls"],
                }
            )
    return points


def scan_job_get(*, tenant: Tenant, scan_job_id: Any) -> ScanJob:
    job = ScanJob.objects.for_tenant(tenant).filter(pk=scan_job_id).first()
    if job is None:
        raise NotFoundError()
    return job


def schedules_for_tenant(*, tenant: Tenant) -> QuerySet[ScanSchedule]:
    return ScanSchedule.objects.for_tenant(tenant).select_related("framework")
