"""Reads the pages need that the apps' selectors do not offer; every one is scoped to a tenant."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, UUIDField, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from rest_framework import serializers

from complywise.models import Tenant
from evidence.choices import EvidenceState, EvidenceType
from evidence.models import Evidence, EvidenceControlLink, EvidenceExport
from evidence.selectors import control_documents, evidence_control_ids, evidence_validity
from frameworks.models import Control, ControlCheck, ControlEvidenceRequirement, Framework
from frameworks.selectors import exclusions_in_scope, framework_controls, frameworks_for_tenant
from integrations import providers
from scans.choices import OutcomeStatus, ResultBasis, ResultStatus, ScanStatus
from scans.models import CheckOutcome, ScanJob, ScanResult
from scans.selectors import scan_results, scan_trend

if TYPE_CHECKING:
    # Typing only: django-stubs-ext is a development requirement.
    from django_stubs_ext import WithAnnotations


class FrameworkCounts(TypedDict):
    """What frameworks.selectors.frameworks_for_tenant annotates on each framework."""

    active: bool
    control_count: int
    automated_control_count: int


def frameworks_with_counts(*, tenant: Tenant) -> QuerySet[WithAnnotations[Framework, FrameworkCounts]]:
    """frameworks_for_tenant, typed with its annotations so that filtering or ordering on ``active`` type-checks."""
    return cast("QuerySet[WithAnnotations[Framework, FrameworkCounts]]", frameworks_for_tenant(tenant=tenant))


# --- dashboard ------------------------------------------------------------------------------------


@dataclass
class FrameworkSummary:
    """One active framework on the dashboard: its latest scan's counts and its score over time."""

    framework: Framework
    trend: list[dict[str, Any]]
    latest: dict[str, Any] | None = None


def dashboard_frameworks(*, tenant: Tenant, days: int) -> list[FrameworkSummary]:
    """Active frameworks with their score trend (scans.selectors.scan_trend) and the latest scan's counts."""
    frameworks = list(frameworks_with_counts(tenant=tenant).filter(active=True).order_by("name", "version"))
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
        "applicable": entry.get("applicable"),
        "assessed": entry.get("assessed"),
        "coverage": entry.get("coverage"),
    }


def scan_latest_completed(*, tenant: Tenant) -> ScanJob | None:
    return ScanJob.objects.for_tenant(tenant).filter(status=ScanStatus.COMPLETED).order_by("-created_at").first()


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
        r
        for r in ControlEvidenceRequirement.objects.for_tenant(tenant)
        .filter(control__framework__in=[f.pk for f in frameworks])
        .select_related("control__framework")
        if r.control_id not in excluded
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


# --- scan results ---------------------------------------------------------------------------------


def scan_results_filtered(
    *, scan_job: ScanJob, statuses: list[str] | None, framework_id: Any, search: str, errored: bool | None = None
) -> QuerySet[ScanResult]:
    """scans.selectors.scan_results, narrowed by a search in the control's ref and title."""
    results = scan_results(scan_job=scan_job, statuses=statuses, framework_id=framework_id, errored=errored)
    search = search.strip()
    if search:
        results = results.filter(Q(control__ref__icontains=search) | Q(control__title__icontains=search))
    return results


def scan_frameworks(*, scan_job: ScanJob) -> list[Framework]:
    """The frameworks a scan evaluated (resolved at trigger time), for the results filter."""
    return list(Framework.objects.filter(pk__in=scan_job.framework_ids or []).order_by("name", "version"))


@dataclass
class FailingResources:
    outcomes: list[CheckOutcome] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.outcomes)


