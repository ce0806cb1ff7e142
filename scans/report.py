"""One framework of one completed scan, gathered for a report (PDF or printable page): what failed, why, what
could not be evaluated, what was taken out of scope, and every document behind the verdicts.

Nothing here re-judges a control: verdicts are the scan's stored results, score and coverage its
``framework_scores`` entry (docs/POSTURE.md), failing checks and remediation the same rows and registry the
results API reads. A fixed number of queries whatever the number of controls or documents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from complywise.exceptions import ConflictError, FieldValidationError
from complywise.models import Tenant
from evidence.choices import EvidenceType
from evidence.models import Evidence
from evidence.selectors import LinkedDocument, control_documents
from frameworks.models import Framework
from frameworks.selectors import controls_applicability, framework_resolve

from .choices import ResultBasis, ResultStatus, ScanStatus
from .models import ScanJob, ScanResult
from .posture import Tally, Verdict, check_remediation
from .selectors import scan_results
from .services import FRAMEWORK_UNKNOWN

FRAMEWORK_FIELD = "framework_id"
FRAMEWORK_NOT_IN_SCAN = "This scan did not evaluate that framework."
FRAMEWORK_REQUIRED = "This scan evaluated {count} frameworks: say which one the report is for (its id or key)."
FRESHNESS_OF_SCAN_RECORD = "scan record"


@dataclass(frozen=True)
class ReportCheck:
    """A mapped check behind a fail: it failed, or it could not evaluate."""

    check_id: str
    title: str
    severity: str
    could_not_evaluate: bool
    failed: int
    total: int
    remediation: str


@dataclass(frozen=True)
class ReportControl:
    control_id: uuid.UUID
    ref: str
    title: str
    basis: str
    evidence_state: str
    finding: str
    checks: tuple[ReportCheck, ...]


@dataclass(frozen=True)
class ExcludedControl:
    control_id: uuid.UUID
    ref: str
    title: str
    # The decision as recorded now; ``scan_finding`` is what the scan wrote when it excluded the control.
    justification: str
    decided_by: str | None
    decided_at: datetime | None
    still_excluded: bool
    scan_finding: str


@dataclass(frozen=True)
class UnassessedControl:
    control_id: uuid.UUID
    ref: str
    title: str
    reason: str


@dataclass(frozen=True)
class EvidenceEntry:
    """One artifact of the evidence index: a tenant's document, or the record a scan kept of a result."""

    evidence_id: uuid.UUID
    name: str
    kind: str
    control_refs: tuple[str, ...]
    sha256: str
    collected_at: datetime
    # None: the document never goes stale (documents), or a scan record, which states a moment (auto).
    valid_until: datetime | None
    freshness: str


@dataclass(frozen=True)
class ReportSummary:
    """The scan's ``framework_scores`` entry, with real findings apart from the fails that could not evaluate."""

    total: int
    passed: int
    failed: int
    findings: int
    could_not_evaluate: int
    not_applicable: int
    excluded: int | None
    unassessed: int | None
    applicable: int | None
    assessed: int | None
    score: float | None
    coverage: float | None


@dataclass(frozen=True)
class ScanReport:
    tenant_name: str
    framework_id: uuid.UUID
    framework_key: str
    framework_name: str
    framework_version: str
    scan_id: uuid.UUID
    started_at: datetime | None
    completed_at: datetime | None
    partial: bool
    scan_error: str
    generated_at: datetime
    summary: ReportSummary
    failing: tuple[ReportControl, ...]
    could_not_evaluate: tuple[ReportControl, ...]
    excluded: tuple[ExcludedControl, ...]
    unassessed: tuple[UnassessedControl, ...]
    evidence: tuple[EvidenceEntry, ...]

    @property
    def scan_short_id(self) -> str:
        return str(self.scan_id)[:8]

    @property
    def evidence_as_of(self) -> datetime:
        """Documents are listed, and their freshness judged, as the scan saw them when it completed."""
        return self.completed_at or self.generated_at

    @property
    def filename(self) -> str:
        return f"complywise-{self.framework_key}-{self.scan_short_id}.pdf"


# --------------------------------------------------------------------------- which framework


def report_ensure_completed(*, scan_job: ScanJob) -> None:
    if scan_job.status != ScanStatus.COMPLETED:
        raise ConflictError(
            f"The scan is {scan_job.status}; a report exists only for a completed scan. "
            f"Poll GET /api/scans/{scan_job.pk} until status is 'completed'."
        )


