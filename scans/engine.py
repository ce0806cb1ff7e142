"""The scan engine: start a job, run one integration's checks, roll outcomes up into results.

Fan-out is coordinated through the database rather than a Celery chord: each
integration's task marks its ScanPart finished and the last one to finish enqueues the
roll-up. That needs no result backend, works with every broker (the embedded
filesystem one included) and survives redelivery, because every step is idempotent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from complywise.celery import BROKER_ERRORS
from complywise.models import Tenant
from evidence.choices import EvidenceState
from evidence.selectors import ControlDocuments, control_documents
from evidence.services import AutoEvidenceItem, evidence_store_auto_batch
from frameworks.models import Control, Framework
from frameworks.selectors import controls_with_checks, exclusions_in_scope
from integrations import registry
from integrations.models import Integration
from integrations.selectors import integrations_for_scan
from integrations.services import integration_connector

from .choices import OutcomeStatus, PartStatus, ResultBasis, ScanStatus
from .models import CheckOutcome, ScanJob, ScanPart, ScanResult
from .posture import (
    AUTOMATED_ERROR,
    AUTOMATED_FAIL,
    AUTOMATED_NONE,
    AUTOMATED_PASS,
    DOCUMENTS_OK,
    Tally,
    Verdict,
    verdict,
)

logger = logging.getLogger(__name__)

OUTCOME_BATCH_SIZE = 1000
# Per check, an evidence artifact lists at most this many passing resources (every failure is listed).
EVIDENCE_PASSING_CAP = 1000
FINDING_RESOURCE_CAP = 10
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4}


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


def _job_is_live(scan_job_id: Any) -> bool:
    return ScanJob.objects.filter(pk=scan_job_id, status=ScanStatus.RUNNING).exists()


def _outcome_rows(
    *, part: ScanPart, integration: Integration, checks: list[registry.Check], inventory: registry.Inventory
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


# --- roll-up ----------------------------------------------------------------------------------


@dataclass
class _CheckStats:
    passed: int = 0
    failed: int = 0
    errored: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return bool(self.passed or self.failed or self.errored)


def _check_stats(scan_job_id: Any) -> dict[str, _CheckStats]:
    stats: dict[str, _CheckStats] = defaultdict(_CheckStats)
    for row in (
        CheckOutcome.objects.filter(scan_job_id=scan_job_id).values("check_id", "status").annotate(n=Count("id"))
    ):
        s = stats[row["check_id"]]
        if row["status"] == OutcomeStatus.PASS:
            s.passed += row["n"]
        elif row["status"] == OutcomeStatus.FAIL:
            s.failed += row["n"]
        else:
            s.errored += row["n"]
    return stats


def _outcomes_by_check(scan_job_id: Any, check_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Per-resource outcomes for evidence: every failure and error, passing ones up to a cap."""
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    passing: dict[str, int] = defaultdict(int)
    rows = (
        CheckOutcome.objects.filter(scan_job_id=scan_job_id, check_id__in=check_ids)
        .order_by("check_id", "status", "resource_id")
        .values("check_id", "resource_id", "resource_type", "region", "status", "reason", "detail", "integration_id")
    )
    for row in rows.iterator(chunk_size=5000):
        if row["status"] == OutcomeStatus.PASS:
            passing[row["check_id"]] += 1
            if passing[row["check_id"]] > EVIDENCE_PASSING_CAP:
                continue
        row["integration_id"] = str(row["integration_id"]) if row["integration_id"] else None
        by_check[row["check_id"]].append(row)
    return by_check


def _automated_status(check_ids: list[str], stats: dict[str, _CheckStats]) -> str:
    ran = [stats[c] for c in check_ids if c in stats and stats[c].ran]
    if any(s.failed for s in ran):
        return AUTOMATED_FAIL
    # An errored check never counts as a pass: a broken integration must not look compliant.
    if any(s.errored for s in ran):
        return AUTOMATED_ERROR
    return AUTOMATED_PASS if ran else AUTOMATED_NONE


