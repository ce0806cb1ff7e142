"""Reads of frameworks and controls, scoped to what a tenant may see."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from complywise.models import Tenant
from integrations.registry import get_check

from .catalog import CATALOG_DIR
from .models import (
    Control,
    ControlApplicability,
    ControlCheck,
    ControlEvidenceRequirement,
    Framework,
    FrameworkQuerySet,
    TenantFramework,
)

if TYPE_CHECKING:
    # Typing only: django-stubs-ext is a development requirement.
    from django_stubs_ext import WithAnnotations


@dataclass(frozen=True)
class MappedCheck:
    """A check mapped to a control, described from the registry (``registered`` False for a stale id)."""

    check_id: str
    title: str | None
    severity: str | None
    integration_type: str | None
    registered: bool


@dataclass(frozen=True)
class Applicability:
    """A control's place in the tenant's scope; the default (no decision recorded) is applicable."""

    applicable: bool = True
    justification: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None

    @classmethod
    def of(cls, record: ControlApplicability | None) -> Applicability:
        if record is None:
            return cls()
        return cls(
            applicable=record.applicable,
            justification=record.justification,
            decided_by=_email_of(record.decided_by),
            decided_at=record.decided_at,
        )

    def exclusion_finding(self) -> str:
        """What a scan result of an excluded control says instead of its checks' verdict."""
        who = self.decided_by or "a former user"
        when = f"{self.decided_at:%Y-%m-%d}" if self.decided_at else "an unknown date"
        return f"Excluded from scope by {who} on {when}: {self.justification}"


def _email_of(user: Any) -> str | None:
    if user is None:
        return None
    return getattr(user, "email", "") or user.get_username()


def _count_of(queryset: QuerySet) -> Coalesce:
    # A correlated COUNT subquery per framework: no JOIN fan-out between controls and their checks.
    counted = queryset.order_by().values("framework").annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class FrameworkCounts(TypedDict):
    """What :func:`frameworks_for_tenant` annotates on each framework."""

    active: bool
    control_count: int
    automated_control_count: int


def frameworks_for_tenant(
    *, tenant: Tenant, queryset: FrameworkQuerySet | None = None
) -> QuerySet[WithAnnotations[Framework, FrameworkCounts]]:
    """The global catalog plus the tenant's custom frameworks, each with ``active`` and its control counts.

    Typed with its annotations, so that filtering or ordering on ``active`` type-checks.
    """
    queryset = queryset if queryset is not None else Framework.objects.all()
    annotated = queryset.visible_to(tenant).annotate(
        active=Exists(TenantFramework.objects.filter(tenant=tenant, framework=OuterRef("pk"))),
        control_count=_count_of(Control.objects.filter(framework=OuterRef("pk"))),
        automated_control_count=_count_of(Control.objects.filter(framework=OuterRef("pk"), checks__isnull=False)),
    )
    return cast("QuerySet[WithAnnotations[Framework, FrameworkCounts]]", annotated)


def frameworks_active(*, tenant: Tenant) -> QuerySet[WithAnnotations[Framework, FrameworkCounts]]:
    """The frameworks the tenant has activated, with their counts, by name and version."""
    return frameworks_for_tenant(tenant=tenant).filter(active=True).order_by("name", "version")


def frameworks_visible(*, tenant: Tenant) -> QuerySet[Framework]:
    """Every framework the tenant may see (the global catalog and its own), by name and version."""
    return Framework.objects.visible_to(tenant).order_by("name", "version")


def framework_resolve(*, tenant: Tenant, ref: Any) -> Framework | None:
    """A framework the tenant can see, by id or by key (the newest version of a key, as ``trigger_scan`` does)."""
    visible = Framework.objects.visible_to(tenant)
    if isinstance(ref, Framework):
        return visible.filter(pk=ref.pk).first()
    text = str(ref).strip()
    if not text:
        return None
    try:
        by_id = visible.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        by_id = None
    # A custom key may itself look like a UUID: fall back to the key when no id matches.
    return by_id or visible.filter(key=text).order_by("-created_at").first()


def framework_key_reserved(*, key: str) -> bool:
    """Whether a custom framework may not take ``key``: a shipped catalog's or a global framework's (any case)."""
    if key.lower() in {path.stem.lower() for path in Path(CATALOG_DIR).glob("*.yaml")}:
        return True
    return Framework.objects.filter(tenant__isnull=True, key__iexact=key).exists()


def controls_visible_to(*, tenant: Tenant) -> QuerySet[Control]:
    """Controls of the global catalog and of the tenant's own custom frameworks."""
    return Control.objects.filter(Q(framework__tenant__isnull=True) | Q(framework__tenant=tenant))


def controls_annotated(queryset: QuerySet[Control]) -> QuerySet[Control]:
    """Add ``automated`` and what the API shows of each control, in a constant number of queries."""
    return (
        queryset.annotate(automated=Exists(ControlCheck.objects.filter(control=OuterRef("pk"))))
        .select_related("framework", "parent")
        .prefetch_related(Prefetch("checks", queryset=ControlCheck.objects.order_by("check_id")))
    )


def framework_controls(*, framework: Framework) -> QuerySet[Control]:
    """The framework's controls in natural order (CC6.2 before CC6.10, AC-2 before AC-2(1) before AC-3)."""
    return controls_annotated(Control.objects.filter(framework=framework)).order_by("sort_key", "ref")


