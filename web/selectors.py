"""What the pages compose from several apps' selectors (dashboard panels, the register's rows, provider forms).

A read that belongs to one app lives in that app's selectors, where its API calls it too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from complywise.models import Tenant
from evidence.choices import EvidenceState, EvidenceType
from evidence.models import Evidence
from evidence.selectors import control_documents, evidence_filtered
from frameworks.models import Framework
from frameworks.selectors import evidence_requirements_in, exclusions_in_scope, frameworks_active
from scans.choices import ResultBasis, ResultStatus
from scans.models import ScanJob, ScanResult
from scans.selectors import scan_trend

# --- dashboard ------------------------------------------------------------------------------------


@dataclass
class FrameworkSummary:
    """One active framework on the dashboard: its latest scan's counts and its score over time."""

    framework: Framework
    trend: list[dict[str, Any]]
    latest: dict[str, Any] | None = None


def dashboard_frameworks(*, tenant: Tenant, days: int) -> list[FrameworkSummary]:
    """Active frameworks with their score trend (scans.selectors.scan_trend) and the latest scan's counts."""
    frameworks = list(frameworks_active(tenant=tenant))
    summaries = [
        FrameworkSummary(framework=framework, trend=scan_trend(tenant=tenant, framework_id=framework.pk, days=days))
        for framework in frameworks
    ]
    # The trend has pass/fail only; the latest job's per-framework entry also has not-applicable.
    latest_job_ids = {summary.trend[-1]["scan_job_id"] for summary in summaries if summary.trend}
    scores_by_job = dict(
        ScanJob.objects.for_tenant(tenant).filter(pk__in=latest_job_ids).values_list("pk", "framework_scores")
    )
    for summary in summaries:
        if not summary.trend:
            continue
        point = summary.trend[-1]
        entries = scores_by_job.get(uuid.UUID(point["scan_job_id"]), [])
        entry: dict[str, Any] = next((e for e in entries if e.get("framework_id") == str(summary.framework.pk)), {})
        summary.latest = {
            "scan_job_id": point["scan_job_id"],
            "completed_at": point["completed_at"],
            "score": point["score"],
            **framework_entry_counts({"passed": point["passed"], "failed": point["failed"], **entry}),
        }
    return summaries


def framework_entry_counts(entry: dict[str, Any]) -> dict[str, Any]:
    """A ``framework_scores`` entry as the pages show it: real findings apart from checks that could not evaluate.

    Entries written before coverage existed lack the newer keys; they read as "not known" (None), not as zero.
    """
    failed = entry.get("failed", 0)
    could_not_evaluate = entry.get("could_not_evaluate", 0)
    return {
        "passed": entry.get("passed", 0),
        # ``failed`` counts every fail result, errored ones included: findings are the rest.
        "findings": failed - could_not_evaluate,
        "could_not_evaluate": could_not_evaluate,
        "not_applicable": entry.get("not_applicable", 0),
        # What "not applicable" is made of: controls the tenant excluded from scope, and controls nothing assessed
        # (no check ran, no document is required), which are work to do before an audit, not out of scope.
        "excluded": entry.get("excluded"),
        "unassessed": entry.get("unassessed"),
        "applicable": entry.get("applicable"),
        "assessed": entry.get("assessed"),
        "coverage": entry.get("coverage"),
    }


# --- documents due, expired, without an owner --------------------------------------------------------

DOCUMENTS_DUE_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class DocumentItem:
    """One control's document requirement as a dashboard panel lists it."""

    control_id: Any
    control_ref: str
    framework_key: str
    sort_key: str
    owner_email: str | None
    date: date | None
    state: str


@dataclass
class DocumentPanel:
    items: list[DocumentItem] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


@dataclass
class DocumentsOverview:
    due_soon: DocumentPanel
    expired: DocumentPanel
    unowned: DocumentPanel


def _panel(items: list[DocumentItem], limit: int) -> DocumentPanel:
    # Undated items last: they have no deadline to sort by, but still need doing.
    items.sort(key=lambda i: (i.date is None, i.date or date.max, i.framework_key, i.sort_key))
    return DocumentPanel(items=items[:limit], total=len(items))