def _check_rows(
    check_ids: list[str], stats: dict[str, _CheckStats], check_index: dict[str, registry.Check]
) -> list[dict[str, Any]]:
    """Each mapped check with its own status in this scan, failing ones first (then errors, passes, not run)."""
    rows = []
    for check_id in check_ids:
        check = check_index.get(check_id)
        s = stats.get(check_id, _CheckStats())
        if s.failed:
            status = "fail"
        elif s.errored:
            status = "error"
        elif s.passed:
            status = "pass"
        else:
            status = "not-run"
        rows.append(
            {
                "id": check_id,
                "title": check.title if check else check_id,
                "severity": str(check.severity) if check else "",
                "integration_type": check.integration_type if check else "",
                "status": status,
                "passed": s.passed,
                "failed": s.failed,
                "errored": s.errored,
            }
        )
    rank = {"fail": 0, "error": 1, "pass": 2, "not-run": 3}
    rows.sort(key=lambda r: (rank[r["status"]], SEVERITY_RANK.get(r["severity"], 9), r["id"]))
    return rows


def _missing_types(check_ids: list[str], check_index: dict[str, registry.Check], types_in_scope: set[str]) -> list[str]:
    needed = {check_index[c].integration_type for c in check_ids if c in check_index}
    return sorted(needed - types_in_scope)


def _resource_list(bad: list[dict[str, Any]]) -> str:
    shown = "; ".join(
        f"{o['resource_id']}: {o['reason']}" if o["reason"] else o["resource_id"] for o in bad[:FINDING_RESOURCE_CAP]
    )
    more = f" (+{len(bad) - FINDING_RESOURCE_CAP} more)" if len(bad) > FINDING_RESOURCE_CAP else ""
    return shown + more


def _documents_line(docs: ControlDocuments) -> str | None:
    if not docs.required:
        return None
    owner = f"owner {docs.owner_email}" if docs.owner_email else "no owner"
    every = f", renewed every {docs.renewal_days} days" if docs.renewal_days else ""
    if docs.state == EvidenceState.MISSING:
        due = f", due {docs.due_date.isoformat()}" if docs.due_date else ""
        return f"Document missing: none uploaded{every} ({owner}{due})."
    best = docs.best
    assert best is not None
    until = best.valid_until.date().isoformat() if best.valid_until else None
    if docs.state == EvidenceState.EXPIRED:
        return f'Document expired on {until}: "{best.title}" ({owner}); upload a current one.'
    if docs.state == EvidenceState.EXPIRING:
        return f'Document expiring on {until}: "{best.title}" ({owner}); renew it.'
    tail = f" until {until}" if until else ""
    return f'Document fresh{tail}: "{best.title}".'


def _finding(
    *, verdict_: Verdict, check_rows: list[dict[str, Any]], outcomes: dict[str, list[dict[str, Any]]],
    docs: ControlDocuments, missing_types: list[str], part_names: dict[Any, str],
    check_index: dict[str, registry.Check],
) -> str:  # fmt: skip
    """The verdict in words, failing part first, so a shortened display never hides why it fails."""
    lines: list[str] = []
    documents = _documents_line(docs)
    for row in check_rows:
        if row["status"] != "fail":
            continue
        bad = [o for o in outcomes.get(row["id"], []) if o["status"] == OutcomeStatus.FAIL]
        check = check_index.get(row["id"])
        remediation = f" Remediation: {check.remediation}" if check and check.remediation else ""
        total = row["passed"] + row["failed"] + row["errored"]
        lines.append(
            f"FAIL [{row['severity'] or 'unknown'}] {row['title']} ({row['id']}): {row['failed']} of {total} "
            f"resources fail — {_resource_list(bad)}.{remediation}"
        )
    if documents and docs.state not in DOCUMENTS_OK:
        lines.append(documents)
    for row in check_rows:
        if row["status"] != "error" and not row["errored"]:
            continue
        errors = [o for o in outcomes.get(row["id"], []) if o["status"] == OutcomeStatus.ERROR]
        where = sorted({part_names.get(o["integration_id"], "an integration") for o in errors}) or ["an integration"]
        reason = errors[0]["reason"] if errors else "no detail"
        lines.append(f"Could not evaluate: {row['title']} ({row['id']}) on {', '.join(where)}: {reason}")
    for row in check_rows:
        if row["status"] == "pass":
            lines.append(f"Pass: {row['title']} ({row['id']}): {row['passed']} of {row['passed']} resources pass.")
    if documents and docs.state in DOCUMENTS_OK:
        lines.append(documents)
    mapped = len(check_rows)
    ran = sum(1 for row in check_rows if row["status"] != "not-run")
    if mapped:
        summary = f"Checks ran: {ran} of {mapped} mapped"
        if missing_types:
            summary += f"; no {', '.join(missing_types)} integration in this scan"
        elif ran < mapped:
            summary += "; the others found no resources to evaluate"
        lines.append(summary + ".")
    if verdict_.basis == ResultBasis.UNASSESSED:
        if not mapped:
            lines.insert(0, "Not assessed: no automated check covers this control and no document is required.")
        else:
            lines.insert(0, "Not assessed: none of the mapped checks ran and no document is required.")
    return "\n".join(lines)