def report_framework(*, tenant: Tenant, scan_job: ScanJob, ref: str | None) -> Framework:
    """The framework a report is for: ``ref`` (an id or a key the tenant can see), else the scan's only one.

    409 for a scan that has not completed; 400 naming ``framework_id`` for an unknown framework, one the scan
    did not evaluate, or none given when the scan evaluated several.
    """
    report_ensure_completed(scan_job=scan_job)
    in_scan = {str(framework_id) for framework_id in scan_job.framework_ids or []}
    if not ref:
        if len(in_scan) != 1:
            raise FieldValidationError({FRAMEWORK_FIELD: [FRAMEWORK_REQUIRED.format(count=len(in_scan))]})
        ref = next(iter(in_scan))
    framework = framework_resolve(tenant=tenant, ref=ref)
    if framework is None:
        raise FieldValidationError({FRAMEWORK_FIELD: [FRAMEWORK_UNKNOWN]})
    if str(framework.pk) not in in_scan and framework.key == str(ref).strip():
        # A key names its newest version; an older scan evaluated an earlier one of the same key.
        framework = Framework.objects.visible_to(tenant).filter(key=framework.key, pk__in=in_scan).first() or framework
    if str(framework.pk) not in in_scan:
        raise FieldValidationError({FRAMEWORK_FIELD: [FRAMEWORK_NOT_IN_SCAN]})
    return framework


# --------------------------------------------------------------------------- gathering


def _summary(scan_job: ScanJob, framework: Framework, results: list[ScanResult]) -> ReportSummary:
    entry: dict[str, Any] | None = next(
        (e for e in scan_job.framework_scores or [] if e.get("framework_id") == str(framework.pk)),
        None,
    )
    if entry is None:
        # Not reachable for a scan rolled up by scans.rollup; the same Tally the roll-up uses, so still one rule.
        tally = Tally()
        for r in results:
            tally.add(Verdict(r.status, r.basis, r.errored))
        entry = dict(tally.as_dict())
    failed = int(entry.get("failed", 0))
    could_not_evaluate = int(entry.get("could_not_evaluate", 0))
    return ReportSummary(
        total=int(entry.get("total", len(results))),
        passed=int(entry.get("passed", 0)),
        failed=failed,
        findings=failed - could_not_evaluate,
        could_not_evaluate=could_not_evaluate,
        not_applicable=int(entry.get("not_applicable", 0)),
        # Entries written before these existed lack them: "not known", never a made-up zero.
        excluded=entry.get("excluded"),
        unassessed=entry.get("unassessed"),
        applicable=entry.get("applicable"),
        assessed=entry.get("assessed"),
        score=entry.get("score"),
        coverage=entry.get("coverage"),
    )


def _report_checks(result: ScanResult) -> tuple[ReportCheck, ...]:
    rows = []
    for row in result.checks or []:
        if row.get("status") not in ("fail", "error"):
            continue
        failed, passed, errored = row.get("failed", 0), row.get("passed", 0), row.get("errored", 0)
        rows.append(
            ReportCheck(
                check_id=row["id"],
                title=row.get("title") or row["id"],
                severity=row.get("severity") or "unknown",
                could_not_evaluate=row["status"] == "error",
                failed=failed,
                total=failed + passed + errored,
                remediation=check_remediation(row),
            )
        )
    return tuple(rows)


def _report_control(result: ScanResult) -> ReportControl:
    return ReportControl(
        control_id=result.control_id,
        ref=result.control.ref,
        title=result.control.title,
        basis=result.basis,
        evidence_state=result.evidence_state,
        finding=result.finding,
        checks=_report_checks(result),
    )


def _strictest(documents: list[tuple[str, LinkedDocument]]) -> LinkedDocument:
    """Of one document's links, the one that goes stale first (a link that never does comes last)."""
    return min(
        (doc for _, doc in documents),
        key=lambda doc: (doc.valid_until is None, doc.valid_until or doc.collected_at),
    )


