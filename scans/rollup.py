"""The roll-up: a finished scan's outcomes and the tenant's documents become one result per control.

Each result's verdict comes from scans.posture (the rules of docs/POSTURE.md); this module gathers the inputs,
writes the finding a person reads, stores one evidence artifact per result, and the scores and coverage.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from evidence.choices import EvidenceState
from evidence.selectors import ControlDocuments, control_documents
from evidence.services import AutoEvidenceItem, evidence_store_auto_batch
from frameworks.models import Control, Framework
from frameworks.selectors import controls_with_checks, exclusions_in_scope
from integrations import registry

from .choices import OutcomeStatus, PartStatus, ResultBasis, ScanStatus
from .models import CheckOutcome, ScanJob, ScanResult
from .posture import (
    AUTOMATED_ERROR,
    AUTOMATED_FAIL,
    AUTOMATED_NONE,
    AUTOMATED_PASS,
    DOCUMENTS_OK,
    Tally,
    Verdict,
    check_row_order,
    verdict,
)
from .signals import announce_finished

logger = logging.getLogger(__name__)

# Per check, an evidence artifact lists at most this many passing resources (every failure is listed).
EVIDENCE_PASSING_CAP = 1000
FINDING_RESOURCE_CAP = 10


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
        outcome: dict[str, Any] = {
            **row,
            "integration_id": str(row["integration_id"]) if row["integration_id"] else None,
        }
        by_check[row["check_id"]].append(outcome)
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
    rows: list[dict[str, Any]] = []
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
    rows.sort(key=check_row_order)
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
        announce_finished(scan_job_ids=[job.pk], tenant_ids=[job.tenant_id])
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
