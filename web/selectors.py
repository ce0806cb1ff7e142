"""Reads the pages need that the apps' selectors do not offer; every one is scoped to a tenant."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, UUIDField, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from rest_framework import serializers

from complywise.choices import Role
from complywise.models import Membership, Tenant
from evidence.models import Evidence, EvidenceExport
from frameworks.models import Control, ControlCheck, Framework
from frameworks.selectors import framework_controls, frameworks_for_tenant
from integrations import providers
from scans.choices import OutcomeStatus, ScanStatus
from scans.models import CheckOutcome, ScanJob, ScanResult
from scans.selectors import scan_results, scan_trend

# --- dashboard ------------------------------------------------------------------------------------


@dataclass
class FrameworkSummary:
    """One active framework on the dashboard: its latest scan's counts and its score over time."""

    framework: Framework
    trend: list[dict[str, Any]]
    latest: dict[str, Any] | None = None


def dashboard_frameworks(*, tenant: Tenant, days: int) -> list[FrameworkSummary]:
    """Active frameworks with their score trend (scans.selectors.scan_trend) and the latest scan's counts."""
    frameworks = list(frameworks_for_tenant(tenant=tenant).filter(active=True).order_by("name", "version"))
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
        entry = next((e for e in entries if e.get("framework_id") == str(summary.framework.pk)), {})
        summary.latest = {
            "scan_job_id": point["scan_job_id"],
            "completed_at": point["completed_at"],
            "score": point["score"],
            "passed": entry.get("passed", point["passed"]),
            "failed": entry.get("failed", point["failed"]),
            "not_applicable": entry.get("not_applicable", 0),
        }
    return summaries


def scan_latest_completed(*, tenant: Tenant) -> ScanJob | None:
    return ScanJob.objects.for_tenant(tenant).filter(status=ScanStatus.COMPLETED).order_by("-created_at").first()


# --- scan results ---------------------------------------------------------------------------------


def scan_results_filtered(
    *, scan_job: ScanJob, statuses: list[str] | None, framework_id: Any, search: str
) -> QuerySet[ScanResult]:
    """scans.selectors.scan_results, narrowed by a search in the control's ref and title."""
    results = scan_results(scan_job=scan_job, statuses=statuses, framework_id=framework_id)
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


def framework_status_counts(*, tenant: Tenant, framework: Framework) -> dict[str, int]:
    """How many of the framework's controls have each latest verdict, in one grouped query.

    Keys are usable in templates: pass, fail, not_applicable, none (never scanned).
    """
    rows = (
        Control.objects.filter(framework=framework)
        .annotate(latest_status=_latest_verdict(tenant, "status"))
        .order_by()
        .values("latest_status")
        .annotate(n=Count("pk"))
    )
    counts = {"pass": 0, "fail": 0, "not_applicable": 0, "none": 0}
    for row in rows:
        counts[(row["latest_status"] or "none").replace("-", "_")] += row["n"]
    return counts


# --- evidence -----------------------------------------------------------------------------------------


def evidence_list(
    *,
    tenant: Tenant,
    framework_id: Any = None,
    control_ref: str = "",
    evidence_type: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[Evidence]:
    evidence = Evidence.objects.for_tenant(tenant).select_related("uploaded_by").order_by("-created_at", "-sequence")
    if framework_id:
        evidence = evidence.filter(framework_id=framework_id)
    if control_ref.strip():
        evidence = evidence.filter(control_ref__iexact=control_ref.strip())
    if evidence_type:
        evidence = evidence.filter(type=evidence_type)
    zone = timezone.get_current_timezone()
    if created_from:
        evidence = evidence.filter(created_at__gte=datetime.combine(created_from, time.min, tzinfo=zone))
    if created_to:
        # Inclusive of the whole "to" day.
        end = datetime.combine(created_to, time.min, tzinfo=zone) + timedelta(days=1)
        evidence = evidence.filter(created_at__lt=end)
    return evidence


def evidence_for_tenant(*, tenant: Tenant) -> QuerySet[Evidence]:
    return Evidence.objects.for_tenant(tenant).select_related("control", "framework")


def evidence_exports_recent(*, tenant: Tenant, limit: int = 10) -> list[EvidenceExport]:
    return list(EvidenceExport.objects.for_tenant(tenant).select_related("framework").order_by("-created_at")[:limit])


def frameworks_active(*, tenant: Tenant) -> QuerySet[Framework]:
    return frameworks_for_tenant(tenant=tenant).filter(active=True).order_by("name", "version")


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


# --- members ------------------------------------------------------------------------------------------


def tenant_admin_count(*, tenant: Tenant) -> int:
    return Membership.objects.for_tenant(tenant).filter(role=Role.ADMIN).count()