def _manual_evidence(*, scan_job: ScanJob, results: list[ScanResult], as_of: datetime) -> list[EvidenceEntry]:
    """The tenant's documents linked to these controls, as they stood when the scan completed."""
    refs = {r.control_id: r.control.ref for r in results}
    documents = control_documents(tenant=scan_job.tenant_id, control_ids=list(refs), now=as_of)
    links: dict[Any, list[tuple[str, LinkedDocument]]] = {}
    for control_id, docs in documents.items():
        for doc in docs.documents:
            links.setdefault(doc.evidence_id, []).append((refs[control_id], doc))
    if not links:
        return []
    rows = {
        row["pk"]: row
        for row in Evidence.objects.for_tenant(scan_job.tenant_id)
        .filter(pk__in=list(links), type=EvidenceType.MANUAL, created_at__lte=as_of)
        .values("pk", "sha256", "filename")
    }
    entries = []
    for evidence_id, linked in links.items():
        row = rows.get(evidence_id)
        if row is None:
            # Uploaded after the scan completed: it played no part in these verdicts.
            continue
        strictest = _strictest(linked)
        entries.append(
            EvidenceEntry(
                evidence_id=evidence_id,
                name=strictest.title or row["filename"],
                kind=EvidenceType.MANUAL,
                control_refs=tuple(dict.fromkeys(ref for ref, _ in linked)),
                sha256=row["sha256"],
                collected_at=strictest.collected_at,
                valid_until=strictest.valid_until,
                freshness=strictest.freshness,
            )
        )
    entries.sort(key=lambda e: (e.name.lower(), str(e.evidence_id)))
    return entries


def _auto_evidence(results: list[ScanResult]) -> list[EvidenceEntry]:
    """The scan's own record of each assessed result (a "not assessed" stub proves nothing, so it is left out)."""
    entries = []
    for result in results:
        evidence = result.evidence
        if evidence is None or result.status == ResultStatus.NOT_APPLICABLE:
            continue
        entries.append(
            EvidenceEntry(
                evidence_id=evidence.pk,
                name=evidence.title,
                kind=EvidenceType.AUTO,
                control_refs=(result.control.ref,),
                sha256=evidence.sha256,
                collected_at=evidence.collected_at,
                valid_until=None,
                freshness=FRESHNESS_OF_SCAN_RECORD,
            )
        )
    return entries


def scan_report(*, scan_job: ScanJob, framework: Framework, now: datetime | None = None) -> ScanReport:
    """Everything a report of ``framework`` in this completed scan shows; 409 while the scan is not completed.

    The caller has checked the scan is the tenant's and the framework one it evaluated (:func:`report_framework`).
    """
    report_ensure_completed(scan_job=scan_job)
    generated_at = now or timezone.now()
    as_of = scan_job.completed_at or generated_at
    results = list(scan_results(scan_job=scan_job, framework_id=framework.pk).select_related("evidence"))
    decisions = controls_applicability(tenant=scan_job.tenant, framework=framework)

    failing: list[ReportControl] = []
    errored: list[ReportControl] = []
    excluded: list[ExcludedControl] = []
    unassessed: list[UnassessedControl] = []
    for result in results:
        if result.status == ResultStatus.FAIL:
            (errored if result.errored else failing).append(_report_control(result))
        elif result.basis == ResultBasis.EXCLUDED:
            decision = decisions.get(result.control_id)
            still = decision is not None and not decision.applicable
            excluded.append(
                ExcludedControl(
                    control_id=result.control_id,
                    ref=result.control.ref,
                    title=result.control.title,
                    justification=decision.justification if decision is not None and still else "",
                    decided_by=decision.decided_by if decision is not None and still else None,
                    decided_at=decision.decided_at if decision is not None and still else None,
                    still_excluded=still,
                    scan_finding=result.finding,
                )
            )
        elif result.status == ResultStatus.NOT_APPLICABLE:
            unassessed.append(
                UnassessedControl(
                    control_id=result.control_id,
                    ref=result.control.ref,
                    title=result.control.title,
                    reason=(result.finding.splitlines() or [""])[0],
                )
            )

    return ScanReport(
        tenant_name=scan_job.tenant.name,
        framework_id=framework.pk,
        framework_key=framework.key,
        framework_name=framework.name,
        framework_version=framework.version,
        scan_id=scan_job.pk,
        started_at=scan_job.started_at,
        completed_at=scan_job.completed_at,
        partial=scan_job.partial,
        scan_error=scan_job.error,
        generated_at=generated_at,
        summary=_summary(scan_job, framework, results),
        failing=tuple(failing),
        could_not_evaluate=tuple(errored),
        excluded=tuple(excluded),
        unassessed=tuple(unassessed),
        evidence=tuple(_manual_evidence(scan_job=scan_job, results=results, as_of=as_of) + _auto_evidence(results)),
    )
