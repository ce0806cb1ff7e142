"""The OSCAL plan-of-action-and-milestones document: one item per failing control."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from evidence.choices import EvidenceState
from scans.choices import OutcomeStatus
from scans.models import CheckOutcome, ScanJob
from scans.posture import SEVERITY_RANK, check_remediation

from .document import (
    LIFECYCLE_RECOMMENDATION,
    NS,
    RISK_OPEN,
    TOOL_NAME,
    UNKNOWN,
    Stream,
    _Control,
    _control_props,
    _finding_text,
    _inventory_items,
    _load,
    _metadata,
    _observations,
    _origins,
    _outcome_ids,
    _outcomes,
    _prop,
    _props,
    _related_observations,
    _Scan,
    _text,
    _tool_component,
    _with,
    _write,
    require_completed,
)

# --------------------------------------------------------------------------- POA&M


def _worst_severity(control: _Control) -> str | None:
    severities = [row.get("severity") or "" for row in control.failing_checks]
    known = [s for s in severities if s]
    return min(known, key=lambda s: SEVERITY_RANK.get(s, 9)) if known else None


def _remediations(scan: _Scan, control: _Control) -> list[dict[str, Any]]:
    found = []
    for row in control.failing_checks:
        text = check_remediation(row)
        if text:
            found.append(
                {
                    "uuid": scan.uuid(f"remediation:{control.result.control_id}:{row['id']}"),
                    "lifecycle": LIFECYCLE_RECOMMENDATION,
                    "title": f"Fix {row.get('title') or row['id']}",
                    "description": text,
                    "props": _props(_prop("check-id", row["id"])),
                }
            )
    if control.result.evidence_state in (EvidenceState.MISSING, EvidenceState.EXPIRED):
        found.append(
            {
                "uuid": scan.uuid(f"remediation:{control.result.control_id}:documents"),
                "lifecycle": LIFECYCLE_RECOMMENDATION,
                "title": "Provide a current document",
                "description": "Upload a current document for this control's evidence requirement.",
            }
        )
    return found


def _failing_outcome_ids(scan: _Scan, control: _Control) -> Iterator[Any]:
    return _outcome_ids(scan, control.failing_check_ids, (OutcomeStatus.FAIL, OutcomeStatus.ERROR))


def _risk(scan: _Scan, control: _Control) -> dict[str, Any]:
    r = control.result
    severity = _worst_severity(control)
    failing = ", ".join(f"{row['id']} ({row.get('severity') or UNKNOWN})" for row in control.failing_checks)
    return _with(
        {
            "uuid": scan.uuid(f"risk:{r.control_id}"),
            "title": f"{r.framework.key} {r.control.ref} is not satisfied",
            "description": _finding_text(control),
            "statement": (
                f"Control {r.control.ref} ({_text(r.control.title)}) of {r.framework.name} is not met"
                + (f"; failing checks: {failing}." if failing else "; its required documents are not current.")
            ),
            "props": _props(
                *_control_props(control), _prop("control-id", control.control_id), _prop("severity", severity)
            ),
            "status": RISK_OPEN,
        },
        origins=_origins(scan),
        characterizations=[
            {"origin": _origins(scan)[0], "facets": [{"name": "severity", "system": NS, "value": severity}]}
        ]
        if severity
        else None,
        remediations=_remediations(scan, control),
        related_observations=Stream(lambda: _related_observations(scan, _failing_outcome_ids(scan, control))),
    )


def _poam_item(scan: _Scan, control: _Control) -> dict[str, Any]:
    r = control.result
    return {
        "uuid": scan.uuid(f"poam-item:{r.control_id}"),
        "title": f"{r.framework.key} {r.control.ref}: {_text(r.control.title)}",
        "description": _finding_text(control),
        "props": _props(
            *_control_props(control),
            _prop("control-id", control.control_id),
            _prop("finding-uuid", scan.uuid(f"finding:{r.control_id}")),
            _prop("severity", _worst_severity(control)),
        ),
        "origins": [{"actors": _origins(scan)[0]["actors"]}],
        "related-observations": Stream(lambda: _related_observations(scan, _failing_outcome_ids(scan, control))),
        "related-risks": [{"risk-uuid": scan.uuid(f"risk:{r.control_id}")}],
    }


def _no_open_items(scan: _Scan) -> dict[str, Any]:
    # The schema needs at least one poam-item; a scan with nothing failing says so in one marked item.
    return {
        "uuid": scan.uuid("poam-item:none"),
        "title": "No open items",
        "description": "No control failed in this scan: there is nothing to plan.",
        "props": _props(_prop("no-open-items", "true")),
    }


def _failing_outcomes(scan: _Scan, failing: list[_Control]) -> QuerySet[CheckOutcome]:
    check_ids = sorted({c for control in failing for c in control.failing_check_ids})
    return _outcomes(scan).filter(check_id__in=check_ids, status__in=(OutcomeStatus.FAIL, OutcomeStatus.ERROR))


def poam_parts(*, scan_job: ScanJob) -> Iterator[str]:
    """The failing controls of the scan as an OSCAL plan-of-action-and-milestones, as pieces of text (409 as above)."""
    require_completed(scan_job)
    return _poam(scan_job)


def _poam(scan_job: ScanJob) -> Iterator[str]:
    scan = _load(scan_job)
    job = scan.job
    failing = [c for c in scan.controls if c.failing]
    document = {
        "plan-of-action-and-milestones": {
            "uuid": scan.uuid("poam"),
            "metadata": _metadata(scan, title=f"{TOOL_NAME} plan of action and milestones: scan {job.pk}"),
            # Required by the schema. ComplyWise keeps no system security plan; the tenant's scope is the system,
            # so the SSP is named by the tenant's URN rather than pointing at a document that does not exist.
            "import-ssp": {
                "href": f"urn:complywise:tenant:{job.tenant_id}#system-security-plan",
                "remarks": "No separate system security plan: the tenant's integrations and frameworks describe it.",
            },
            "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122", "id": str(job.tenant_id)},
            "local-definitions": {
                "components": [_tool_component(scan)],
                "inventory-items": Stream(lambda: _inventory_items(scan, lambda: _failing_outcomes(scan, failing))),
            },
            "observations": Stream(lambda: _observations(scan, _failing_outcomes(scan, failing))),
            "risks": Stream(lambda: (_risk(scan, c) for c in failing)),
            "poam-items": Stream(lambda: (_poam_item(scan, c) for c in failing) if failing else [_no_open_items(scan)]),
        }
    }
    yield from _write(document)
    yield "\n"