def failing_resources(*, scan_job: ScanJob, control_ids: list[Any], cap: int = 10) -> dict[Any, FailingResources]:
    """Per control, the fail/error outcomes of its mapped checks in this scan: at most ``cap`` each, with totals.

    Three queries for a whole page of controls: mappings, the capped outcomes (ranked per check),
    and the outcome count per check.
    """
    checks_by_control: dict[Any, list[str]] = defaultdict(list)
    for control_id, check_id in ControlCheck.objects.filter(control_id__in=control_ids).values_list(
        "control_id", "check_id"
    ):
        checks_by_control[control_id].append(check_id)
    check_ids = sorted({c for checks in checks_by_control.values() for c in checks})
    if not check_ids:
        return {}
    bad = (
        CheckOutcome.objects.for_tenant(scan_job.tenant_id)
        .filter(scan_job=scan_job, check_id__in=check_ids, status__in=[OutcomeStatus.FAIL, OutcomeStatus.ERROR])
        .order_by()
    )
    ranked = (
        bad.annotate(
            rank=Window(RowNumber(), partition_by=[F("check_id")], order_by=[F("status").asc(), F("resource_id").asc()])
        )
        .filter(rank__lte=cap)
        .order_by("check_id", "rank")
    )
    by_check: dict[str, list[CheckOutcome]] = defaultdict(list)
    for outcome in ranked:
        by_check[outcome.check_id].append(outcome)
    counts: dict[str, int] = defaultdict(int)
    counts.update(bad.values("check_id").annotate(n=Count("pk")).values_list("check_id", "n"))

    found: dict[Any, FailingResources] = {}
    for control_id, checks in checks_by_control.items():
        entry = FailingResources(total=sum(counts[c] for c in checks))
        for check_id in sorted(checks):
            entry.outcomes.extend(by_check[check_id][: cap - len(entry.outcomes)])
        if entry.total:
            found[control_id] = entry
    return found


# --- controls ---------------------------------------------------------------------------------------


def control_result_history(*, tenant: Tenant, control: Control, limit: int = 20) -> list[ScanResult]:
    """The control's verdicts in the tenant's most recent scans, newest first."""
    return list(
        ScanResult.objects.for_tenant(tenant)
        .filter(control=control)
        .select_related("scan_job")
        .order_by("-created_at")[:limit]
    )


def control_evidence(*, tenant: Tenant, control: Control) -> QuerySet[Evidence]:
    return (
        Evidence.objects.for_tenant(tenant)
        .filter(control=control)
        .select_related("uploaded_by")
        .order_by("-created_at", "-sequence")
    )


def _latest_verdict(tenant: Tenant, field: str) -> Subquery:
    latest = ScanResult.objects.filter(tenant=tenant, control=OuterRef("pk")).order_by("-created_at")
    output = UUIDField() if field == "scan_job_id" else None
    return Subquery(latest.values(field)[:1], output_field=output)


def framework_controls_with_latest(*, tenant: Tenant, framework: Framework, search: str = "") -> QuerySet[Control]:
    """The framework's controls in natural order, each with the tenant's latest verdict on it."""
    controls = framework_controls(framework=framework).annotate(
        latest_status=_latest_verdict(tenant, "status"),
        latest_scan_job_id=_latest_verdict(tenant, "scan_job_id"),
    )
    search = search.strip()
    if search:
        controls = controls.filter(Q(ref__icontains=search) | Q(title__icontains=search))
    return controls


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
    """The tenant's evidence, filtered. Framework and control ref match any control a document is linked to.

    Scan artifacts come grouped by scan (newest scan first, controls in natural order); documents newest first.
    ``include_unassessed=False`` leaves out the artifacts a scan wrote for controls it could not assess
    (nothing covered them): hundreds of stubs that prove nothing.
    """
    evidence = Evidence.objects.for_tenant(tenant).select_related("uploaded_by", "scan_job")
    ref = control_ref.strip()
    if framework_id or ref:
        own, linked = Q(), Q(evidence=OuterRef("pk"))
        if framework_id:
            own &= Q(framework_id=framework_id)
            linked &= Q(control__framework_id=framework_id)
        if ref:
            own &= Q(control_ref__iexact=ref)
            linked &= Q(control__ref__iexact=ref)
        # Exists, not a join: a document linked to several matching controls is still one row.
        evidence = evidence.filter(own | Exists(EvidenceControlLink.objects.filter(linked)))
    if evidence_type:
        evidence = evidence.filter(type=evidence_type)
    if scan_job_id:
        evidence = evidence.filter(scan_job_id=scan_job_id)
    if not include_unassessed and evidence_type != EvidenceType.MANUAL:
        # Results rolled up before ``basis`` existed say only "not applicable".
        stub = Q(basis=ResultBasis.UNASSESSED) | Q(basis="", status=ResultStatus.NOT_APPLICABLE)
        evidence = evidence.filter(~Exists(ScanResult.objects.filter(stub, evidence_id=OuterRef("pk"))))
    zone = timezone.get_current_timezone()
    if created_from:
        evidence = evidence.filter(created_at__gte=datetime.combine(created_from, time.min, tzinfo=zone))
    if created_to:
        # Inclusive of the whole "to" day.
        end = datetime.combine(created_to, time.min, tzinfo=zone) + timedelta(days=1)
        evidence = evidence.filter(created_at__lt=end)
    if evidence_type == EvidenceType.AUTO:
        return evidence.order_by("-scan_job__created_at", "scan_job_id", "framework_key", "control__sort_key", "pk")
    return evidence.order_by("-created_at", "-sequence")


