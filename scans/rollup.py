"""The roll-up: a finished scan's outcomes and the tenant's documents become one result per control.

Each result's verdict comes from scans.posture (the rules of docs/POSTURE.md); this module gathers the inputs,
writes the finding a person reads, stores one evidence artifact per result, and the scores and coverage.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from evidence.choices import EvidenceState
from evidence.models import Evidence
from evidence.selectors import ControlDocuments, control_documents
from evidence.services import AutoEvidenceItem, evidence_store_auto_batch
from evidence.storage import delete_quietly, evidence_storage
from frameworks.models import Control, Framework
from frameworks.selectors import controls_with_checks, exclusions_in_scope
from integrations import registry

from . import rollup_spool
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
from .rollup_spool import FINDING_RESOURCE_CAP, Listed, OutcomeSpool
from .signals import announce_finished

logger = logging.getLogger(__name__)

# Controls rolled up per step: one step's results, evidence documents and rows are all the roll-up holds at once.
ROLLUP_CHUNK_CONTROLS = 200


@dataclass
class _CheckStats:
    passed: int = 0
    failed: int = 0
    errored: int = 0

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


def _resource_list(listed: Listed | None) -> str:
    if listed is None:
        return ""
    shown = "; ".join(
        f"{resource}: {reason}" if reason else resource
        for resource, reason in listed.first_failures[:FINDING_RESOURCE_CAP]
    )
    more = f" (+{listed.failures - FINDING_RESOURCE_CAP} more)" if listed.failures > FINDING_RESOURCE_CAP else ""
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
    *, verdict_: Verdict, check_rows: list[dict[str, Any]], listed: dict[str, Listed],
    docs: ControlDocuments, missing_types: list[str], part_names: dict[Any, str],
    check_index: dict[str, registry.Check],
) -> str:  # fmt: skip
    """The verdict in words, failing part first, so a shortened display never hides why it fails."""
    lines: list[str] = []
    documents = _documents_line(docs)
    for row in check_rows:
        if row["status"] != "fail":
            continue
        check = check_index.get(row["id"])
        remediation = f" Remediation: {check.remediation}" if check and check.remediation else ""
        total = row["passed"] + row["failed"] + row["errored"]
        lines.append(
            f"FAIL [{row['severity'] or 'unknown'}] {row['title']} ({row['id']}): {row['failed']} of {total} "
            f"resources fail — {_resource_list(listed.get(row['id']))}.{remediation}"
        )
    if documents and docs.state not in DOCUMENTS_OK:
        lines.append(documents)
    for row in check_rows:
        if row["status"] != "error" and not row["errored"]:
            continue
        errors = listed.get(row["id"])
        places = errors.error_integrations if errors else set()
        where = sorted({part_names.get(i, "an integration") for i in places}) or ["an integration"]
        reason = errors.first_error_reason if errors and errors.first_error_reason is not None else "no detail"
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
    """Roll the outcomes and the tenant's documents up into one result per control, with evidence and scores.

    Streamed: the outcomes go to a spool file in one pass, then controls are rolled up ROLLUP_CHUNK_CONTROLS
    at a time, each chunk's evidence and results stored before the next is built. All chunks share one
    transaction under the job's row lock, so a redelivered roll-up waits, then finds the job completed, and
    a failed one leaves nothing behind (the files it wrote are deleted again).
    """
    started = time.monotonic()
    job = ScanJob.objects.select_related("tenant").filter(pk=scan_job_id).first()
    if job is None or job.status != ScanStatus.RUNNING:
        return
    frameworks = list(Framework.objects.filter(pk__in=job.framework_ids).order_by("key"))
    mapped = controls_with_checks(frameworks=frameworks)
    excluded = exclusions_in_scope(tenant=job.tenant, frameworks=frameworks)
    now = timezone.now()
    documents = control_documents(tenant=job.tenant, control_ids=[control.pk for control, _ in mapped], now=now)
    stats = _check_stats(job.pk)
    parts = list(job.parts.all())
    context = _Context(
        job=job,
        stats=stats,
        types_in_scope={p.integration_type for p in parts},
        part_names={str(p.integration_id): f"{p.integration_type} '{p.integration_name}'" for p in parts},
        integrations=[
            {"id": str(p.integration_id), "type": p.integration_type, "name": p.integration_name, "status": p.status}
            for p in parts
        ],
        # Resolved once: the loop below visits every control of every framework in scope.
        check_index={c.id: c for c in registry.all_checks()},
        collected_at=now,
        marker=f"complywise-outcomes-{uuid.uuid4().hex}",
    )
    with OutcomeSpool() as spool:
        spool.fill(job.pk, {cid for _, ids in mapped for cid in ids})
        context.spool = spool
        with transaction.atomic():
            locked = ScanJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ScanStatus.RUNNING:
                return
            ScanResult.objects.filter(scan_job=job).delete()
            # Under the job lock no other roll-up of this job can add evidence: rows not here now are this run's.
            before = set(Evidence.objects.filter(scan_job=job).values_list("pk", flat=True))
            stored: list[str] = []
            tallies: dict[Any, Tally] = {f.pk: Tally() for f in frameworks}
            overall = Tally()
            evidence_seconds = 0.0
            try:
                for start in range(0, len(mapped), ROLLUP_CHUNK_CONTROLS):
                    chunk = mapped[start : start + ROLLUP_CHUNK_CONTROLS]
                    results, items = _roll_up_chunk(context, chunk, excluded=excluded, documents=documents)
                    stamp = time.monotonic()
                    rows = evidence_store_auto_batch(tenant=job.tenant, scan_job=job, items=items, collected_at=now)
                    evidence_seconds += time.monotonic() - stamp
                    stored += [row.file_key for row in rows if row.pk not in before]
                    for result, evidence in zip(results, rows, strict=True):
                        result.evidence = evidence
                        result.evidence_key = evidence.file_key
                        tallies[result.framework_id].add(_verdict_of(result))
                        overall.add(_verdict_of(result))
                    ScanResult.objects.bulk_create(results, batch_size=1000)
                    del results, items, rows
                _complete(locked, parts, tallies, overall, frameworks)
                locked.timings = {
                    **(locked.timings or {}),
                    "rollup": round(time.monotonic() - started, 3),
                    "evidence": round(evidence_seconds, 3),
                }
                locked.save()
            except BaseException:
                # The rows roll back with the transaction; their files were written already and must go too.
                delete_quietly(evidence_storage(), stored)
                raise
            announce_finished(scan_job_ids=[job.pk], tenant_ids=[job.tenant_id])
    logger.info("scan completed", extra={"scan_job_id": str(job.pk), "score": locked.score})


@dataclass
class _Context:
    """What every control of the roll-up is judged against."""

    job: ScanJob
    stats: dict[str, _CheckStats]
    types_in_scope: set[str]
    part_names: dict[Any, str]
    integrations: list[dict[str, Any]]
    check_index: dict[str, registry.Check]
    collected_at: Any
    marker: str
    spool: OutcomeSpool | None = None


def _roll_up_chunk(
    context: _Context, chunk: list[tuple[Control, list[str]]], *, excluded: dict[Any, Any],
    documents: dict[Any, ControlDocuments],
) -> tuple[list[ScanResult], list[AutoEvidenceItem]]:  # fmt: skip
    """Each control's result and its evidence item (one per control, in the same order)."""
    assert context.spool is not None
    job, stats, check_index = context.job, context.stats, context.check_index
    results: list[ScanResult] = []
    items: list[AutoEvidenceItem] = []
    for control, check_ids in chunk:
        exclusion = excluded.get(control.pk)
        docs = documents[control.pk]
        automated = _automated_status(check_ids, stats)
        check_rows = _check_rows(check_ids, stats, check_index)
        missing_types = _missing_types(check_ids, check_index, context.types_in_scope)
        v = verdict(excluded=exclusion is not None, automated=automated, evidence_state=docs.state)
        if exclusion is not None:
            # The tenant took the control out of scope: whatever its checks found does not count.
            finding = exclusion.exclusion_finding()
        else:
            finding = _finding(
                verdict_=v,
                check_rows=check_rows,
                listed=context.spool.listed,
                docs=docs,
                missing_types=missing_types,
                part_names=context.part_names,
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
        document, splices = _evidence_document(
            context, control=control, verdict_=v, finding=finding, check_ids=check_ids, docs=docs
        )
        items.append(
            AutoEvidenceItem(
                control=control,
                framework=control.framework,
                title=f"Scan result: {control.framework.key} {control.ref} — {v.status}",
                document=document,
                splices=splices,
            )
        )
    return results, items


def _complete(
    locked: ScanJob, parts: list[Any], tallies: dict[Any, Tally], overall: Tally, frameworks: list[Framework]
) -> None:
    _apply_counts(locked, tallies, overall, frameworks)
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
            + "; ".join(f"{p.integration_type} '{p.integration_name}': {p.error or 'no detail'}" for p in failed_parts)[
                :5000
            ]
        )


