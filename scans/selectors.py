"""Reads of the scans app."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, UUIDField, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from complywise.exceptions import ConflictError, FieldValidationError, NotFoundError
from complywise.models import Tenant
from evidence.choices import EvidenceType
from evidence.models import Evidence, EvidenceControlLink
from frameworks.models import Control, ControlCheck, Framework
from frameworks.selectors import framework_controls
from integrations.models import Integration

from .choices import OutcomeStatus, PartStatus, ResultBasis, ResultStatus, ScanStatus
from .models import CheckOutcome, ScanJob, ScanPart, ScanResult, ScanSchedule

COULD_NOT_EVALUATE = "could-not-evaluate"


def _diff_status(status: str, errored: bool) -> str:
    return COULD_NOT_EVALUATE if errored else status


def scan_jobs_for_tenant(*, tenant: Tenant) -> QuerySet[ScanJob]:
    return ScanJob.objects.for_tenant(tenant).select_related("framework", "triggered_by").order_by("-created_at")


def scan_latest_completed(*, tenant: Tenant) -> ScanJob | None:
    return ScanJob.objects.for_tenant(tenant).filter(status=ScanStatus.COMPLETED).order_by("-created_at").first()


def scan_frameworks(*, scan_job: ScanJob) -> list[Framework]:
    """The frameworks a scan evaluated (resolved at trigger time), for the results filter."""
    return list(Framework.objects.filter(pk__in=scan_job.framework_ids or []).order_by("name", "version"))


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


def parse_result_bases(raw: str | None) -> list[str] | None:
    """``?basis=unassessed`` or ``?basis=manual,automated+manual``; anything else is a 400."""
    if raw is None or raw == "":
        return None
    wanted = [b.strip() for b in raw.split(",") if b.strip()]
    bad = [b for b in wanted if b not in ResultBasis.values]
    if bad or not wanted:
        allowed = ", ".join(ResultBasis.values)
        raise FieldValidationError(
            {"basis": [f"Unknown basis '{', '.join(bad) or raw}'. Use one or more of: {allowed}."]}
        )
    return wanted


def scan_results(
    *,
    scan_job: ScanJob,
    statuses: list[str] | None = None,
    framework_id: Any = None,
    errored: bool | None = None,
    bases: Sequence[str] | None = None,
    search: str = "",
) -> QuerySet[ScanResult]:
    """Results in a stable order (framework, natural control ref); 409 while the scan has not finished.

    ``search`` looks in the control's ref and title (any case).
    """
    if scan_job.status in (ScanStatus.QUEUED, ScanStatus.RUNNING):
        raise ConflictError(
            f"The scan is {scan_job.status}; results are available once it has completed. "
            f"Poll GET /api/scans/{scan_job.pk} until status is 'completed'."
        )
    results = (
        ScanResult.objects.for_tenant(scan_job.tenant_id)
        .filter(scan_job=scan_job)
        .select_related("control", "framework")
        # The id settles ties, so no row shows on two pages or none.
        .order_by("framework__key", "sort_key", "id")
    )
    if statuses:
        results = results.filter(status__in=statuses)
    if framework_id:
        # The same order with the framework fixed, said so that the database walks the result_page_fw index
        # instead of sorting the job's results for each page.
        results = results.filter(framework_id=framework_id).order_by("sort_key", "id")
    if errored is not None:
        # True: only the fails that are "could not evaluate"; False: everything else (real findings and the rest).
        results = results.filter(errored=errored)
    if bases:
        results = results.filter(basis__in=bases)
    search = search.strip()
    if search:
        results = results.filter(Q(control__ref__icontains=search) | Q(control__title__icontains=search))
    return results


# What a failing resource shows: never its ``detail``, which can be large.
FAILING_RESOURCE_FIELDS = (
    "id",
    "tenant_id",
    "scan_job_id",
    "check_id",
    "resource_id",
    "resource_type",
    "region",
    "status",
    "reason",
)


@dataclass
class FailingResources:
    outcomes: list[CheckOutcome] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.outcomes)


def failing_resources(*, scan_job: ScanJob, control_ids: list[Any], cap: int = 10) -> dict[Any, FailingResources]:
    """Per control, the fail/error outcomes of its mapped checks in this scan: at most ``cap`` each, with totals.

    Three queries for a whole page of controls: mappings, the capped outcome ids ranked per check with each
    check's total (kept per check for a finished scan, so the next page asks only for checks it has not seen),
    and the outcomes shown.
    """
    checks_by_control: dict[Any, list[str]] = defaultdict(list)
    for control_id, check_id in ControlCheck.objects.filter(control_id__in=control_ids).values_list(
        "control_id", "check_id"
    ):
        checks_by_control[control_id].append(check_id)
    check_ids = sorted({c for checks in checks_by_control.values() for c in checks})
    if not check_ids:
        return {}
    per_check = _failing_per_check(scan_job=scan_job, check_ids=check_ids, cap=cap)

    shown: dict[Any, list[Any]] = {}
    found: dict[Any, FailingResources] = {}
    for control_id, checks in checks_by_control.items():
        ids: list[Any] = []
        for check_id in sorted(checks):
            ids.extend(per_check[check_id][1][: cap - len(ids)])
        total = sum(per_check[c][0] for c in checks)
        if total:
            found[control_id], shown[control_id] = FailingResources(total=total), ids
    wanted = {pk for ids in shown.values() for pk in ids}
    outcomes = CheckOutcome.objects.for_tenant(scan_job.tenant_id)
    rows = outcomes.filter(pk__in=wanted).only(*FAILING_RESOURCE_FIELDS) if wanted else []
    by_pk = {outcome.pk: outcome for outcome in rows}
    for control_id, ids in shown.items():
        found[control_id].outcomes = [by_pk[pk] for pk in ids if pk in by_pk]
    return found


def _failing_per_check(*, scan_job: ScanJob, check_ids: list[str], cap: int) -> dict[str, tuple[int, list[Any]]]:
    """Per check: how many fail/error outcomes the scan has, and the ids of the first ``cap`` (errors before
    fails, then by resource)."""
    keys = {c: f"scan-failing:{scan_job.pk}:{cap}:{hashlib.sha256(c.encode()).hexdigest()[:32]}" for c in check_ids}
    kept = cache.get_many(list(keys.values())) if scan_job.is_finished else {}
    per_check = {c: kept[key] for c, key in keys.items() if key in kept}
    missing = [c for c in check_ids if c not in per_check]
    if not missing:
        return per_check
    bad = (
        CheckOutcome.objects.for_tenant(scan_job.tenant_id)
        .filter(scan_job=scan_job, check_id__in=missing, status__in=[OutcomeStatus.FAIL, OutcomeStatus.ERROR])
        .order_by()
    )
    by_check = [F("check_id")]
    ranked = (
        bad.annotate(
            rank=Window(RowNumber(), partition_by=by_check, order_by=[F("status").asc(), F("resource_id").asc()]),
            total=Window(Count("pk"), partition_by=by_check),
        )
        .filter(rank__lte=cap)
        .order_by("check_id", "rank")
    )
    ids: dict[str, list[Any]] = defaultdict(list)
    counts: dict[str, int] = {}
    for check_id, pk, total in ranked.values_list("check_id", "pk", "total"):
        ids[check_id].append(pk)
        counts[check_id] = total
    computed = {c: (counts.get(c, 0), ids.get(c, [])) for c in missing}
    if scan_job.is_finished:
        # A finished scan's outcomes no longer change (see FINISHED_COUNT_SECONDS).
        cache.set_many({keys[c]: value for c, value in computed.items()}, FINISHED_COUNT_SECONDS)
    return per_check | computed


def scan_outcomes(*, scan_job: ScanJob) -> QuerySet[CheckOutcome]:
    return (
        CheckOutcome.objects.for_tenant(scan_job.tenant_id)
        .filter(scan_job=scan_job)
        .select_related("integration")
        .order_by("check_id", "resource_id", "id")
    )


# A finished scan's rows no longer change (the engine writes nothing into a finished job); retention deletes
# the job with them. The bound only limits how long a purged scan's counts linger in the cache.
FINISHED_COUNT_SECONDS = 600


def scan_rows_count(*, scan_job: ScanJob, rows: QuerySet) -> int:
    """How many of a scan's results or outcomes match ``rows``: for a finished scan, counted once per filter
    and kept, so the pages of a 100,000-outcome scan do not each count 100,000 rows.
    """
    if not scan_job.is_finished:
        return rows.count()
    key = _rows_key("scan-rows-count", rows.order_by())
    count = cache.get(key)
    if count is None:
        count = rows.count()
        cache.set(key, count, FINISHED_COUNT_SECONDS)
    return count


def _rows_key(kind: str, rows: QuerySet) -> str:
    """A cache key for what is kept about a finished scan's ``rows``: their exact SQL (tenant, job and every
    filter in it), so no two questions share an answer."""
    sql, params = rows.values("pk").query.sql_with_params()
    return f"{kind}:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def scan_rows_page(
    *, rows: QuerySet, offset: int, limit: int, scan_job: ScanJob | None = None, fields: Sequence[str] = ()
) -> list[Any]:
    """One page of ``rows`` in their order (as dictionaries of ``fields`` when given), read by the page's ids.

    The ids come from the list-order index alone (outcome_page, result_page_fw). A deep page of a finished scan
    starts from the nearest anchor (``scan_rows_anchors``) rather than from the first row, so page 2,000 of a
    100,000-outcome scan reads about as many index entries as page 20; then only the page's rows are read.
    """
    page_rows = _page_rows(rows=rows, offset=offset, limit=limit, scan_job=scan_job)
    if fields:
        # Plain rows (``values()``, "pk" included) for a page that is only read out: no model instances. The ids
        # are a subquery of the same statement (one round trip); ordering the page's rows again, ending on the
        # primary key, gives exactly the ids' order (the scans' lists already end on it).
        page = rows.model._default_manager.filter(pk__in=page_rows.values("pk"))
        return list(page.order_by(*rows.query.order_by, "pk").values("pk", *fields))
    ids = list(page_rows.values_list("pk", flat=True))
    # By primary key alone: the ids come from the tenant-scoped ``rows``, and an equality on the tenant or the
    # job here leads SQLite's planner (no statistics) to walk the whole job's index instead of 50 key lookups.
    related = rows.query.select_related
    page = rows.model._default_manager.filter(pk__in=ids)
    if isinstance(related, dict):
        page = page.select_related(*_related_paths(related))
    found = {row.pk: row for row in page}
    return [found[pk] for pk in ids if pk in found]


# One anchor every this many rows: a page at any offset skips fewer index entries than this.
ANCHOR_EVERY = 1000


def _page_rows(*, rows: QuerySet, offset: int, limit: int, scan_job: ScanJob | None) -> QuerySet:
    """The page's slice of ``rows``, from the nearest anchor when there is one."""
    keys = _order_columns(rows)
    if scan_job is not None and scan_job.is_finished and offset >= ANCHOR_EVERY and keys is not None:
        anchors = scan_rows_anchors(scan_job=scan_job, rows=rows)
        index = min(offset // ANCHOR_EVERY, len(anchors) - 1)
        if index >= 0 and None not in anchors[index]:
            rows, offset = rows.filter(_at_or_after(keys, anchors[index])), offset - index * ANCHOR_EVERY
    return rows[offset : offset + limit]


def _order_columns(rows: QuerySet) -> list[str] | None:
    """The fields ``rows`` is ordered by when each is a column of its own table in ascending order, else None
    (a related field or a descending key: such lists are small, and an offset is cheap there).
    """
    fields = [f for f in rows.query.order_by if isinstance(f, str)]
    if not fields or len(fields) != len(rows.query.order_by) or rows.query.distinct:
        return None
    names = {f.name for f in rows.model._meta.concrete_fields} | {f.attname for f in rows.model._meta.concrete_fields}
    if any(f.startswith("-") or "__" in f or f not in names | {"pk"} for f in fields):
        return None
    return ["id" if f == "pk" else f for f in fields]


def _at_or_after(keys: list[str], values: tuple) -> Q:
    """Rows whose sort key is at or after ``values``; the first key bounded alone too, so an index range starts
    there rather than at the scan's first row.
    """
    # (k1, k2, k3) >= (v1, v2, v3)  ==  k1 > v1  or  (k1 = v1 and (k2 > v2  or  (k2 = v2 and k3 >= v3)))
    condition = Q(**{f"{keys[-1]}__gte": values[-1]})
    for key, value in zip(reversed(keys[:-1]), reversed(values[:-1]), strict=True):
        condition = Q(**{f"{key}__gt": value}) | (Q(**{key: value}) & condition)
    return Q(**{f"{keys[0]}__gte": values[0]}) & condition


def scan_rows_anchors(*, scan_job: ScanJob, rows: QuerySet) -> list[tuple]:
    """The sort key of every ``ANCHOR_EVERY``-th row of a finished scan's ``rows`` (rows 0, 1000, 2000, …), read
    in one pass over the index and kept like the count: a deep page seeks to the anchor before it.
    """
    keys = _order_columns(rows) or []
    key = _rows_key(f"scan-rows-anchors-{ANCHOR_EVERY}", rows)
    anchors = cache.get(key)
    if anchors is None:
        numbered = rows.annotate(position=Window(RowNumber(), order_by=[F(k).asc() for k in keys]))
        marked = numbered.annotate(slot=F("position") % ANCHOR_EVERY).filter(slot=1)
        anchors = [tuple(row[1:]) for row in sorted(marked.values_list("position", *keys))]
        cache.set(key, anchors, FINISHED_COUNT_SECONDS)
    return anchors


def _related_paths(tree: dict[str, Any], prefix: str = "") -> list[str]:
    """``select_related``'s tree ({"control": {}, "a": {"b": {}}}) as the paths it was given ("a__b")."""
    return [path for name, sub in tree.items() for path in (prefix + name, *_related_paths(sub, f"{prefix}{name}__"))]


def scan_scope(job: ScanJob) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a scan covered: its frameworks and its integration types (empty: every type)."""
    return tuple(sorted(str(f) for f in job.framework_ids)), tuple(sorted(job.integration_types or []))


# How far back the previous scan of the same scope is looked for.
PREVIOUS_SCAN_LOOKBACK = 200


def scan_previous_completed(*, scan_job: ScanJob) -> ScanJob | None:
    """The latest earlier completed scan of the same scope: comparing an AWS-only scan with a full one says nothing."""
    scope = scan_scope(scan_job)
    earlier = (
        ScanJob.objects.for_tenant(scan_job.tenant_id)
        .filter(status=ScanStatus.COMPLETED, created_at__lt=scan_job.created_at)
        .exclude(pk=scan_job.pk)
        .order_by("-created_at")[:PREVIOUS_SCAN_LOOKBACK]
    )
    return next((job for job in earlier if scan_scope(job) == scope), None)


def scan_diff(*, scan_job: ScanJob, against: ScanJob | None) -> dict[str, Any]:
    """Controls newly failing, newly passing and unchanged between two completed scans.

    Only real findings count as failing: a control that merely could not be evaluated (collection error) is
    listed apart, on both sides. Without an earlier scan nothing is "unchanged" (``first_scan``).
    """
    for job in (scan_job, against):
        if job is not None and job.status != ScanStatus.COMPLETED:
            raise ConflictError(f"Scan {job.pk} is {job.status}; only completed scans can be compared.")
    fields = ("control_id", "status", "errored", "control__ref", "control__title", "framework_id", "framework__key")
    current = {r["control_id"]: r for r in ScanResult.objects.filter(scan_job=scan_job).values(*fields)}
    previous: dict[Any, str] = {}
    if against is not None:
        previous = {
            control_id: _diff_status(status, errored)
            for control_id, status, errored in ScanResult.objects.filter(scan_job=against).values_list(
                "control_id", "status", "errored"
            )
        }

    def entry(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "control_id": str(row["control_id"]),
            "control_ref": row["control__ref"],
            "control_title": row["control__title"],
            "framework_id": str(row["framework_id"]),
            "framework_key": row["framework__key"],
            "status": _diff_status(row["status"], row["errored"]),
            "previous_status": previous.get(row["control_id"]),
        }

    first = against is None
    newly_failing, newly_passing, could_not_evaluate = [], [], []
    unchanged_failing = unchanged_passing = other = 0
    for _, row in sorted(current.items(), key=lambda kv: (kv[1]["framework__key"], kv[1]["control__ref"])):
        now = _diff_status(row["status"], row["errored"])
        before = previous.get(row["control_id"])
        if now == COULD_NOT_EVALUATE:
            could_not_evaluate.append(entry(row))
        elif now == ResultStatus.FAIL and before != ResultStatus.FAIL:
            newly_failing.append(entry(row))
        elif now == ResultStatus.PASS and before != ResultStatus.PASS and not first:
            newly_passing.append(entry(row))
        elif first:
            continue
        elif now == ResultStatus.FAIL:
            unchanged_failing += 1
        elif now == ResultStatus.PASS:
            unchanged_passing += 1
        else:
            other += 1
    return {
        "scan_job_id": str(scan_job.pk),
        "against_scan_job_id": str(against.pk) if against else None,
        "first_scan": first,
        "newly_failing": newly_failing,
        "newly_passing": newly_passing,
        "could_not_evaluate": could_not_evaluate,
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
        .values("id", "completed_at", "score", "coverage", "framework_scores", "passed_controls", "failed_controls")
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
                    "coverage": entry.get("coverage"),
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
                    "coverage": job["coverage"],
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


# --- one control, for the faces that compose its detail ----------------------------------------------------


@dataclass(frozen=True)
class LatestResult:
    status: str
    scan_job_id: uuid.UUID
    created_at: datetime


def control_latest_result(*, tenant: Tenant, control: Control) -> LatestResult | None:
    """The tenant's most recent scan verdict on the control, if any."""
    row = (
        ScanResult.objects.for_tenant(tenant)
        .filter(control=control)
        .order_by("-created_at")
        .values("status", "scan_job_id", "created_at")
        .first()
    )
    return LatestResult(**row) if row else None


def control_result_history(*, tenant: Tenant, control: Control, limit: int = 20) -> list[ScanResult]:
    """The control's verdicts in the tenant's most recent scans, newest first."""
    return list(
        ScanResult.objects.for_tenant(tenant)
        .filter(control=control)
        .select_related("scan_job")
        .order_by("-created_at")[:limit]
    )


def _latest_verdict(tenant: Tenant, column: str) -> Subquery:
    latest = ScanResult.objects.filter(tenant=tenant, control=OuterRef("pk")).order_by("-created_at")
    output = UUIDField() if column == "scan_job_id" else None
    return Subquery(latest.values(column)[:1], output_field=output)


def framework_controls_with_latest(*, tenant: Tenant, framework: Framework, search: str = "") -> QuerySet[Control]:
    """The framework's controls in natural order, each with the tenant's latest verdict on it
    (``latest_status``, ``latest_scan_job_id``); ``search`` looks in the ref and title (any case).
    """
    controls = framework_controls(framework=framework).annotate(
        latest_status=_latest_verdict(tenant, "status"),
        latest_scan_job_id=_latest_verdict(tenant, "scan_job_id"),
    )
    search = search.strip()
    if search:
        controls = controls.filter(Q(ref__icontains=search) | Q(title__icontains=search))
    return controls


def control_evidence_count(*, tenant: Tenant, control: Control) -> int:
    """Evidence that proves something about the control: its documents (any link) and the scan artifacts of
    results that assessed it. "Not assessed" stubs (a scan in which nothing evaluated the control) do not count.
    """
    assessed = ScanResult.objects.filter(evidence=OuterRef("pk")).exclude(status=ResultStatus.NOT_APPLICABLE)
    documents = EvidenceControlLink.objects.filter(evidence=OuterRef("pk"), control=control)
    return (
        Evidence.objects.for_tenant(tenant)
        .filter(
            Q(type=EvidenceType.MANUAL, control=control)
            | Q(type=EvidenceType.MANUAL) & Exists(documents)
            | Q(type=EvidenceType.AUTO, control=control) & Exists(assessed)
        )
        .count()
    )


def latest_verdicts_in_window(
    *, tenant_id: Any, control_ids: list[Any], start: datetime | None, end: datetime | None
) -> dict[Any, dict[str, Any]]:
    """Each control's latest result between ``start`` and ``end`` (either open): status, scan job, when.

    One query whatever the history: correlated subqueries per control, not every result in the window.
    """
    results = ScanResult.objects.filter(tenant_id=tenant_id, control_id=OuterRef("pk"))
    if start:
        results = results.filter(created_at__gte=start)
    if end:
        results = results.filter(created_at__lte=end)
    results = results.order_by("-created_at")
    rows = (
        Control.objects.filter(pk__in=control_ids)
        .annotate(
            status=Subquery(results.values("status")[:1]),
            scan_job_id=Subquery(results.values("scan_job_id")[:1]),
            created_at_=Subquery(results.values("created_at")[:1]),
        )
        .filter(status__isnull=False)
        .values("pk", "status", "scan_job_id", "created_at_")
    )
    # SQLite hands a subquery's UUID back as bare hex: normalised here.
    return {
        row["pk"]: {
            "status": row["status"],
            "scan_job_id": uuid.UUID(str(row["scan_job_id"])),
            "created_at": row["created_at_"],
        }
        for row in rows
    }


def integration_last_collections(*, tenant: Tenant | Any, integration_ids: Sequence[Any]) -> dict[Any, ScanPart]:
    """Per integration, its share of the latest scan that finished with it (collected or failed, and why): what an
    admin looking at the integrations wants to know beside the last connection test. Two queries for any number."""
    if not integration_ids:
        return {}
    finished = (
        ScanPart.objects.for_tenant(tenant)
        .filter(integration_id=OuterRef("pk"), status__in=[PartStatus.DONE, PartStatus.FAILED])
        .order_by("-completed_at", "-pk")
    )
    latest = (
        Integration.objects.for_tenant(tenant)
        .filter(pk__in=integration_ids)
        .annotate(part_id=Subquery(finished.values("pk")[:1]))
        .values_list("pk", "part_id")
    )
    part_ids = {part_id: pk for pk, part_id in latest if part_id is not None}
    parts = ScanPart.objects.for_tenant(tenant).filter(pk__in=part_ids).select_related("scan_job")
    return {part_ids[part.pk]: part for part in parts.only(*LAST_COLLECTION_FIELDS)}


# What the integrations page shows of a part: its outcome, when, why it failed, and the scan to open.
LAST_COLLECTION_FIELDS = (
    "id",
    "status",
    "error",
    "outcome_count",
    "completed_at",
    "scan_job__id",
    "scan_job__partial",
)
