"""Reads of evidence: the filtered register, visible controls and frameworks, verification of a row and a chain."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from complywise.models import Tenant
from frameworks.models import Control, ControlEquivalent, ControlEvidenceRequirement, Framework, TenantFramework

from .choices import EvidenceType
from .freshness import evidence_state, freshness, valid_until
from .integrity import GENESIS_HASH, ChainBreak, ChainLink, merge_links, row_seal_ok, walk_chain
from .models import Evidence, EvidenceControlLink, EvidenceExport, EvidenceTombstone
from .storage import STORAGE_ERRORS, evidence_storage, hash_stored, iter_keys, tenant_prefix

CHAIN_ITERATOR_CHUNK = 500


def control_for_evidence(*, tenant: Tenant, control_id: Any) -> Control | None:
    """A control evidence may be attached to: of the tenant's own framework, or of a global one it activated."""
    active = TenantFramework.objects.filter(tenant=tenant).values("framework_id")
    return (
        Control.objects.select_related("framework")
        .filter(pk=control_id)
        .filter(Q(framework__tenant=tenant) | Q(framework__tenant__isnull=True, framework_id__in=active))
        .first()
    )


def controls_for_evidence(*, tenant: Tenant, control_ids: Iterable[Any]) -> dict[str, Control]:
    """The controls among ``control_ids`` evidence may be attached to, by id as text (malformed ids are skipped)."""
    valid = []
    for value in control_ids:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not valid:
        return {}
    active = TenantFramework.objects.filter(tenant=tenant).values("framework_id")
    rows = (
        Control.objects.select_related("framework")
        .filter(pk__in=valid)
        .filter(Q(framework__tenant=tenant) | Q(framework__tenant__isnull=True, framework_id__in=active))
    )
    return {str(row.pk): row for row in rows}


def framework_visible(*, tenant: Tenant, framework_id: Any) -> Framework | None:
    return Framework.objects.visible_to(tenant).filter(pk=framework_id).first()


# --- the register: one filter for the API list and the pages ---------------------------------------------------


def evidence_filtered(
    *,
    tenant: Tenant,
    queryset: QuerySet[Evidence] | None = None,
    control_id: Any = None,
    control_ref: str = "",
    control_framework_id: Any = None,
    framework_id: Any = None,
    evidence_type: str = "",
    scan_job_id: Any = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Evidence]:
    """The tenant's evidence (``queryset``, default all of it) narrowed by the register's filters; no ordering.

    ``control_id``, ``control_ref`` (any case) and ``control_framework_id`` describe one control the artifact
    supports: its own control or any linked one (the same link must match all that are given).
    ``framework_id`` is the artifact's own framework (that of its primary control). ``created_after`` is
    inclusive, ``created_before`` exclusive. Empty values do not filter.
    """
    evidence = (queryset if queryset is not None else Evidence.objects.all()).filter(tenant=tenant)
    ref = control_ref.strip()
    if control_id or ref or control_framework_id:
        own, linked = Q(), Q(evidence=OuterRef("pk"))
        if control_id:
            own &= Q(control_id=control_id)
            linked &= Q(control_id=control_id)
        if control_framework_id:
            own &= Q(framework_id=control_framework_id)
            linked &= Q(control__framework_id=control_framework_id)
        if ref:
            own &= Q(control_ref__iexact=ref)
            linked &= Q(control__ref__iexact=ref)
        # Exists, not a join: a document linked to several matching controls is still one row.
        evidence = evidence.filter(own | Exists(EvidenceControlLink.objects.filter(linked)))
    if framework_id:
        evidence = evidence.filter(framework_id=framework_id)
    if evidence_type:
        evidence = evidence.filter(type=evidence_type)
    if scan_job_id:
        evidence = evidence.filter(scan_job_id=scan_job_id)
    if created_after:
        evidence = evidence.filter(created_at__gte=created_after)
    if created_before:
        evidence = evidence.filter(created_at__lt=created_before)
    return evidence


def evidence_for_tenant(*, tenant: Tenant) -> QuerySet[Evidence]:
    return Evidence.objects.for_tenant(tenant).select_related("control", "framework")


