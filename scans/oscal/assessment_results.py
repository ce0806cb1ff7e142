"""The OSCAL assessment-results document of a completed scan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from scans.choices import ResultStatus
from scans.models import ScanJob

from .document import (
    TOOL_NAME,
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
    _timestamp,
    _tool_component,
    _with,
    _write,
    require_completed,
)

# --------------------------------------------------------------------------- assessment results


def _reviewed_controls(scan: _Scan) -> dict[str, Any]:
    """One selection per framework: the assessed controls included, the not-applicable ones excluded."""
    selections: list[dict[str, Any]] = []
    by_framework: dict[Any, list[_Control]] = defaultdict(list)
    for control in scan.controls:
        by_framework[control.result.framework_id].append(control)
    for controls in by_framework.values():
        framework = controls[0].result.framework
        selections.append(
            _with(
                {
                    "props": _props(
                        _prop("framework-key", framework.key),
                        _prop("framework-name", framework.name),
                        _prop("framework-version", framework.version),
                    )
                },
                include_controls=[{"control-id": c.control_id} for c in controls if c.assessed],
                exclude_controls=[{"control-id": c.control_id} for c in controls if not c.assessed],
                remarks="Excluded: out of scope, or assessed by no check nor document in this scan."
                if any(not c.assessed for c in controls)
                else None,
            )
        )
    if not selections:
        selections.append({"remarks": "The scan evaluated no framework control."})
    return {"control-selections": selections}


def _finding(scan: _Scan, control: _Control) -> dict[str, Any]:
    r = control.result
    status: dict[str, Any] = {
        "state": "satisfied" if r.status == ResultStatus.PASS else "not-satisfied",
        "reason": "other" if r.errored else r.status,
    }
    if r.errored:
        status["remarks"] = "Failing only because checks could not evaluate (collection errors), not on a finding."
    return {
        "uuid": scan.uuid(f"finding:{r.control_id}"),
        "title": f"{r.framework.key} {r.control.ref}: {_text(r.control.title)}",
        "description": _finding_text(control),
        "props": _control_props(control),
        "origins": _origins(scan),
        "target": {
            "type": "objective-id",
            "target-id": control.control_id,
            "description": f"Control {r.control.ref} of {r.framework.name}.",
            "status": status,
        },
        "related-observations": Stream(lambda: _related_observations(scan, _outcome_ids(scan, control.check_ids))),
    }


def assessment_results_parts(*, scan_job: ScanJob) -> Iterator[str]:
    """The scan as an OSCAL assessment-results document, as pieces of text (409 unless it completed).

    The state is checked now; everything else is read while the pieces are taken.
    """
    require_completed(scan_job)
    return _assessment_results(scan_job)


def _assessment_results(scan_job: ScanJob) -> Iterator[str]:
    scan = _load(scan_job)
    job = scan.job
    document = {
        "assessment-results": {
            "uuid": scan.uuid("assessment-results"),
            "metadata": _metadata(scan, title=f"{TOOL_NAME} assessment results: scan {job.pk}"),
            # The schema requires an assessment plan. ComplyWise keeps none apart from the scan itself (what to
            # check is the tenant's frameworks and integrations at trigger time), so the plan is named by the
            # scan's URN rather than pointing at a document that does not exist.
            "import-ap": {
                "href": f"urn:complywise:scan:{job.pk}#assessment-plan",
                "remarks": "No separate assessment plan: the scan's frameworks and integrations are the plan.",
            },
            "results": [
                {
                    "uuid": scan.uuid("result"),
                    "title": f"Automated scan {job.pk}",
                    "description": (
                        f"Every check of the scan on every resource (observations) and one finding per assessed "
                        f"control, from {TOOL_NAME}."
                    ),
                    "start": _timestamp(job.started_at or job.created_at),
                    "end": _timestamp(job.completed_at or job.created_at),
                    "props": _props(
                        _prop("scan-id", job.pk),
                        _prop("trigger", job.trigger),
                        _prop("score", job.score),
                        _prop("coverage", job.coverage),
                        _prop("partial", str(job.partial).lower()),
                    ),
                    "local-definitions": {
                        "inventory-items": Stream(lambda: _inventory_items(scan, lambda: _outcomes(scan))),
                        "assessment-assets": {
                            "components": [_tool_component(scan)],
                            "assessment-platforms": [
                                {
                                    "uuid": scan.uuid("platform:tool"),
                                    "title": TOOL_NAME,
                                    "uses-components": [{"component-uuid": scan.tool_uuid}],
                                }
                            ],
                        },
                    },
                    "reviewed-controls": _reviewed_controls(scan),
                    "observations": Stream(lambda: _observations(scan, _outcomes(scan))),
                    "findings": Stream(lambda: (_finding(scan, c) for c in scan.controls if c.assessed)),
                }
            ],
        }
    }
    yield from _write(document)
    yield "\n"