def scan_finalize(*, scan_job_id: str) -> None:
    """Roll the outcomes and the tenant's documents up into one result per control, with evidence and scores."""
    job = ScanJob.objects.select_related("tenant").filter(pk=scan_job_id).first()
    if job is None or job.status != ScanStatus.RUNNING:
        return
    frameworks = list(Framework.objects.filter(pk__in=job.framework_ids).order_by("key"))
    mapped = controls_with_checks(frameworks=frameworks)
    excluded = exclusions_in_scope(tenant=job.tenant, frameworks=frameworks)
    now = timezone.now()
    documents = control_documents(tenant=job.tenant, control_ids=[control.pk for control, _ in mapped], now=now)
    stats = _check_stats(job.pk)
    all_check_ids = {cid for _, ids in mapped for cid in ids}
    outcomes = _outcomes_by_check(job.pk, all_check_ids)
    parts = list(job.parts.all())
    types_in_scope = {p.integration_type for p in parts}
    part_names = {str(p.integration_id): f"{p.integration_type} '{p.integration_name}'" for p in parts}
    integrations = [
        {"id": str(p.integration_id), "type": p.integration_type, "name": p.integration_name, "status": p.status}
        for p in parts
    ]
    # Resolved once: the loop below visits every control of every framework in scope.
    check_index = {c.id: c for c in registry.all_checks()}

    results: list[ScanResult] = []
    items: list[AutoEvidenceItem] = []
    for control, check_ids in mapped:
        exclusion = excluded.get(control.pk)
        docs = documents[control.pk]
        automated = _automated_status(check_ids, stats)
        check_rows = _check_rows(check_ids, stats, check_index)
        missing_types = _missing_types(check_ids, check_index, types_in_scope)
        v = verdict(excluded=exclusion is not None, automated=automated, evidence_state=docs.state)
        if exclusion is not None:
            # The tenant took the control out of scope: whatever its checks found does not count.
            finding = exclusion.exclusion_finding()
        else:
            finding = _finding(
                verdict_=v,
                check_rows=check_rows,
                outcomes=outcomes,
                docs=docs,
                missing_types=missing_types,
                part_names=part_names,
                check_index=check_index,
            )
        results.append(
            ScanResult(
                tenant_id=job.tenant_id,
                scan_job=job,
                framework_id=control.framework_id,
                control=control,
                status=v.status,
                basis=v.basis,
                errored=v.errored,
                evidence_state=docs.state,
                automated_status=automated,
                checks_mapped=len(check_ids),
                checks_ran=sum(1 for row in check_rows if row["status"] != "not-run"),
                missing_integration_types=missing_types,
                checks=check_rows,
                finding=finding,
                sort_key=control.sort_key,
            )
        )
        items.append(
            AutoEvidenceItem(
                control=control,
                framework=control.framework,
                title=f"Scan result: {control.framework.key} {control.ref} — {v.status}",
                document=_evidence_document(
                    job=job,
                    control=control,
                    verdict_=v,
                    finding=finding,
                    check_ids=check_ids,
                    stats=stats,
                    outcomes=outcomes,
                    integrations=integrations,
                    docs=docs,
                    collected_at=now,
                    check_index=check_index,
                ),
            )
        )

    with transaction.atomic():
        locked = ScanJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ScanStatus.RUNNING:
            return
        ScanResult.objects.filter(scan_job=job).delete()
        evidence_rows = evidence_store_auto_batch(tenant=job.tenant, scan_job=job, items=items, collected_at=now)
        evidence_by_control = {e.control_id: e for e in evidence_rows}
        for result in results:
            evidence = evidence_by_control.get(result.control_id)
            if evidence is not None:
                result.evidence = evidence
                result.evidence_key = evidence.file_key
        ScanResult.objects.bulk_create(results, batch_size=1000)
        _apply_counts(locked, results, frameworks)
        locked.status = ScanStatus.COMPLETED
        locked.completed_at = timezone.now()
        locked.progress = 100
        locked.progress_at = locked.completed_at
        failed_parts = [p for p in parts if p.status == PartStatus.FAILED]
        locked.partial = bool(failed_parts)
        if failed_parts and not locked.error:
            # A partial scan names what it is missing, so its lower coverage is never a mystery (the reaper
            # may already have said why).
            locked.error = (
                "Partial scan; not collected: "
                + "; ".join(
                    f"{p.integration_type} '{p.integration_name}': {p.error or 'no detail'}" for p in failed_parts
                )[:5000]
            )
        locked.save()
    logger.info("scan completed", extra={"scan_job_id": str(job.pk), "score": locked.score})


