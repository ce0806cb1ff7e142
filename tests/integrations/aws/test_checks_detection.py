"""Security Hub and GuardDuty checks against moto."""

from __future__ import annotations

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, aws, by_region, scan

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL


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
