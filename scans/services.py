"""Writes of the scans app: trigger, cancel, schedules and the stale-job reaper (retention: scans/retention.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from croniter import croniter
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from complywise import rls
from complywise.celery import BROKER_ERRORS, BROKER_PUBLISH_RETRY
from complywise.exceptions import (
    ConflictError,
    FieldValidationError,
    ServiceUnavailableError,
    TooManyRequestsError,
)
from complywise.models import Tenant
from complywise.quotas import quota_check
from complywise.services import audit_record, real_user, tenant_lock
from frameworks.models import Framework, TenantFramework
from frameworks.selectors import framework_resolve
from integrations.choices import IntegrationType
from integrations.selectors import integration_types_connected

from . import engine
from .choices import FINISHED_STATUSES, PartStatus, ScanStatus, ScanTrigger
from .models import ScanJob, ScanPart, ScanSchedule, ScanUnit
from .signals import announce_finished

logger = logging.getLogger(__name__)

FRAMEWORK_UNKNOWN = "No such framework (give its id or its key)."
# A running job whose parts all finished this long ago without a roll-up lost it (broker down): roll up.
ROLLUP_GRACE = timedelta(minutes=2)
REAP_BATCH = 200


def _check_scan_quota(*, tenant: Tenant) -> None:
    pending = ScanJob.objects.for_tenant(tenant).filter(status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING])
    quota_check(pending=pending, limit=settings.TENANT_MAX_QUEUED_SCANS, what="scans queued or running")


def _enqueue_scan(scan_job_id: str) -> None:
    from .tasks import scan_run  # noqa: PLC0415 - tasks import this module

    scan_run.apply_async(args=[scan_job_id], retry=True, retry_policy=BROKER_PUBLISH_RETRY)


def _validate_scope(
    *, tenant: Tenant, integration_types: list[str] | None, framework_id: Any
) -> tuple[list[str], Framework | None, list[str]]:
    errors: dict[str, list[str] | str] = {}
    types: list[str] = []
    if integration_types is not None:
        if not isinstance(integration_types, list) or not all(isinstance(t, str) for t in integration_types):
            errors["integration_types"] = ["Must be a list of integration types."]
        else:
            types = list(dict.fromkeys(integration_types))
            unknown = [t for t in types if t not in IntegrationType.values]
            connected = integration_types_connected(tenant=tenant)
            if unknown:
                errors["integration_types"] = [
                    f"Unknown integration type(s): {', '.join(unknown)}. Known: {', '.join(IntegrationType.values)}."
                ]
            elif not types:
                errors["integration_types"] = ["Give at least one type, or omit the field to scan every integration."]
            elif missing := [t for t in types if t not in connected]:
                errors["integration_types"] = [f"No connected integration of type(s): {', '.join(missing)}."]

    framework = None
    if framework_id is not None:
        framework = framework_resolve(tenant=tenant, ref=framework_id)
        if framework is None:
            errors["framework_id"] = [FRAMEWORK_UNKNOWN]
        elif not framework.is_custom and not framework.activations.filter(tenant=tenant).exists():
            errors["framework_id"] = [f"The framework '{framework.key}' is not active for this tenant."]
    if errors:
        raise FieldValidationError(errors)

    if framework is not None:
        framework_ids = [str(framework.pk)]
    else:
        framework_ids = [
            str(pk) for pk in TenantFramework.objects.for_tenant(tenant).values_list("framework_id", flat=True)
        ]
        custom = Framework.objects.filter(tenant=tenant).values_list("pk", flat=True)
        framework_ids = sorted(set(framework_ids) | {str(pk) for pk in custom})
        if not framework_ids:
            raise FieldValidationError({"framework_id": ["No framework is active for this tenant; activate one."]})
    return types, framework, framework_ids


def scan_trigger(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    integration_types: list[str] | None = None,
    framework_id: Any = None,
    trigger: str = ScanTrigger.API,
    schedule: ScanSchedule | None = None,
) -> ScanJob:
    """Create a queued scan job and enqueue it once committed.

    429 when the tenant is at its queued-scan quota; 503 (and a failed job) if the broker is down.
    """
    types, framework, framework_ids = _validate_scope(
        tenant=tenant, integration_types=integration_types, framework_id=framework_id
    )
    with transaction.atomic():
        # Serialise triggers per tenant so concurrent requests cannot overshoot the quota.
        tenant_lock(tenant_id=tenant.pk)
        _check_scan_quota(tenant=tenant)
        job = ScanJob.objects.create(
            tenant=tenant,
            integration_types=types,
            framework=framework,
            framework_ids=framework_ids,
            triggered_by=real_user(actor),
            trigger=trigger,
            schedule=schedule,
        )
        audit_record(tenant=tenant, actor=actor, action="scan.triggered", target=job, data={"trigger": trigger})
        enqueue_error: list[Exception] = []

        def enqueue() -> None:
            try:
                _enqueue_scan(str(job.pk))
            except BROKER_ERRORS as exc:
                enqueue_error.append(exc)

        transaction.on_commit(enqueue)
    if enqueue_error:
        reason = f"Could not enqueue the scan: the task broker is unreachable ({type(enqueue_error[0]).__name__})."
        ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.FAILED, error=reason, completed_at=timezone.now())
        announce_finished(scan_job_ids=[job.pk], tenant_ids=[job.tenant_id])
        logger.error("scan enqueue failed", extra={"scan_job_id": str(job.pk)})
        raise ServiceUnavailableError(reason, extra={"scan_job_id": str(job.pk)})
    return job


def scan_cancel(*, scan_job: ScanJob, actor: AbstractBaseUser | None) -> ScanJob:
    """Queued or running → failed; workers notice at their next write and stop."""
    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=scan_job.pk)
        if job.status in FINISHED_STATUSES:
            raise ConflictError(f"The scan is already {job.status}; only queued or running scans can be cancelled.")
        who = getattr(actor, "email", "") or getattr(actor, "username", "") or "system"
        job.status = ScanStatus.FAILED
        job.error = f"cancelled by {who}"
        job.completed_at = timezone.now()
        job.save(update_fields=["status", "error", "completed_at", "updated_at"])
        audit_record(tenant=job.tenant, actor=actor, action="scan.cancelled", target=job)
        announce_finished(scan_job_ids=[job.pk], tenant_ids=[job.tenant_id])
    return job


def scan_reap_stale(*, now: datetime | None = None) -> int:
    """End every job that can no longer end by itself, each with a reason; return how many were handled.

    - queued past SCAN_QUEUED_DEADLINE_SECONDS: failed (no worker started it);
    - running with every part finished but no roll-up for ROLLUP_GRACE (the roll-up was lost with
      the broker): rolled up here;
    - running without progress for SCAN_RUNNING_STALL_SECONDS (worker killed, task lost): its
      unfinished parts fail with a reason; if any part did finish the job is rolled up (partial),
      otherwise it fails.
    """
    now = now or timezone.now()
    queued_deadline = now - timedelta(seconds=settings.SCAN_QUEUED_DEADLINE_SECONDS)
    stall_deadline = now - timedelta(seconds=settings.SCAN_RUNNING_STALL_SECONDS)
    with transaction.atomic():
        # Locked and read first: each failed job is announced, and a worker starting one meanwhile waits.
        abandoned = list(
            ScanJob.objects.select_for_update(skip_locked=True)
            .filter(status=ScanStatus.QUEUED, created_at__lt=queued_deadline)
            .values_list("pk", "tenant_id")[:REAP_BATCH]
        )
        never_started = ScanJob.objects.filter(pk__in=[pk for pk, _ in abandoned]).update(
            status=ScanStatus.FAILED,
            completed_at=now,
            error=f"No worker started this scan within {settings.SCAN_QUEUED_DEADLINE_SECONDS // 60} minutes.",
        )
        announce_finished(scan_job_ids=[pk for pk, _ in abandoned], tenant_ids=[t for _, t in abandoned])
    candidates = list(
        ScanJob.objects.filter(status=ScanStatus.RUNNING, progress_at__lt=now - ROLLUP_GRACE)
        .order_by("progress_at")
        .values_list("pk", "tenant_id", "progress_at")[:REAP_BATCH]
    )
    recovered = stalled = 0
    for job_id, tenant_id, progress_at in candidates:
        # Each job is settled (and maybe rolled up) in its own tenant's scope, as its tasks would run.
        with rls.tenant_scope(tenant_id):
            # Never null here: the query filtered on progress_at__lt.
            stalled_job = cast(datetime, progress_at) < stall_deadline
            outcome = _reap_running(scan_job_id=job_id, stalled=stalled_job, now=now)
        recovered += outcome == "rolled-up"
        stalled += outcome in ("partial", "failed")
    if never_started or stalled or recovered:
        logger.warning(
            "reaped stale scans", extra={"queued": never_started, "running": stalled, "rolled_up": recovered}
        )
    return never_started + stalled + recovered


def _reap_running(*, scan_job_id: Any, stalled: bool, now: datetime) -> str:
    minutes = settings.SCAN_RUNNING_STALL_SECONDS // 60
    lost = f"The worker stopped reporting progress for {minutes} minutes (worker lost or killed)."
    parts = ScanPart.objects.filter(scan_job_id=scan_job_id)
    unfinished = parts.exclude(status__in=[PartStatus.DONE, PartStatus.FAILED])
    if not stalled:
        if not parts.exists() or unfinished.exists():
            return "running"
        # Every part finished long ago and nothing rolled the job up: the roll-up message was lost.
        logger.warning("rolling up a scan whose roll-up was lost", extra={"scan_job_id": str(scan_job_id)})
        engine.scan_finalize(scan_job_id=str(scan_job_id))
        return "rolled-up"
    # A part collected in units keeps what its finished units gathered: the lost units error their own
    # services in their own region, and the part is evaluated with the rest.
    for part_id in (
        unfinished.filter(status=PartStatus.RUNNING, units__status=PartStatus.DONE)
        .distinct()
        .values_list("pk", flat=True)
    ):
        ScanUnit.objects.filter(part_id=part_id).exclude(status__in=[PartStatus.DONE, PartStatus.FAILED]).update(
            status=PartStatus.FAILED, completed_at=now, error=f"{lost} This unit was not collected to the end."
        )
        engine.scan_part_evaluate(part_id=str(part_id))
    # Pending parts' messages never reached a worker; running ones lost theirs with the worker.
    unfinished.filter(status=PartStatus.PENDING).update(
        status=PartStatus.FAILED, completed_at=now, error=f"{lost} The task for this integration never started."
    )
    unfinished.filter(status=PartStatus.RUNNING).update(
        status=PartStatus.FAILED, completed_at=now, error=f"{lost} This integration was not scanned to the end."
    )
    if parts.filter(status=PartStatus.DONE).exists():
        failed = parts.filter(status=PartStatus.FAILED).count()
        ScanJob.objects.filter(pk=scan_job_id, status=ScanStatus.RUNNING).update(
            error=f"{lost} Results are partial: {failed} integration(s) not scanned."
        )
        engine.scan_finalize(scan_job_id=str(scan_job_id))
        return "partial"
    failed = ScanJob.objects.filter(pk=scan_job_id, status=ScanStatus.RUNNING).update(
        status=ScanStatus.FAILED, completed_at=now, error=lost
    )
    if failed:
        tenant_id = ScanJob.objects.filter(pk=scan_job_id).values_list("tenant_id", flat=True).first()
        announce_finished(scan_job_ids=[scan_job_id], tenant_ids=[tenant_id])
    return "failed"


# --- schedules ----------------------------------------------------------------------------------

# The settings page's floor; a year is the longest interval that still reads as "recurring".
SCHEDULE_MIN_INTERVAL_MINUTES = 5
SCHEDULE_MAX_INTERVAL_MINUTES = 525_600


def schedule_next_run(*, interval_minutes: int | None, cron: str, after: datetime) -> datetime:
    if cron:
        return croniter(cron, after).get_next(datetime)
    return after + timedelta(minutes=interval_minutes or 60)


def schedule_cron_problem(cron: str) -> str | None:
    """Why a cron expression is refused, or None: exactly five fields, valid, and due on some real date."""
    if len(cron.split()) != 5:
        return "Not a valid cron expression: give exactly five fields, minute hour day-of-month month day-of-week."
    if not croniter.is_valid(cron):
        return "Not a valid cron expression (five fields, e.g. '0 3 * * *')."
    try:
        croniter(cron, timezone.now()).get_next(datetime)
    except ValueError:  # CroniterBadDateError and its kin: no date ever matches, e.g. 31 February
        return "This cron expression never fires (it names a date that does not exist)."
    return None


def _validate_schedule(
    *, tenant: Tenant, interval_minutes: int | None, cron: str, integration_types: list[str] | None, framework_id: Any
) -> Framework | None:
    """The one validation of a schedule, for the API and the settings page alike."""
    errors: dict[str, list[str] | str] = {}
    if bool(interval_minutes) == bool(cron):
        errors["interval_minutes"] = ["Give either interval_minutes or cron, not both."]
    if interval_minutes is not None and interval_minutes < SCHEDULE_MIN_INTERVAL_MINUTES:
        errors["interval_minutes"] = [f"At least {SCHEDULE_MIN_INTERVAL_MINUTES} minutes."]
    elif interval_minutes is not None and interval_minutes > SCHEDULE_MAX_INTERVAL_MINUTES:
        errors["interval_minutes"] = [f"At most {SCHEDULE_MAX_INTERVAL_MINUTES} minutes (a year)."]
    if cron and (problem := schedule_cron_problem(cron)):
        errors["cron"] = [problem]
    if integration_types:
        unknown = [t for t in integration_types if t not in IntegrationType.values]
        if unknown:
            errors["integration_types"] = [f"Unknown integration type(s): {', '.join(unknown)}."]
    framework = None
    if framework_id:
        framework = framework_resolve(tenant=tenant, ref=framework_id)
        if framework is None:
            errors["framework_id"] = [FRAMEWORK_UNKNOWN]
    if errors:
        raise FieldValidationError(errors)
    return framework


@transaction.atomic
def schedule_create(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    name: str,
    interval_minutes: int | None = None,
    cron: str = "",
    integration_types: list[str] | None = None,
    framework_id: Any = None,
    enabled: bool = True,
) -> ScanSchedule:
    framework = _validate_schedule(
        tenant=tenant,
        interval_minutes=interval_minutes,
        cron=cron,
        integration_types=integration_types,
        framework_id=framework_id,
    )
    if ScanSchedule.objects.for_tenant(tenant).filter(name=name).exists():
        raise FieldValidationError({"name": ["A schedule with this name exists."]})
    schedule = ScanSchedule.objects.create(
        tenant=tenant,
        name=name,
        interval_minutes=interval_minutes,
        cron=cron,
        integration_types=integration_types or [],
        framework=framework,
        enabled=enabled,
        created_by=real_user(actor),
        next_run_at=schedule_next_run(interval_minutes=interval_minutes, cron=cron, after=timezone.now()),
    )
    audit_record(tenant=tenant, actor=actor, action="schedule.created", target=schedule)
    return schedule


@transaction.atomic
def schedule_update(*, schedule: ScanSchedule, actor: AbstractBaseUser | None, **changes: Any) -> ScanSchedule:
    merged = {
        "interval_minutes": schedule.interval_minutes,
        "cron": schedule.cron,
        "integration_types": schedule.integration_types,
        "framework_id": schedule.framework_id,
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    if "cron" in changes and changes["cron"] and "interval_minutes" not in changes:
        merged["interval_minutes"] = None
    if "interval_minutes" in changes and changes["interval_minutes"] and "cron" not in changes:
        merged["cron"] = ""
    framework = _validate_schedule(tenant=schedule.tenant, **merged)
    if "name" in changes and changes["name"] != schedule.name:
        if ScanSchedule.objects.for_tenant(schedule.tenant).filter(name=changes["name"]).exists():
            raise FieldValidationError({"name": ["A schedule with this name exists."]})
        schedule.name = changes["name"]
    schedule.interval_minutes = merged["interval_minutes"]
    schedule.cron = merged["cron"] or ""
    schedule.integration_types = merged["integration_types"] or []
    schedule.framework = framework
    if "enabled" in changes:
        schedule.enabled = bool(changes["enabled"])
    schedule.next_run_at = schedule_next_run(
        interval_minutes=schedule.interval_minutes, cron=schedule.cron, after=timezone.now()
    )
    schedule.save()
    audit_record(tenant=schedule.tenant, actor=actor, action="schedule.updated", target=schedule)
    return schedule


def schedule_delete(*, schedule: ScanSchedule, actor: AbstractBaseUser | None) -> None:
    audit_record(tenant=schedule.tenant, actor=actor, action="schedule.deleted", target=schedule)
    schedule.delete()


def schedules_run_due(*, now: datetime | None = None) -> list[ScanJob]:
    """Trigger every enabled schedule whose time has come; each run is a trigger with trigger=schedule."""
    now = now or timezone.now()
    jobs: list[ScanJob] = []
    due_ids = list(ScanSchedule.objects.filter(enabled=True, next_run_at__lte=now).values_list("pk", flat=True)[:500])
    for schedule_id in due_ids:
        with transaction.atomic():
            # skip_locked: a second beat (or a slow previous tick) never triggers the same schedule twice.
            schedule = (
                ScanSchedule.objects.select_for_update(skip_locked=True)
                .filter(pk=schedule_id, enabled=True, next_run_at__lte=now)
                .select_related("tenant")
                .first()
            )
            if schedule is None:
                continue
            schedule.last_run_at = now
            schedule.next_run_at = schedule_next_run(
                interval_minutes=schedule.interval_minutes, cron=schedule.cron, after=now
            )
            schedule.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
        try:
            job = scan_trigger(
                tenant=schedule.tenant,
                actor=None,
                integration_types=schedule.integration_types or None,
                framework_id=schedule.framework_id,
                trigger=ScanTrigger.SCHEDULE,
                schedule=schedule,
            )
        except TooManyRequestsError as exc:
            # The tenant already has its quota of scans waiting: skip this run rather than pile up more.
            logger.warning(
                "scheduled scan skipped: tenant at its scan quota",
                extra={"schedule_id": str(schedule.pk), "tenant_id": str(schedule.tenant_id), "error": str(exc)},
            )
            continue
        except (FieldValidationError, ServiceUnavailableError) as exc:
            logger.warning("scheduled scan not started", extra={"schedule_id": str(schedule.pk), "error": str(exc)})
            continue
        ScanSchedule.objects.filter(pk=schedule.pk).update(last_scan_job=job)
        jobs.append(job)
    return jobs