def _verdict_of(result: ScanResult) -> Verdict:
    return Verdict(result.status, result.basis, result.errored)


def _apply_counts(job: ScanJob, results: list[ScanResult], frameworks: list[Framework]) -> None:
    per_framework: dict[Any, Tally] = {f.pk: Tally() for f in frameworks}
    overall = Tally()
    for r in results:
        per_framework[r.framework_id].add(_verdict_of(r))
        overall.add(_verdict_of(r))
    job.framework_scores = [
        {"framework_id": str(f.pk), "framework_key": f.key, "framework_name": f.name, **per_framework[f.pk].as_dict()}
        for f in frameworks
    ]
    job.passed_controls = overall.passed
    job.failed_controls = overall.failed + overall.errored
    job.errored_controls = overall.errored
    job.not_applicable_controls = overall.excluded + overall.unassessed
    job.total_controls = overall.total
    job.score = overall.score
    job.coverage = overall.coverage


def _evidence_document(
    *, job: ScanJob, control: Control, verdict_: Verdict, finding: str, check_ids: list[str],
    stats: dict[str, _CheckStats], outcomes: dict[str, list[dict[str, Any]]], integrations: list[dict[str, Any]],
    docs: ControlDocuments, collected_at: Any, check_index: dict[str, registry.Check],
) -> dict[str, Any]:  # fmt: skip
    checks = []
    for check_id in check_ids:
        check = check_index.get(check_id)
        s = stats.get(check_id, _CheckStats())
        listed = outcomes.get(check_id, [])
        checks.append(
            {
                "id": check_id,
                "title": check.title if check else "",
                "severity": str(check.severity) if check else "",
                "integration_type": check.integration_type if check else "",
                "passed": s.passed,
                "failed": s.failed,
                "errored": s.errored,
                "outcomes_truncated": s.passed > EVIDENCE_PASSING_CAP,
                "outcomes": listed,
            }
        )
    return {
        "schema": "complywise.scan-result-evidence/1",
        "scan_job": {
            "id": str(job.pk),
            "trigger": job.trigger,
            "started_at": job.started_at.isoformat() if job.started_at else None,
        },
        "tenant_id": str(job.tenant_id),
        "framework": {"id": str(control.framework_id), "key": control.framework.key, "name": control.framework.name},
        "control": {"id": str(control.pk), "ref": control.ref, "title": control.title},
        "status": verdict_.status,
        "basis": verdict_.basis,
        "could_not_evaluate": verdict_.errored,
        "finding": finding,
        "checks": checks,
        # The documents the verdict counted: the auditor can fetch each by id and check its sha256.
        "documents": {
            "state": docs.state,
            "renewal_days": docs.renewal_days,
            "owner": docs.owner_email,
            "linked": [
                {
                    "evidence_id": str(doc.evidence_id),
                    "title": doc.title,
                    "collected_at": doc.collected_at.isoformat(),
                    "valid_until": doc.valid_until.isoformat() if doc.valid_until else None,
                    "freshness": doc.freshness,
                }
                for doc in docs.documents
            ],
        },
        "integrations": integrations,
        "collected_at": collected_at.isoformat(),
    }