def documents_overview(*, tenant: Tenant, now: datetime, limit: int = 10) -> DocumentsOverview:
    """The document requirements of the tenant's active frameworks that need someone before an audit.

    Due soon: the next document is due within 30 days (a fresh one's end of validity, or the first one's
    due date). Expired: the best document has expired, or none came by the due date. Without an owner:
    nobody is named to provide it. Excluded controls need nothing. Five queries whatever the count.
    """
    frameworks = list(frameworks_active(tenant=tenant))
    excluded = exclusions_in_scope(tenant=tenant, frameworks=frameworks)
    requirements = [
        r for r in evidence_requirements_in(tenant=tenant, frameworks=frameworks) if r.control_id not in excluded
    ]
    documents = control_documents(tenant=tenant, control_ids=[r.control_id for r in requirements], now=now)
    today = timezone.localdate(now)
    horizon = today + DOCUMENTS_DUE_WITHIN
    due_soon, expired, unowned = [], [], []
    for requirement in requirements:
        docs = documents[requirement.control_id]
        next_due = docs.next_due
        item = DocumentItem(
            control_id=requirement.control_id,
            control_ref=requirement.control.ref,
            framework_key=requirement.control.framework.key,
            sort_key=requirement.control.sort_key,
            owner_email=docs.owner_email,
            date=next_due,
            state=docs.state,
        )
        overdue = docs.state == EvidenceState.MISSING and docs.due_date is not None and docs.due_date < today
        if docs.state == EvidenceState.EXPIRED or overdue:
            expired.append(item)
        elif next_due is not None and next_due <= horizon:
            due_soon.append(item)
        if docs.owner_id is None:
            unowned.append(item)
    return DocumentsOverview(
        due_soon=_panel(due_soon, limit), expired=_panel(expired, limit), unowned=_panel(unowned, limit)
    )


# --- evidence -----------------------------------------------------------------------------------------


def evidence_list(
    *,
    tenant: Tenant,
    framework_id: Any = None,
    control_ref: str = "",
    evidence_type: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
    scan_job_id: Any = None,
    include_unassessed: bool = True,
) -> QuerySet[Evidence]:
    """The register's rows: evidence.selectors.evidence_filtered (the API list's filter), in the page's order.

    Framework and control ref match any control a document supports. Dates are whole local days.
    Scan artifacts come grouped by scan (newest scan first, controls in natural order); documents newest first.
    ``include_unassessed=False`` leaves out the artifacts a scan wrote for controls it could not assess
    (nothing covered them): hundreds of stubs that prove nothing. Telling them apart takes the scan's
    result, which the evidence app cannot read; hence that part is composed here.
    """
    zone = timezone.get_current_timezone()
    created_after = datetime.combine(created_from, time.min, tzinfo=zone) if created_from else None
    # Inclusive of the whole "to" day.
    created_before = datetime.combine(created_to, time.min, tzinfo=zone) + timedelta(days=1) if created_to else None
    evidence = evidence_filtered(
        tenant=tenant,
        queryset=Evidence.objects.select_related("uploaded_by", "scan_job"),
        control_ref=control_ref,
        control_framework_id=framework_id,
        evidence_type=evidence_type,
        scan_job_id=scan_job_id,
        created_after=created_after,
        created_before=created_before,
    )
    if not include_unassessed and evidence_type != EvidenceType.MANUAL:
        # Results rolled up before ``basis`` existed say only "not applicable".
        stub = Q(basis=ResultBasis.UNASSESSED) | Q(basis="", status=ResultStatus.NOT_APPLICABLE)
        evidence = evidence.filter(~Exists(ScanResult.objects.filter(stub, evidence_id=OuterRef("pk"))))
    if evidence_type == EvidenceType.AUTO:
        return evidence.order_by("-scan_job__created_at", "scan_job_id", "framework_key", "control__sort_key", "pk")
    return evidence.order_by("-created_at", "-sequence")
