"""What both OSCAL documents share: identifiers, the scan as read once, metadata, observations, streamed JSON."""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from complywise.exceptions import ConflictError
from frameworks.models import ControlCheck
from integrations.registry import get_check
from scans.choices import OutcomeStatus, ResultStatus, ScanStatus
from scans.models import CheckOutcome, ScanJob, ScanResult
from scans.selectors import scan_outcomes, scan_results

OSCAL_VERSION = "1.0.6"  # the release whose schemas tests/scans/oscal_schemas/ holds
# The version of this export's layout (metadata.version): bump when the mapping in docs/OSCAL.md changes.
DOCUMENT_VERSION = "1.0"
TOOL_NAME = "ComplyWise"
# Our own properties and facets live in this namespace, as OSCAL asks of names it does not define.
NS = "urn:complywise:oscal"
# Fixed root of every uuid5 here; never change it, or every exported UUID changes with it.
ROOT_NAMESPACE = uuid.UUID("0d9f6c1e-5b3a-4f0e-9a51-c0a1e5c0b7d2")
ITERATOR_CHUNK = 2000

ROLE_ASSESSOR = "assessor"
ROLE_SYSTEM_OWNER = "system-owner"
METHOD_TEST = "TEST"
RISK_OPEN = "open"
LIFECYCLE_RECOMMENDATION = "recommendation"
FAILING_CHECK_STATUSES = ("fail", "error")
# OSCAL strings may not start or end with white space nor span lines; these stand in for a blank value.
UNKNOWN = "unknown"


# --------------------------------------------------------------------------- identifiers


def scan_namespace(scan_job: ScanJob) -> uuid.UUID:
    return uuid.uuid5(ROOT_NAMESPACE, f"scan:{scan_job.pk}")


def tenant_namespace(tenant_id: Any) -> uuid.UUID:
    # Resources are named per tenant, not per scan: the same bucket keeps its UUID from one scan to the next.
    return uuid.uuid5(ROOT_NAMESPACE, f"tenant:{tenant_id}")


def oscal_control_id(framework_key: str, ref: str) -> str:
    """An OSCAL token for a control: ``<framework key>_<ref>``, lower case, other characters as ``-``.

    "soc2" + "CC6.1" → ``soc2_cc6.1``; "cis-aws" + "1.4" → ``cis-aws_1.4``. The framework key keeps two
    frameworks' "1.4" apart; a token must start with a letter or ``_``, so one is prefixed when needed.
    """
    token = re.sub(r"[^a-z0-9._-]+", "-", f"{framework_key}_{ref}".lower()).strip("-") or "control"
    return token if token[0].isalpha() or token[0] == "_" else f"_{token}"


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str:
    """A one-line OSCAL string (no leading/trailing white space, no line breaks)."""
    return " ".join(str(value).split())


def _prop(name: str, value: Any, *, ns: bool = True) -> dict[str, str] | None:
    text = _text(value) if value is not None else ""
    if not text:
        return None
    return {"name": name, "ns": NS, "value": text} if ns else {"name": name, "value": text}


def _props(*props: dict[str, str] | None) -> list[dict[str, str]]:
    return [p for p in props if p is not None]