def _verdict_of(result: ScanResult) -> Verdict:
    return Verdict(result.status, result.basis, result.errored)


def _apply_counts(job: ScanJob, per_framework: dict[Any, Tally], overall: Tally, frameworks: list[Framework]) -> None:
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
    context: _Context, *, control: Control, verdict_: Verdict, finding: str, check_ids: list[str],
    docs: ControlDocuments,
) -> tuple[dict[str, Any], dict[str, Callable[[], Iterator[bytes]]]]:  # fmt: skip
    """The document, each check's outcome list standing in as a marker, and the spool arrays that replace them."""
    assert context.spool is not None
    job, check_index, collected_at, integrations = (
        context.job,
        context.check_index,
        context.collected_at,
        context.integrations,
    )
    checks = []
    splices: dict[str, Callable[[], Iterator[bytes]]] = {}
    for position, check_id in enumerate(check_ids):
        check = check_index.get(check_id)
        s = context.stats.get(check_id, _CheckStats())
        outcomes: Any = []
        if check_id in context.spool.listed:
            # Per position, not per check id: each marker must occur once in the document.
            outcomes = f"{context.marker}-{position}"
            splices[outcomes] = context.spool.array(check_id)
        checks.append(
            {
                "id": check_id,
                "title": check.title if check else "",
                "severity": str(check.severity) if check else "",
                "integration_type": check.integration_type if check else "",
                "passed": s.passed,
                "failed": s.failed,
                "errored": s.errored,
                "outcomes_truncated": s.passed > rollup_spool.EVIDENCE_PASSING_CAP,
                "outcomes": outcomes,
            }
        )
    document = {
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
    return document, splices