def control_evidence(*, tenant: Tenant, control: Control) -> QuerySet[Evidence]:
    """The evidence whose primary control is ``control``, newest first."""
    return (
        Evidence.objects.for_tenant(tenant)
        .filter(control=control)
        .select_related("uploaded_by")
        .order_by("-created_at", "-sequence")
    )


def evidence_exports_recent(*, tenant: Tenant, limit: int = 10) -> list[EvidenceExport]:
    return list(EvidenceExport.objects.for_tenant(tenant).select_related("framework").order_by("-created_at")[:limit])


def scan_artifact_counts(*, evidence: QuerySet[Evidence], scan_job_ids: Iterable[Any]) -> dict[Any, int]:
    """How many of the filtered artifacts each of these scans has (one grouped query), for the group headings."""
    return dict(
        evidence.filter(scan_job_id__in=list(scan_job_ids))
        .order_by()
        .values("scan_job_id")
        .annotate(n=Count("pk"))
        .values_list("scan_job_id", "n")
    )


def auto_evidence_count(*, tenant: Tenant, scan_jobs: Any) -> int:
    """How many auto evidence artifacts (each a stored file) these scan jobs produced."""
    return Evidence.objects.filter(tenant=tenant, type=EvidenceType.AUTO, scan_job__in=scan_jobs).count()


def reference_problem(row: Evidence) -> str | None:
    """Whether the row's live foreign keys still point at the control its sealed snapshots name."""
    if row.control is not None and row.control.ref != row.control_ref:
        return "control_id no longer matches the sealed control_ref (row altered)"
    if row.framework is not None and row.framework.key != row.framework_key:
        return "framework_id no longer matches the sealed framework_key (row altered)"
    if row.control is not None and row.framework_id is not None and row.control.framework_id != row.framework_id:
        return "control and framework disagree (row altered)"
    return None


def _control_links() -> Prefetch:
    # What link_problem reads of each link, in one query per batch of rows.
    return Prefetch("control_links", EvidenceControlLink.objects.select_related("control__framework"))


def link_problem(row: Evidence) -> str | None:
    """Whether the row's links differ from the ones its seal names (format 2; format 1 sealed no links).

    A link added after the upload widens what the document supports and is reported. A sealed link that is gone
    is reported too when its control still stands: links are never edited, so only the control's removal (a
    catalog reload, a deleted custom control) explains a missing one, and that narrows the claim without hiding
    anything. A control of the same reference created after the upload is a new one, which the upload never
    linked: its absence explains nothing either way.
    """
    if row.chain_format < 2:
        return None
    sealed = {(key, ref) for key, ref in row.sealed_links}
    linked = set()
    for link in row.control_links.all():
        pair = (link.control.framework.key, link.control.ref)
        if pair not in sealed:
            return f"linked to {pair[0]} {pair[1]}, which its seal does not name (link added after the upload)"
        linked.add(pair)
    if standing := sealed_controls_standing(row, sealed - linked):
        key, ref = standing[0]
        return (
            f"its seal names {key} {ref}, which is no longer linked though the control still exists"
            " (link removed after the upload)"
        )
    return None