def _with(obj: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """``obj`` plus the optional members that are not empty (OSCAL arrays need at least one item)."""
    obj.update({key.replace("_", "-"): value for key, value in optional.items() if value})
    return obj


# --------------------------------------------------------------------------- streamed JSON


@dataclass(frozen=True)
class Stream:
    """An array member whose items are produced while the document is written; left out when it has none."""

    items: Callable[[], Iterable[Any]]


_NOTHING = object()


def _write(value: Any) -> Iterator[str]:
    # Only objects holding a Stream are walked member by member; anything else is dumped in one call.
    if isinstance(value, list) and _streams_in(value):
        yield "["
        for index, item in enumerate(value):
            yield "," if index else ""
            yield from _write(item)
        yield "]"
    elif isinstance(value, dict) and _streams_in(value):
        yield "{"
        first = True
        for key, member in value.items():
            if isinstance(member, Stream):
                items = iter(member.items())
                head = next(items, _NOTHING)
                if head is _NOTHING:
                    continue
                yield ("" if first else ",") + json.dumps(key) + ":[\n"
                yield from _write(head)
                for item in items:
                    yield ",\n"
                    yield from _write(item)
                yield "\n]"
            else:
                yield ("" if first else ",") + json.dumps(key) + ":"
                yield from _write(member)
            first = False
        yield "}"
    else:
        yield _dump(value)


def _streams_in(value: Any) -> bool:
    if isinstance(value, Stream):
        return True
    if isinstance(value, dict):
        return any(_streams_in(member) for member in value.values())
    if isinstance(value, list):
        return any(_streams_in(member) for member in value)
    return False


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- what the scan holds


@dataclass
class _Control:
    """One control's result in the scan, with what the documents need of it."""

    result: ScanResult
    control_id: str
    check_ids: list[str]
    evidence: dict[str, Any] | None

    @property
    def assessed(self) -> bool:
        return self.result.status in (ResultStatus.PASS, ResultStatus.FAIL)

    @property
    def failing(self) -> bool:
        return self.result.status == ResultStatus.FAIL

    @property
    def failing_checks(self) -> list[dict[str, Any]]:
        return [row for row in self.result.checks or [] if row.get("status") in FAILING_CHECK_STATUSES]

    @property
    def failing_check_ids(self) -> list[str]:
        return [row["id"] for row in self.failing_checks]


@dataclass
class _Scan:
    job: ScanJob
    namespace: uuid.UUID
    resources: uuid.UUID
    controls: list[_Control]
    # check id → the controls (in this scan) it was mapped to, for an observation's relevant evidence.
    controls_of_check: dict[str, list[_Control]] = field(default_factory=dict)

    def uuid(self, name: str) -> str:
        return str(uuid.uuid5(self.namespace, name))

    @property
    def tool_uuid(self) -> str:
        return self.uuid("component:tool")

    def resource_uuid(self, integration_id: Any, region: str, resource_type: str, resource_id: str) -> str:
        return str(uuid.uuid5(self.resources, f"resource:{integration_id}:{region}:{resource_type}:{resource_id}"))

    def observation_uuid(self, outcome_id: Any) -> str:
        return self.uuid(f"observation:{outcome_id}")


def require_completed(scan_job: ScanJob) -> None:
    """OSCAL results describe a finished assessment: anything but a completed scan is a 409."""
    if scan_job.status == ScanStatus.COMPLETED:
        return
    if scan_job.status in (ScanStatus.QUEUED, ScanStatus.RUNNING):
        raise ConflictError(
            f"The scan is {scan_job.status}; its OSCAL export is available once it has completed. "
            f"Poll GET /api/scans/{scan_job.pk} until status is 'completed'."
        )
    raise ConflictError(
        f"The scan is {scan_job.status}; only a completed scan can be exported as OSCAL (its results are partial)."
    )


def _evidence_of(result: ScanResult) -> dict[str, Any] | None:
    evidence = result.evidence
    if evidence is None:
        return None
    return {
        "id": str(evidence.pk),
        "sha256": evidence.sha256,
        "title": evidence.title,
        "href": reverse("evidence-download", kwargs={"pk": evidence.pk}),
    }


def _load(scan_job: ScanJob) -> _Scan:
    results = list(scan_results(scan_job=scan_job).select_related("evidence"))
    # Results rolled up before checks were snapshotted on them fall back to today's mapping.
    unsnapshotted = [r.control_id for r in results if not r.checks]
    mapped: dict[Any, list[str]] = defaultdict(list)
    for control_id, check_id in ControlCheck.objects.filter(control_id__in=unsnapshotted).values_list(
        "control_id", "check_id"
    ):
        mapped[control_id].append(check_id)
    controls = [
        _Control(
            result=r,
            control_id=oscal_control_id(r.framework.key, r.control.ref),
            check_ids=sorted({row["id"] for row in r.checks} if r.checks else set(mapped[r.control_id])),
            evidence=_evidence_of(r),
        )
        for r in results
    ]
    scan = _Scan(
        job=scan_job,
        namespace=scan_namespace(scan_job),
        resources=tenant_namespace(scan_job.tenant_id),
        controls=controls,
    )
    by_check: dict[str, list[_Control]] = defaultdict(list)
    for control in controls:
        for check_id in control.check_ids:
            by_check[check_id].append(control)
    scan.controls_of_check = dict(by_check)
    return scan


def _outcomes(scan: _Scan) -> QuerySet[CheckOutcome]:
    return scan_outcomes(scan_job=scan.job)


def _outcome_ids(scan: _Scan, check_ids: list[str], statuses: tuple[str, ...] | None = None) -> Iterator[Any]:
    if not check_ids:
        return iter(())
    outcomes = _outcomes(scan).filter(check_id__in=check_ids)
    if statuses:
        outcomes = outcomes.filter(status__in=statuses)
    return outcomes.values_list("pk", flat=True).iterator(chunk_size=ITERATOR_CHUNK)


# --------------------------------------------------------------------------- shared pieces


def _metadata(scan: _Scan, *, title: str) -> dict[str, Any]:
    job, tenant = scan.job, scan.job.tenant
    tool_party, tenant_party = scan.uuid("party:tool"), scan.uuid("party:tenant")
    stamp = _timestamp(job.completed_at or job.created_at)
    return {
        "title": title,
        # The scan's completion, not the time of the request: two downloads of one scan are identical.
        "published": stamp,
        "last-modified": stamp,
        "version": DOCUMENT_VERSION,
        "oscal-version": OSCAL_VERSION,
        "props": _props(_prop("scan-id", job.pk), _prop("tenant-slug", tenant.slug)),
        "roles": [
            {"id": ROLE_ASSESSOR, "title": "Assessor", "description": "Ran the automated checks and rolled them up."},
            {"id": ROLE_SYSTEM_OWNER, "title": "System Owner", "description": "Owns the assessed accounts and hosts."},
        ],
        "parties": [
            {"uuid": tool_party, "type": "organization", "name": TOOL_NAME, "short-name": TOOL_NAME},
            _with(
                {"uuid": tenant_party, "type": "organization", "name": _text(tenant.name) or tenant.slug},
                short_name=_text(tenant.slug),
            ),
        ],
        "responsible-parties": [
            {"role-id": ROLE_ASSESSOR, "party-uuids": [tool_party]},
            {"role-id": ROLE_SYSTEM_OWNER, "party-uuids": [tenant_party]},
        ],
    }


def _tool_component(scan: _Scan) -> dict[str, Any]:
    return {
        "uuid": scan.tool_uuid,
        "type": "software",
        "title": TOOL_NAME,
        "description": f"{TOOL_NAME}: automated compliance checks over the tenant's connected integrations.",
        "status": {"state": "operational"},
    }


def _origins(scan: _Scan) -> list[dict[str, Any]]:
    return [{"actors": [{"type": "tool", "actor-uuid": scan.tool_uuid}]}]


def _inventory_items(scan: _Scan, outcomes: Callable[[], QuerySet[CheckOutcome]]) -> Iterator[dict[str, Any]]:
    """Each resource the outcomes name, once: the subjects observations point at."""
    fields = ("integration_id", "integration__type", "region", "resource_type", "resource_id")
    rows = outcomes().order_by(*fields).values_list(*fields).distinct()
    for integration_id, integration_type, region, resource_type, resource_id in rows.iterator(
        chunk_size=ITERATOR_CHUNK
    ):
        described = " ".join(part for part in (_text(resource_type), _text(resource_id)) if part)
        yield _with(
            {
                "uuid": scan.resource_uuid(integration_id, region, resource_type, resource_id),
                "description": described + (f" in {region}" if region else ""),
            },
            props=_props(
                _prop("resource-id", resource_id),
                _prop("resource-type", resource_type),
                _prop("region", region),
                _prop("integration-type", integration_type),
            ),
        )


def _observation(scan: _Scan, outcome: CheckOutcome) -> dict[str, Any]:
    check = get_check(outcome.check_id)
    check_title = check.title if check else outcome.check_id
    verbs: dict[str, str] = {OutcomeStatus.PASS: "passed", OutcomeStatus.FAIL: "failed"}
    verb = verbs.get(outcome.status, "could not evaluate")
    evidence = [
        _with(
            {
                "href": control.evidence["href"],
                "description": f"Auto evidence of {control.control_id} in this scan: {control.evidence['title']}",
            },
            props=_props(
                _prop("sha256", control.evidence["sha256"]),
                _prop("evidence-id", control.evidence["id"]),
                _prop("control-id", control.control_id),
            ),
        )
        for control in scan.controls_of_check.get(outcome.check_id, [])
        if control.evidence
    ]
    return _with(
        {
            "uuid": scan.observation_uuid(outcome.pk),
            "title": f"{check_title} on {outcome.resource_id}",
            "description": _text(outcome.reason) or f"The check {verb} on {outcome.resource_id}.",
            "props": _props(
                _prop("check-id", outcome.check_id),
                _prop("outcome", outcome.status),
                _prop("severity", outcome.severity or (check.severity if check else "")),
            ),
            "methods": [METHOD_TEST],
        },
        types=["finding"] if outcome.status == OutcomeStatus.FAIL else None,
        origins=_origins(scan),
        subjects=[
            _with(
                {
                    "subject-uuid": scan.resource_uuid(
                        outcome.integration_id, outcome.region, outcome.resource_type, outcome.resource_id
                    ),
                    "type": "inventory-item",
                    "title": outcome.resource_id,
                },
                props=_props(
                    _prop("region", outcome.region),
                    _prop("resource-type", outcome.resource_type),
                    _prop("check-id", outcome.check_id),
                ),
            )
        ],
        relevant_evidence=evidence,
        collected=_timestamp(outcome.created_at),
    )


def _observations(scan: _Scan, outcomes: QuerySet[CheckOutcome]) -> Iterator[dict[str, Any]]:
    for outcome in outcomes.iterator(chunk_size=ITERATOR_CHUNK):
        yield _observation(scan, outcome)


def _related_observations(scan: _Scan, ids: Iterator[Any]) -> Iterator[dict[str, str]]:
    for outcome_id in ids:
        yield {"observation-uuid": scan.observation_uuid(outcome_id)}


def _control_props(control: _Control) -> list[dict[str, str]]:
    r = control.result
    return _props(
        _prop("framework-key", r.framework.key),
        _prop("control-ref", r.control.ref),
        _prop("control-uuid", r.control_id),
        _prop("basis", r.basis),
        _prop("evidence-state", r.evidence_state),
    )


def _finding_text(control: _Control) -> str:
    return control.result.finding.strip() or f"{control.result.control.ref}: {control.result.status}."
