"""GuardDuty findings, which moto 5.2 does not serve (its server has no route for them).

Routes ``/detector/{id}/findings`` (ListFindings), ``…/findings/create`` (CreateSampleFindings), ``…/findings/get``
(GetFindings) and ``…/findings/archive`` and ``…/findings/unarchive`` to moto's own GuardDuty responder. Sample
findings are made for the finding types listed here, each with the severity GuardDuty documents for it (an unknown
type is refused with BadRequestException, as AWS refuses one); they are kept on moto's detector. ListFindings honours
the criteria a scanner asks with: ``severity`` (gt, gte, lt, lte and their long names) and ``service.archived`` (eq,
equals), and pages with maxResults and nextToken. A detector that does not exist answers BadRequestException.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

import moto.guardduty.urls
from moto.core.utils import utcnow
from moto.guardduty.responses import GuardDutyResponse

from ._responder import add_methods, paged, state_on

# Finding type -> the severity GuardDuty gives it (High is 7.0-8.9, Critical 9.0-10.0, Medium 4.0-6.9, Low 1.0-3.9).
SAMPLE_SEVERITIES = {
    "Backdoor:EC2/C&CActivity.B!DNS": 8.0,
    "CryptoCurrency:EC2/BitcoinTool.B!DNS": 8.0,
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": 8.0,
    "AttackSequence:IAM/CompromisedCredentials": 9.0,
    "Discovery:S3/MaliciousIPCaller": 5.0,
    "Recon:EC2/PortProbeUnprotectedPort": 2.0,
}
_DETECTOR = "{0}/detector/(?P<detector_id>[^/]+)/findings"
_PATHS = [f"{_DETECTOR}$", *(f"{_DETECTOR}/{verb}$" for verb in ("create", "get", "archive", "unarchive"))]
_BOUNDS = {
    "gt": float.__gt__,
    "greaterThan": float.__gt__,
    "gte": float.__ge__,
    "greaterThanOrEqual": float.__ge__,
    "lt": float.__lt__,
    "lessThan": float.__lt__,
    "lte": float.__le__,
    "lessThanOrEqual": float.__le__,
}


def _bad_request(message: str) -> tuple[int, dict[str, Any], str]:
    body = {"__type": "BadRequestException", "message": message}
    return 400, {"status": 400, "x-amzn-ErrorType": "BadRequestException"}, json.dumps(body)


def _findings(response: Any) -> dict[str, dict[str, Any]] | None:
    """The detector's findings by id, or None when the path names no detector of this account and region."""
    detector_id = response.path.split("/detector/", 1)[1].split("/", 1)[0]
    detector = response.guardduty_backend.detectors.get(detector_id)
    return None if detector is None else state_on(detector, "findings", dict)


def _matches(finding: dict[str, Any], criterion: dict[str, Any]) -> bool:
    for field, condition in criterion.items():
        if field == "severity":
            for name, bound in condition.items():
                if name in _BOUNDS and not _BOUNDS[name](float(finding["severity"]), float(bound)):
                    return False
        elif field == "service.archived":
            wanted = condition.get("eq") or condition.get("equals") or []
            if wanted and str(finding["service"]["archived"]).lower() not in [str(w).lower() for w in wanted]:
                return False
    return True


Handler = Callable[[Any, dict[str, dict[str, Any]]], tuple[int, dict[str, Any], str]]


def _on_detector(handler: Handler) -> Callable[[Any], tuple[int, dict[str, Any], str]]:
    """Run ``handler`` with the findings of the detector the path names, or refuse as AWS does when there is none."""

    @functools.wraps(handler)
    def run(response: Any) -> tuple[int, dict[str, Any], str]:
        findings = _findings(response)
        if findings is None:
            return _bad_request(
                "The request is rejected because the input detectorId is not owned by the current account."
            )
        return handler(response, findings)

    return run


class GuardDutyResponses:
    """Methods set on moto's ``GuardDutyResponse``."""

    @_on_detector
    def create_sample_findings(self: Any, findings: dict[str, dict[str, Any]]) -> tuple[int, dict[str, Any], str]:
        types = json.loads(self.body or "{}").get("findingTypes") or list(SAMPLE_SEVERITIES)
        unknown = [t for t in types if t not in SAMPLE_SEVERITIES]
        if unknown:
            return _bad_request(f"The request is rejected because an invalid finding type is given: {unknown[0]}")
        now = utcnow().isoformat(timespec="milliseconds") + "Z"
        for finding_type in types:
            finding_id = uuid.uuid4().hex
            findings[finding_id] = {
                "id": finding_id,
                "accountId": self.current_account,
                "region": self.region,
                "arn": f"arn:aws:guardduty:{self.region}:{self.current_account}:finding/{finding_id}",
                "type": finding_type,
                "severity": SAMPLE_SEVERITIES[finding_type],
                "title": f"Sample finding of type {finding_type}",
                "createdAt": now,
                "updatedAt": now,
                "schemaVersion": "2.0",
                "resource": {"resourceType": finding_type.split(":", 1)[1].split("/", 1)[0]},
                "service": {
                    "archived": False,
                    "count": 1,
                    "serviceName": "guardduty",
                    "additionalInfo": {"sample": True},
                },
            }
        return 200, {"status": 200}, "{}"

    @_on_detector
    def list_findings(self: Any, findings: dict[str, dict[str, Any]]) -> tuple[int, dict[str, Any], str]:
        body = json.loads(self.body or "{}")
        criterion = (body.get("findingCriteria") or {}).get("criterion") or {}
        ids = [f["id"] for f in findings.values() if _matches(f, criterion)]
        page = paged(ids, "findingIds", body.get("nextToken"), body.get("maxResults") or 50, token_key="nextToken")
        return 200, {"status": 200}, json.dumps(page)

    @_on_detector
    def get_findings(self: Any, findings: dict[str, dict[str, Any]]) -> tuple[int, dict[str, Any], str]:
        wanted = json.loads(self.body or "{}").get("findingIds") or []
        return 200, {"status": 200}, json.dumps({"findings": [findings[i] for i in wanted if i in findings]})

    @_on_detector
    def archive_findings(self: Any, findings: dict[str, dict[str, Any]]) -> tuple[int, dict[str, Any], str]:
        return _set_archived(self, findings, True)

    @_on_detector
    def unarchive_findings(self: Any, findings: dict[str, dict[str, Any]]) -> tuple[int, dict[str, Any], str]:
        return _set_archived(self, findings, False)


def _set_archived(
    response: Any, findings: dict[str, dict[str, Any]], archived: bool
) -> tuple[int, dict[str, Any], str]:
    for finding_id in json.loads(response.body or "{}").get("findingIds") or []:
        if finding_id in findings:
            findings[finding_id]["service"]["archived"] = archived
    return 200, {"status": 200}, "{}"


def install() -> None:
    for path in _PATHS:
        moto.guardduty.urls.url_paths[path] = GuardDutyResponse.dispatch
    add_methods(GuardDutyResponses, GuardDutyResponse)