def sealed_controls_standing(row: Evidence, pairs: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Which of these (framework key, ref) pairs name a control the tenant sees that existed at the upload."""
    if not pairs:
        return []
    named = Q()
    for key, ref in sorted(pairs):
        named |= Q(framework__key=key, ref=ref)
    return sorted(
        Control.objects.filter(named)
        .filter(Q(framework__tenant__isnull=True) | Q(framework__tenant_id=row.tenant_id))
        .filter(created_at__lte=row.created_at)
        .values_list("framework__key", "ref")
        .distinct()
    )


# --- one row ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceVerification:
    ok: bool
    sha256_expected: str
    sha256_actual: str | None
    size_expected: int
    size_actual: int | None
    chain_ok: bool
    detail: str


def _predecessor_hash(row: Evidence) -> str | None:
    if row.sequence == 1:
        return GENESIS_HASH
    for model in (Evidence, EvidenceTombstone):
        found = (
            model.objects.filter(tenant_id=row.tenant_id, sequence=row.sequence - 1)
            .values_list("chain_hash", flat=True)
            .first()
        )
        if found is not None:
            return found
    return None


def evidence_verify(*, evidence: Evidence) -> EvidenceVerification:
    """Re-hash the stored file (streamed) and check the row's own seal and its link to the previous row."""
    problems = []
    try:
        sha256_actual, size_actual = hash_stored(evidence_storage(), evidence.file_key)
    except FileNotFoundError:
        sha256_actual, size_actual = None, None
        problems.append("the stored file is missing")
    except STORAGE_ERRORS:
        sha256_actual, size_actual = None, None
        problems.append("the stored file could not be read")
    else:
        if sha256_actual != evidence.sha256:
            problems.append("the stored file's sha256 differs from the recorded one")
        if size_actual != evidence.size:
            problems.append("the stored file's size differs from the recorded one")

    chain_problems = []
    if not row_seal_ok(evidence):
        chain_problems.append("the row's fields do not match its chain_hash")
    predecessor = _predecessor_hash(evidence)
    if predecessor is None:
        chain_problems.append(f"sequence {evidence.sequence - 1} is missing with no tombstone")
    elif predecessor != evidence.previous_hash:
        chain_problems.append("previous_hash does not match the preceding row's chain_hash")
    if reference := reference_problem(evidence):
        chain_problems.append(reference)
    prefetch_related_objects([evidence], _control_links())
    if link := link_problem(evidence):
        chain_problems.append(link)

    chain_ok = not chain_problems
    all_problems = problems + chain_problems
    return EvidenceVerification(
        ok=not all_problems,
        sha256_expected=evidence.sha256,
        sha256_actual=sha256_actual,
        size_expected=evidence.size,
        size_actual=size_actual,
        chain_ok=chain_ok,
        detail="; ".join(all_problems) if all_problems else "The file and its chain link are intact.",
    )


# --- a whole tenant ----------------------------------------------------------------------------------------------


@dataclass
class FileProblem:
    sequence: int
    evidence_id: str
    reason: str

    def __str__(self) -> str:
        return f"sequence {self.sequence} (evidence {self.evidence_id}): {self.reason}"


@dataclass
class TenantVerification:
    tenant: Tenant
    live: int = 0
    tombstones: int = 0
    files_checked: int = 0
    chain_breaks: list[ChainBreak] = field(default_factory=list)
    file_problems: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.chain_breaks and not self.file_problems

    @property
    def first_break(self) -> ChainBreak | None:
        return self.chain_breaks[0] if self.chain_breaks else None


def _live_links(tenant: Tenant) -> Iterator[ChainLink]:
    rows = (
        Evidence.objects.for_tenant(tenant)
        .select_related("control", "framework")
        .prefetch_related(_control_links())
        .order_by("sequence")
        .iterator(chunk_size=CHAIN_ITERATOR_CHUNK)
    )
    for row in rows:
        yield ChainLink(row.sequence, row.previous_hash, row.chain_hash, str(row.pk), row)


def _tombstone_links(tenant: Tenant) -> Iterator[ChainLink]:
    rows = (
        EvidenceTombstone.objects.for_tenant(tenant)
        .order_by("sequence")
        .values_list("sequence", "previous_hash", "chain_hash", "evidence_id")
        .iterator(chunk_size=CHAIN_ITERATOR_CHUNK)
    )
    for sequence, previous_hash, chain_hash, evidence_id in rows:
        yield ChainLink(sequence, previous_hash, chain_hash, str(evidence_id))


def tenant_evidence_verify(
    *, tenant: Tenant, check_files: bool = True, progress: Callable[[int], None] | None = None
) -> TenantVerification:
    """Walk the tenant's whole chain (rows and tombstones, by sequence) and re-hash every file, streamed."""
    report = TenantVerification(tenant=tenant)
    storage = evidence_storage()

    def check(link: ChainLink) -> None:
        if link.is_tombstone:
            return
        row = link.row
        for problem in (reference_problem(row), link_problem(row)):
            if problem:
                report.chain_breaks.append(ChainBreak(row.sequence, str(row.pk), problem))
        if not check_files:
            return
        report.files_checked += 1
        try:
            sha256, size = hash_stored(storage, row.file_key)
        except FileNotFoundError:
            report.file_problems.append(FileProblem(row.sequence, str(row.pk), f"file missing: {row.file_key}"))
            return
        except STORAGE_ERRORS as exc:
            report.file_problems.append(FileProblem(row.sequence, str(row.pk), f"file unreadable: {exc}"))
            return
        if sha256 != row.sha256 or size != row.size:
            report.file_problems.append(
                FileProblem(
                    row.sequence,
                    str(row.pk),
                    f"file content changed: sha256 {row.sha256} expected, {sha256} found; "
                    f"size {row.size} expected, {size} found",
                )
            )
        if progress is not None:
            progress(report.files_checked)

    walk = walk_chain(merge_links(_live_links(tenant), _tombstone_links(tenant)), on_link=check)
    report.live, report.tombstones = walk.live, walk.tombstones
    report.chain_breaks = sorted([*walk.breaks, *report.chain_breaks], key=lambda b: b.sequence)
    return report


def orphan_files(*, tenant: Tenant) -> list[str]:
    """Stored evidence files no row points to (e.g. written by a scan whose transaction later rolled back)."""
    known = set(Evidence.objects.for_tenant(tenant).values_list("file_key", flat=True).iterator(chunk_size=2000))
    prefix = f"{tenant_prefix(tenant.pk)}evidence/"
    return sorted(key for key in iter_keys(evidence_storage(), prefix) if key not in known)


def tenants_with_evidence() -> QuerySet[Tenant]:
    has_rows = Evidence.objects.values("tenant_id")
    has_tombstones = EvidenceTombstone.objects.values("tenant_id")
    return Tenant.objects.filter(Q(pk__in=has_rows) | Q(pk__in=has_tombstones)).order_by("slug")


# --- documents per control (requirements, freshness) -------------------------------------------------------------


@dataclass(frozen=True)
class LinkedDocument:
    evidence_id: Any
    title: str
    collected_at: datetime
    valid_until: datetime | None
    freshness: str
    # Set when the document is filed for an equivalent control of another framework (a crosswalk): "iso27001-2022
    # 5.15". Empty when it is linked to this control itself.
    via: str = ""


@dataclass(frozen=True)
class ControlDocuments:
    """Where one control stands on documents at ``now``.

    ``required`` is True with an explicit requirement, and also when documents are linked without one: a
    document someone uploaded for a control is a claim about it, so it counts, and so does its expiry.
    """

    control_id: Any
    state: str
    required: bool
    requirement_id: Any = None
    renewal_days: int | None = None
    owner_id: Any = None
    owner_email: str | None = None
    due_date: date | None = None
    best: LinkedDocument | None = None
    documents: list[LinkedDocument] = field(default_factory=list)

    @property
    def next_due(self) -> date | None:
        """When the next document is due: the best one's end of validity, else the requirement's due date."""
        if self.best is not None:
            return self.best.valid_until.date() if self.best.valid_until else None
        return self.due_date


def _validity_key(doc: LinkedDocument) -> tuple[bool, datetime]:
    return (doc.valid_until is None, doc.valid_until or doc.collected_at)


def control_documents(
    *, tenant: Tenant | Any, control_ids: Iterable[Any], now: datetime | None = None
) -> dict[Any, ControlDocuments]:
    """Requirements and manual evidence of these controls, by control id; three queries for any number.

    A document counts for a control when it is linked to the control itself or to one of its equivalents in
    another framework (a shipped crosswalk): one access review serves SOC 2 CC6.2 and ISO 27001 5.18 alike.
    """
    now = now or timezone.now()
    # A Tenant or already its id.
    tenant_id = cast("uuid.UUID | str", getattr(tenant, "pk", tenant))
    control_ids = list(control_ids)
    requested = {str(control_id): control_id for control_id in control_ids}
    requirements = {
        str(r.control_id): r
        for r in ControlEvidenceRequirement.objects.filter(
            tenant_id=tenant_id, control_id__in=control_ids
        ).select_related("owner__user")
    }
    # Equivalent control -> the requested controls it stands for, with how to name it.
    stands_for: dict[str, list[tuple[str, str]]] = defaultdict(list)
    crosswalk = ControlEquivalent.objects.filter(control_id__in=control_ids).values_list(
        "control_id", "equivalent_id", "equivalent__framework__key", "equivalent__ref"
    )
    for control_id, equivalent_id, key, ref in crosswalk:
        stands_for[str(equivalent_id)].append((str(control_id), f"{key} {ref}"))
    linked: dict[str, dict[Any, LinkedDocument]] = defaultdict(dict)
    links = (
        EvidenceControlLink.objects.filter(
            tenant_id=tenant_id,
            control_id__in=[*control_ids, *stands_for],
            evidence__type=EvidenceType.MANUAL,
        )
        .order_by("-evidence__collected_at")
        .values_list("control_id", "evidence_id", "evidence__title", "evidence__collected_at", "evidence__expires_at")
    )
    for control_id, evidence_id, title, collected_at, expires_at in links.iterator(chunk_size=2000):
        targets = [(str(control_id), "")] if str(control_id) in requested else []
        targets += stands_for.get(str(control_id), [])
        for target, via in targets:
            # A document linked to the control itself wins over the same document reached through a crosswalk.
            if evidence_id in linked[target] and (via or not linked[target][evidence_id].via):
                continue
            requirement = requirements.get(target)
            until = valid_until(
                collected_at=collected_at,
                expires_at=expires_at,
                renewal_days=requirement.renewal_days if requirement else None,
            )
            linked[target][evidence_id] = LinkedDocument(
                evidence_id=evidence_id,
                title=title,
                collected_at=collected_at,
                valid_until=until,
                freshness=str(freshness(until, now=now)),
                via=via,
            )
    out = {}
    for control_id in control_ids:
        requirement = requirements.get(str(control_id))
        documents = list(linked.get(str(control_id), {}).values())
        # The document valid the longest decides; one that never goes stale beats any date.
        best = max(documents, key=_validity_key, default=None)
        required = requirement is not None or bool(documents)
        out[control_id] = ControlDocuments(
            control_id=control_id,
            state=str(
                evidence_state(
                    required=required,
                    best_until=best.valid_until if best else None,
                    has_documents=bool(documents),
                    now=now,
                )
            ),
            required=required,
            requirement_id=requirement.pk if requirement else None,
            renewal_days=requirement.renewal_days if requirement else None,
            owner_id=requirement.owner_id if requirement else None,
            owner_email=requirement.owner.user.email if requirement and requirement.owner is not None else None,
            due_date=requirement.due_date if requirement else None,
            best=best,
            documents=documents,
        )
    return out


def evidence_annotated(queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """Evidence with what freshness needs: its linked control ids and the shortest renewal among them.

    ``strictest_renewal_days`` is the smallest renewal period of the requirements of the controls the
    document is linked to (its own tenant's requirements), None when none of them has one.
    """
    strictest = (
        ControlEvidenceRequirement.objects.filter(
            tenant_id=OuterRef("tenant_id"), control__evidence_links__evidence=OuterRef("pk")
        )
        .order_by()
        .values("tenant_id")
        .annotate(days=Min("renewal_days"))
        .values("days")
    )
    return queryset.annotate(strictest_renewal_days=Subquery(strictest[:1])).prefetch_related(
        Prefetch("control_links", queryset=EvidenceControlLink.objects.order_by("created_at"))
    )


def evidence_validity(row: Evidence, *, now: datetime | None = None) -> tuple[datetime | None, str | None]:
    """(valid until, freshness) of a manual document annotated by :func:`evidence_annotated`; auto: (None, None).

    Auto artifacts record what a scan saw at a moment; they never stand in for a document.
    """
    if row.type != EvidenceType.MANUAL:
        return None, None
    until = valid_until(
        collected_at=row.collected_at,
        expires_at=row.expires_at,
        renewal_days=getattr(row, "strictest_renewal_days", None),
    )
    return until, str(freshness(until, now=now or timezone.now()))


def evidence_control_ids(row: Evidence) -> list[Any]:
    """Every control the artifact supports: its links (manual) or its one control (auto)."""
    linked = [link.control_id for link in row.control_links.all()]
    if row.control_id is not None and row.control_id not in linked:
        linked.insert(0, row.control_id)
    return linked


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
