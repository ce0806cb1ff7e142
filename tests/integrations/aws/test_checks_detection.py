"""Security Hub, GuardDuty and Macie checks against moto."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.providers.aws.collectors import detection as detection_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    connector,
    json_reply,
    only,
    run,
    scan,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR


def test_security_hub_enabled_in_every_region(moto_reset: str) -> None:
    # given Security Hub enabled in one of two regions
    aws(moto_reset, "securityhub", REGION).enable_security_hub()
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.securityhub.enabled", [REGION, OTHER_REGION])
    # then the region without it fails, on the account
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.resource_id for o in outcomes} == {ACCOUNT}


def test_guardduty_enabled_in_every_region(moto_reset: str) -> None:
    # given an enabled detector in one region and a suspended one in the other
    aws(moto_reset, "guardduty", REGION).create_detector(Enable=True)
    aws(moto_reset, "guardduty", OTHER_REGION).create_detector(Enable=False)
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.guardduty.enabled", [REGION, OTHER_REGION])
    # then the suspended region fails
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    reasons = {o.region: o.reason for o in outcomes}
    assert reasons[OTHER_REGION] == f"GuardDuty detector(s) in {OTHER_REGION} are suspended"


def test_guardduty_missing_detector_fails(moto_reset: str) -> None:
    # given no detector at all
    # when the check runs
    outcomes = scan(moto_reset, "aws.guardduty.enabled")
    # then the region fails
    assert by_region(outcomes) == {REGION: FAIL}


FINDINGS = "aws.guardduty.no_high_severity_findings"
BACKDOOR, CRYPTO, RECON = (
    "Backdoor:EC2/C&CActivity.B!DNS",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "Recon:EC2/PortProbeUnprotectedPort",
)


def _detector(endpoint: str, region: str = REGION, *finding_types: str, enable: bool = True) -> str:
    guardduty = aws(endpoint, "guardduty", region)
    detector = str(guardduty.create_detector(Enable=enable)["DetectorId"])
    if finding_types:
        guardduty.create_sample_findings(DetectorId=detector, FindingTypes=list(finding_types))
    return detector


def test_active_high_severity_findings_fail_and_low_or_archived_ones_do_not(moto_reset: str) -> None:
    # given a detector holding a backdoor and a crypto-mining finding (high) beside a port probe (low); and in the
    # other region one whose only high finding was archived after triage, beside a low one
    busy = _detector(moto_reset, REGION, BACKDOOR, CRYPTO, RECON)
    triaged = _detector(moto_reset, OTHER_REGION, BACKDOOR, RECON)
    other = aws(moto_reset, "guardduty", OTHER_REGION)
    high = other.list_findings(
        DetectorId=triaged, FindingCriteria={"Criterion": {"severity": {"GreaterThanOrEqual": 7}}}
    )["FindingIds"]
    other.archive_findings(DetectorId=triaged, FindingIds=high)
    # when the check runs over both regions
    outcomes = {o.resource_id: o for o in scan(moto_reset, FINDINGS, [REGION, OTHER_REGION])}
    # then the detector with active high findings fails, naming their types, and the triaged one passes
    assert {d: (o.status, o.region) for d, o in outcomes.items()} == {
        busy: (FAIL, REGION),
        triaged: (PASS, OTHER_REGION),
    }
    assert outcomes[busy].reason == (
        f"GuardDuty in {REGION} has 2 active high or critical finding(s): {BACKDOOR}, {CRYPTO}"
    )
    assert outcomes[busy].observed["highest_severity"] == 8.0
    assert outcomes[triaged].reason == f"GuardDuty in {OTHER_REGION} has no active high or critical finding"


def test_more_findings_than_a_page_are_counted_as_such(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three high findings, and a collector reading two ids a page
    monkeypatch.setattr(detection_collector, "_FINDINGS_PAGE", 2)
    detector = _detector(moto_reset, REGION, BACKDOOR, CRYPTO, BACKDOOR)
    # when the check runs, then it fails saying there are more
    outcome = only(scan(moto_reset, FINDINGS))
    assert (outcome.resource_id, outcome.status) == (detector, FAIL)
    assert "has 2 or more active high or critical finding(s)" in outcome.reason


def test_suspended_detectors_are_not_judged_and_a_refused_read_is_an_error(moto_reset: str) -> None:
    # given a suspended detector in the other region, and an enabled one whose findings GuardDuty refuses to list
    _detector(moto_reset, OTHER_REGION, enable=False)
    enabled = _detector(moto_reset, REGION, BACKDOOR)
    built = connector(moto_reset, [REGION, OTHER_REGION])
    built.session.events.register(
        "before-send.guardduty.ListFindings",
        lambda **_: json_reply({"__type": "AccessDeniedException", "message": "denied"}, 403),
    )
    # when GuardDuty is collected and the check runs
    outcomes = run(built.collect({"guardduty"}), FINDINGS)
    # then the enabled detector is an error naming the refusal, and the suspended one gets no outcome
    outcome = only(outcomes)
    assert (outcome.resource_id, outcome.status, outcome.region) == (enabled, ERROR, REGION)
    assert outcome.reason.startswith(f"Could not read GuardDuty findings of detector {enabled}: ListFindings failed")


# --- Macie (CIS AWS 7.0.0 3.1.3): moto serves GetMacieSession, with Macie on in every region until disabled -------

MACIE = "aws.macie.enabled"


def test_macie_enabled_in_every_region(moto_reset: str) -> None:
    # given Macie left on in one region and disabled in the other
    aws(moto_reset, "macie2", OTHER_REGION).disable_macie()
    # when the check runs over both regions
    outcomes = scan(moto_reset, MACIE, [REGION, OTHER_REGION])
    # then the region without it fails, on the account
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.resource_id for o in outcomes} == {ACCOUNT}
    assert {o.region: o.reason for o in outcomes}[OTHER_REGION] == f"Amazon Macie is not enabled in {OTHER_REGION}"


def test_paused_macie_fails(moto_reset: str) -> None:
    # given Macie paused (it keeps its settings but analyses nothing)
    aws(moto_reset, "macie2").enable_macie(status="PAUSED")
    # when the check runs
    outcome = only(scan(moto_reset, MACIE))
    # then the region fails, naming the status
    assert (outcome.status, outcome.observed["status"]) == (FAIL, "PAUSED")
    assert outcome.reason == f"Amazon Macie is paused in {REGION}, not enabled"


def _macie_denied(message: str, region: str) -> Any:
    """A GetMacieSession hook answering AccessDeniedException with ``message`` in ``region`` only."""

    def hook(request: Any = None, **_: Any) -> Any:
        in_region = f"/{region}/macie2/" in request.headers["Authorization"].decode()
        return json_reply({"__type": "AccessDeniedException", "message": message}, 403) if in_region else None

    return hook


def test_access_denied_saying_macie_is_off_fails(moto_reset: str) -> None:
    # given an account where AWS answers GetMacieSession as it does without Macie: AccessDeniedException
    built = connector(moto_reset)
    built.session.events.register("before-send.macie2.GetMacieSession", _macie_denied("Macie is not enabled.", REGION))
    # when the check runs
    outcome = only(run(built.collect({"macie"}), MACIE))
    # then that is "not enabled", a fail rather than an error
    assert (outcome.status, outcome.reason) == (FAIL, f"Amazon Macie is not enabled in {REGION}")


def test_a_missing_permission_errors_that_region_only(moto_reset: str) -> None:
    # given a role without macie2:GetMacieSession, refused in the second region
    built = connector(moto_reset, [REGION, OTHER_REGION])
    refusal = "User is not authorized to perform: macie2:GetMacieSession"
    built.session.events.register("before-send.macie2.GetMacieSession", _macie_denied(refusal, OTHER_REGION))
    # when the check runs over both regions
    outcomes = run(built.collect({"macie"}), MACIE)
    # then the refused region is an error naming the action to add, and the other is still judged
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: ERROR}
    failed = next(o for o in outcomes if o.region == OTHER_REGION)
    assert "macie2:GetMacieSession, which SecurityAudit does not grant" in failed.reason
