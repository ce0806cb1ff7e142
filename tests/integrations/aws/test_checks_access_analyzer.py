"""IAM Access Analyzer findings check.

moto does not implement Access Analyzer, so its two calls are answered in moto's place by botocore
before-send hooks (as the other Access Analyzer tests do); everything else runs for real.
"""

from __future__ import annotations

import json
from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, REGION, connector, json_reply, run

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CHECK = "aws.accessanalyzer.findings_resolved"


def _arn(name: str) -> str:
    return f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/{name}"


ANALYZERS = [
    {"name": "clean", "type": "ACCOUNT", "status": "ACTIVE"},
    {"name": "leaky", "type": "ORGANIZATION", "status": "ACTIVE"},
    {"name": "denied", "type": "ACCOUNT", "status": "ACTIVE"},
    {"name": "unused", "type": "ACCOUNT_UNUSED_ACCESS", "status": "ACTIVE"},
    {"name": "creating", "type": "ACCOUNT", "status": "CREATING"},
]
FINDINGS = {
    _arn("leaky"): [
        {"id": "f-1", "resourceType": "AWS::S3::Bucket", "resource": "arn:aws:s3:::shared-data", "status": "ACTIVE"},
        {
            "id": "f-2",
            "resourceType": "AWS::IAM::Role",
            "resource": f"arn:aws:iam::{ACCOUNT}:role/x",
            "status": "ACTIVE",
        },
    ]
}


def _analyzers(**_: Any) -> Any:
    return json_reply(
        {"analyzers": [{**a, "arn": _arn(a["name"]), "createdAt": "2026-01-01T00:00:00Z"} for a in ANALYZERS]}
    )


def _findings(requests: list[dict[str, Any]]) -> Any:
    def reply(request: Any = None, **_: Any) -> Any:
        body = json.loads(request.body)
        requests.append(body)
        if body["analyzerArn"] == _arn("denied"):
            return json_reply({"__type": "AccessDeniedException", "message": "no"}, status=403)
        return json_reply({"findings": FINDINGS.get(body["analyzerArn"], [])})

    return reply


def test_findings_per_active_external_access_analyzer(moto_reset: str) -> None:
    # given analyzers without findings, with two active findings, whose findings are denied, for unused access,
    # and still being created
    built = connector(moto_reset)
    requests: list[dict[str, Any]] = []
    built.session.events.register("before-send.accessanalyzer.ListAnalyzers", _analyzers)
    built.session.events.register("before-send.accessanalyzer.ListFindings", _findings(requests))
    # when Access Analyzer is collected and the check runs
    inv = built.collect({"accessanalyzer"})
    outcomes = run(inv, CHECK)
    # then each active external-access analyzer is judged; the denied one is an error, not a failed service
    assert inv.errors == {}
    assert {o.resource_id: o.status for o in outcomes} == {
        _arn("clean"): PASS,
        _arn("leaky"): FAIL,
        _arn("denied"): ERROR,
    }
    leaky = next(o for o in outcomes if o.resource_id == _arn("leaky"))
    assert leaky.reason == f"Analyzer leaky has 2 active finding(s) in {REGION}"
    assert [f["resource"] for f in leaky.observed["findings"]] == [
        "arn:aws:s3:::shared-data",
        FINDINGS[_arn("leaky")][1]["resource"],
    ]
    denied = next(o for o in outcomes if o.resource_id == _arn("denied"))
    assert "ListFindings failed with AccessDeniedException (HTTP 403)" in denied.reason
    # and only active findings were asked for
    assert {r["analyzerArn"] for r in requests} == {_arn("clean"), _arn("leaky"), _arn("denied")}
    assert all(r["filter"] == {"status": {"eq": ["ACTIVE"]}} for r in requests)
    # and the region still counts as having an active analyzer
    assert [o.status for o in run(inv, "aws.accessanalyzer.enabled")] == [PASS]
