"""Amazon Inspector findings left open too long and findings with a public exploit, against moto's Inspector.

moto answers ListFindings from a queue of results set through its API (it ignores the filter), one result per
distinct request in the order the requests arrive; the collector asks for the critical, then the overdue, then the
exploitable findings, so a test queues what each of those reads answers. Every finding is judged again by the
collector, so a queued finding the filter would have left out is not counted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.registry import OutcomeStatus
from tests.conftest_moto import _post
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    connector,
    fake_response,
    only,
    run,
    scan,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
OVERDUE = "aws.inspector2.no_overdue_findings"
EXPLOITABLE = "aws.inspector2.no_active_exploitable_findings"
CRITICAL = "aws.inspector2.no_active_critical_findings"


def _finding(
    vulnerability: str, severity: str, resource: str, *, days_ago: int, status: str = "ACTIVE", exploit: str = "NO"
) -> dict[str, Any]:
    first_seen = datetime.now(UTC) - timedelta(days=days_ago)
    return {
        "awsAccountId": ACCOUNT,
        "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{vulnerability}-{resource}",
        "severity": severity,
        "status": status,
        "type": "PACKAGE_VULNERABILITY",
        "firstObservedAt": first_seen.timestamp(),
        "exploitAvailable": exploit,
        "packageVulnerabilityDetails": {"vulnerabilityId": vulnerability, "source": "NVD"},
        "resources": [{"id": resource, "type": "AWS_EC2_INSTANCE"}],
    }


def _answer(endpoint: str, critical: list[Any], overdue: list[Any], exploitable: list[Any]) -> None:
    """What the three ListFindings reads answer next in REGION, in the order the collector makes them."""
    body = {"results": [critical, overdue, exploitable], "account_id": ACCOUNT, "region": REGION}
    _post(f"{endpoint}/moto-api/static/inspector2/findings-results", json.dumps(body).encode())


def _enable(endpoint: str, region: str = REGION) -> None:
    aws(endpoint, "inspector2", region).enable(resourceTypes=["EC2", "ECR"], accountIds=[ACCOUNT])


def test_critical_and_high_findings_open_over_a_month_fail_naming_the_oldest(moto_reset: str) -> None:
    # given Inspector enabled in one region, answering the overdue read with a critical finding first seen 90 days
    # ago, a high one 45 days ago, and findings the collector must not count: a high one of last week, a medium one
    # of last year and a closed critical one; and a region where Inspector is off
    _enable(moto_reset)
    log4shell = _finding("CVE-2021-44228", "CRITICAL", "i-0aaa", days_ago=90)
    _answer(
        moto_reset,
        [],
        [
            log4shell,
            _finding("CVE-2023-38545", "HIGH", "i-0bbb", days_ago=45),
            _finding("CVE-2024-6387", "HIGH", "i-0ccc", days_ago=7),
            _finding("CVE-2022-0001", "MEDIUM", "i-0ddd", days_ago=400),
            _finding("CVE-2014-0160", "CRITICAL", "i-0eee", days_ago=300, status="CLOSED"),
        ],
        [],
    )
    # when the overdue check runs over both regions
    outcome = only(scan(moto_reset, OVERDUE, [REGION, OTHER_REGION]))
    # then the enabled region fails on the account, counting the two overdue ones and dating the oldest
    oldest = datetime.fromtimestamp(log4shell["firstObservedAt"], UTC).date().isoformat()
    assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, FAIL)
    assert outcome.reason == (
        f"Amazon Inspector in {REGION} has 2 critical or high finding(s) open over 30 days, the oldest first seen "
        f"{oldest}: CVE-2021-44228, CVE-2023-38545"
    )
    assert outcome.observed["resources"] == ["i-0aaa", "i-0bbb"]
    assert outcome.observed["first_seen"].startswith(oldest)


def test_findings_with_a_public_exploit_fail_whatever_their_severity(moto_reset: str) -> None:
    # given Inspector answering the exploitable read with a medium and a high finding whose exploit is public, a
    # critical one without a known exploit and a closed one with an exploit
    _enable(moto_reset)
    _answer(
        moto_reset,
        [],
        [],
        [
            _finding("CVE-2023-4863", "MEDIUM", "i-0aaa", days_ago=3, exploit="YES"),
            _finding("CVE-2023-44487", "HIGH", "i-0bbb", days_ago=3, exploit="YES"),
            _finding("CVE-2024-0001", "CRITICAL", "i-0ccc", days_ago=3),
            _finding("CVE-2017-0144", "CRITICAL", "i-0ddd", days_ago=900, status="CLOSED", exploit="YES"),
        ],
    )
    # when the exploitable check runs
    outcome = only(scan(moto_reset, EXPLOITABLE))
    # then the region fails, naming only the active findings with an exploit
    assert outcome.status == FAIL
    assert outcome.reason == (
        f"Amazon Inspector in {REGION} has 2 active finding(s) with a public exploit: CVE-2023-44487, CVE-2023-4863"
    )


def test_a_clean_backlog_passes_both_and_each_refused_read_errors_its_own_check(moto_reset: str) -> None:
    # given Inspector enabled with nothing overdue and nothing exploitable
    _enable(moto_reset)
    collected = connector(moto_reset).collect({"inspector2"})
    # then both checks pass, saying so
    assert {
        cid: (only(run(collected, cid)).status, only(run(collected, cid)).reason) for cid in (OVERDUE, EXPLOITABLE)
    } == {
        OVERDUE: (PASS, f"Amazon Inspector in {REGION} has no critical or high finding open over 30 days"),
        EXPLOITABLE: (PASS, f"Amazon Inspector in {REGION} has no active finding with a public exploit"),
    }
    # given Inspector refusing only the read that asks for exploitable findings
    built = connector(moto_reset)

    def refuse_exploitable(request: Any, **_: Any) -> Any:
        criteria = json.loads(request.body or b"{}").get("filterCriteria", {})
        if "exploitAvailable" in criteria:
            return fake_response(403, json.dumps({"message": "denied"}), "application/json")
        return None

    built.session.events.register("before-send.inspector2.ListFindings", refuse_exploitable)
    inventory = built.collect({"inspector2"})
    # when the checks run, then the exploitable check errors the region and the other two are still judged
    refused = only(run(inventory, EXPLOITABLE))
    assert (refused.status, refused.region) == (ERROR, REGION)
    assert refused.reason.startswith(f"Could not read Amazon Inspector findings in {REGION}: ListFindings failed")
    assert only(run(inventory, OVERDUE)).status == PASS
    assert only(run(inventory, CRITICAL)).status == PASS
    # and an inventory collected before these reads gives neither check an outcome
    data = inventory.data["inspector2"]["regions"][REGION]
    del data["overdue_findings"], data["exploitable_findings_error"]
    assert run(inventory, OVERDUE) == [] and run(inventory, EXPLOITABLE) == []