def control_mapped_checks(*, control: Control) -> list[MappedCheck]:
    mapped = []
    for check_id in sorted(mapping.check_id for mapping in control.checks.all()):
        check = get_check(check_id)
        mapped.append(
            MappedCheck(
                check_id=check_id,
                title=check.title if check else None,
                severity=str(check.severity) if check else None,
                integration_type=check.integration_type if check else None,
                registered=check is not None,
            )
        )
    return mapped


def control_applicability(*, tenant: Tenant, control: Control) -> Applicability:
    record = (
        ControlApplicability.objects.for_tenant(tenant).filter(control=control).select_related("decided_by").first()
    )
    return Applicability.of(record)


def control_evidence_requirement(*, tenant: Tenant, control: Control) -> ControlEvidenceRequirement | None:
    return (
        ControlEvidenceRequirement.objects.for_tenant(tenant)
        .filter(control=control)
        .select_related("owner__user", "set_by")
        .first()
    )


def evidence_requirements_in(
    *, tenant: Tenant, frameworks: Iterable[Framework]
) -> QuerySet[ControlEvidenceRequirement]:
    """The tenant's evidence requirements on controls of these frameworks, with each control and its framework."""
    return (
        ControlEvidenceRequirement.objects.for_tenant(tenant)
        .filter(control__framework__in=[framework.pk for framework in frameworks])
        .select_related("control__framework")
    )


def control_detail(*, tenant: Tenant, control: Control) -> dict[str, Any]:
    """What this app knows of a control for its detail: mapped checks, scope and evidence requirement.

    The faces add what other apps know (latest result, evidence count: scans.selectors).
    """
    return {
        "evidence_requirement": control_evidence_requirement(tenant=tenant, control=control),
        "applicability": control_applicability(tenant=tenant, control=control),
        "checks": control_mapped_checks(control=control),
        "equivalents": control_equivalents(tenant=tenant, control=control),
    }


def control_equivalents(*, tenant: Tenant, control: Control) -> list[Control]:
    """Controls of other frameworks the tenant can see that ask for the same thing (shipped crosswalks)."""
    return list(
        Control.objects.filter(equivalents__equivalent=control, framework__in=Framework.objects.visible_to(tenant))
        .select_related("framework")
        .order_by("framework__key", "sort_key")
    )


# --------------------------------------------------------------------------- for the scan engine


def controls_applicability(*, tenant: Tenant, framework: Framework) -> dict[uuid.UUID, Applicability]:
    """The tenant's recorded decisions on the framework's controls, by control id (no entry: applicable)."""
    records = (
        ControlApplicability.objects.for_tenant(tenant)
        .filter(control__framework=framework)
        .select_related("decided_by")
    )
    return {record.control_id: Applicability.of(record) for record in records}


def exclusions_in_scope(*, tenant: Tenant, frameworks: Iterable[Framework]) -> dict[uuid.UUID, Applicability]:
    """The tenant's excluded controls of these frameworks, by control id: one query for a whole scan."""
    records = (
        ControlApplicability.objects.for_tenant(tenant)
        .filter(applicable=False, control__framework__in=[framework.pk for framework in frameworks])
        .select_related("decided_by")
    )
    return {record.control_id: Applicability.of(record) for record in records}


def frameworks_in_scope(*, tenant: Tenant, framework: Framework | uuid.UUID | str | None = None) -> QuerySet[Framework]:
    """The given framework (if the tenant may see it), else every framework the tenant has activated."""
    visible = Framework.objects.visible_to(tenant)
    if framework is not None:
        framework_id = framework.pk if isinstance(framework, Framework) else framework
        return visible.filter(pk=framework_id)
    return visible.filter(activations__tenant=tenant).distinct()


def controls_with_checks(*, frameworks: Iterable[Framework] | QuerySet[Framework]) -> list[tuple[Control, list[str]]]:
    """Every control of the frameworks (framework, then natural order) with its mapped check ids.

    Two queries whatever the number of controls: the mappings are joined by framework, not by a
    (possibly huge) list of control ids.
    """
    framework_ids = (
        frameworks.values_list("pk", flat=True)
        if isinstance(frameworks, QuerySet)
        else [framework.pk for framework in frameworks]
    )
    controls = list(
        Control.objects.filter(framework__in=framework_ids)
        .select_related("framework")
        .order_by("framework__key", "framework__version", "framework_id", "sort_key")
    )
    checks_by_control: dict[uuid.UUID, list[str]] = defaultdict(list)
    for control_id, check_id in (
        ControlCheck.objects.filter(control__framework__in=framework_ids)
        .order_by("check_id")
        .values_list("control_id", "check_id")
    ):
        checks_by_control[control_id].append(check_id)
    return [(control, checks_by_control.get(control.pk, [])) for control in controls]


def check_control_counts(*, tenant: Tenant, check_ids: Iterable[str]) -> dict[str, int]:
    """How many controls of the frameworks the tenant sees map to each check, in one query."""
    ids = list(check_ids)
    if not ids:
        return {}
    rows = (
        ControlCheck.objects.filter(check_id__in=ids, control__framework__in=Framework.objects.visible_to(tenant))
        .values("check_id")
        .annotate(count=Count("control", distinct=True))
    )
    return {row["check_id"]: row["count"] for row in rows}