def scan_artifact_counts(*, evidence: QuerySet[Evidence], scan_job_ids: Iterable[Any]) -> dict[Any, int]:
    """How many of the filtered artifacts each of these scans has (one grouped query), for the group headings."""
    return dict(
        evidence.filter(scan_job_id__in=list(scan_job_ids))
        .order_by()
        .values("scan_job_id")
        .annotate(n=Count("pk"))
        .values_list("scan_job_id", "n")
    )


@dataclass(frozen=True)
class LinkedControl:
    control_id: Any
    framework_key: str
    ref: str


@dataclass(frozen=True)
class EvidenceRow:
    """One artifact as the register lists it: freshness (documents only) and every control it supports."""

    evidence: Evidence
    valid_until: datetime | None
    freshness: str | None
    controls: list[LinkedControl]


def evidence_rows(*, rows: Iterable[Evidence], now: datetime) -> list[EvidenceRow]:
    """A page of ``evidence_annotated`` rows with their validity and linked controls: one query for the controls."""
    rows = list(rows)
    control_ids = {control_id for row in rows for control_id in evidence_control_ids(row)}
    controls = Control.objects.filter(pk__in=control_ids).select_related("framework").in_bulk()
    out = []
    for row in rows:
        linked = [
            LinkedControl(control_id=c.pk, framework_key=c.framework.key, ref=c.ref)
            for c in (controls.get(control_id) for control_id in evidence_control_ids(row))
            if c is not None
        ]
        if not linked and row.control_ref:
            # The control left the catalog: the sealed snapshot still says what the artifact was for.
            linked = [LinkedControl(control_id=None, framework_key=row.framework_key, ref=row.control_ref)]
        valid_until, fresh = evidence_validity(row, now=now)
        out.append(EvidenceRow(evidence=row, valid_until=valid_until, freshness=fresh, controls=linked))
    return out


def evidence_for_tenant(*, tenant: Tenant) -> QuerySet[Evidence]:
    return Evidence.objects.for_tenant(tenant).select_related("control", "framework")


def evidence_exports_recent(*, tenant: Tenant, limit: int = 10) -> list[EvidenceExport]:
    return list(EvidenceExport.objects.for_tenant(tenant).select_related("framework").order_by("-created_at")[:limit])


def frameworks_active(*, tenant: Tenant) -> QuerySet[Framework]:
    return frameworks_with_counts(tenant=tenant).filter(active=True).order_by("name", "version")


def frameworks_visible(*, tenant: Tenant) -> QuerySet[Framework]:
    return Framework.objects.visible_to(tenant).order_by("name", "version")


# --- integrations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaField:
    """One key of a provider's config or credentials, described for a form."""

    name: str
    required: bool
    help_text: str
    kind: str


def provider_schema_fields(*, integration_type: str, part: str) -> list[SchemaField]:
    """The keys of a provider's ``config`` or ``credentials`` serializer, so forms follow the type's schema."""
    try:
        spec = providers.provider_spec(integration_type)
    except providers.UnknownIntegrationTypeError:
        return []
    serializer_class = spec.config_serializer if part == "config" else spec.credentials_serializer
    if serializer_class is None:
        return []
    return [
        SchemaField(
            name=name,
            required=bool(serializer_field.required),
            help_text=str(serializer_field.help_text or ""),
            kind=_field_kind(serializer_field),
        )
        for name, serializer_field in serializer_class().fields.items()
    ]


def _field_kind(serializer_field: serializers.Field) -> str:
    if isinstance(serializer_field, serializers.ListField):
        return "list"
    if isinstance(serializer_field, serializers.BooleanField):
        return "true or false"
    if isinstance(serializer_field, serializers.IntegerField):
        return "number"
    if isinstance(serializer_field, serializers.ChoiceField):
        return "one of " + ", ".join(str(choice) for choice in serializer_field.choices)
    if isinstance(serializer_field, serializers.URLField):
        return "URL"
    return "text"
