"""CloudTrail S3 data event checks (CIS AWS 3.8 and 3.9) against moto."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    inventory,
    lambda_function,
    only,
    run,
    scan,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
WRITE, READ = "aws.cloudtrail.s3_write_data_events", "aws.cloudtrail.s3_read_data_events"
MANAGEMENT = {"ReadWriteType": "All", "IncludeManagementEvents": True}
# Another account's organization trail whose status and selectors were hidden (moto has no organization trail
# shadowing, so inventories holding it are built by hand).
HIDDEN_ORGANIZATION_TRAIL = {
    "name": "org",
    "arn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/org",
    "home_region": REGION,
    "is_multi_region": True,
    "is_logging": False,
    "status_error": "GetTrailStatus failed with AccessDeniedException",
    "event_selectors": [],
    "advanced_event_selectors": [],
}


def _basic(read_write: str, *values: str) -> dict[str, Any]:
    return {
        "ReadWriteType": read_write,
        "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": list(values)}],
    }


def _advanced(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": "s3-objects",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            *extra,
        ],
    }


def _trail(
    endpoint: str,
    *,
    basic: list[dict[str, Any]] | None = None,
    advanced: list[dict[str, Any]] | None = None,
    logging: bool = True,
    multi_region: bool = True,
) -> None:
    aws(endpoint, "s3").create_bucket(Bucket="audit-logs")
    cloudtrail = aws(endpoint, "cloudtrail")
    cloudtrail.create_trail(Name="main", S3BucketName="audit-logs", IsMultiRegionTrail=multi_region)
    if advanced is not None:
        cloudtrail.put_event_selectors(TrailName="main", AdvancedEventSelectors=advanced)
    else:
        cloudtrail.put_event_selectors(TrailName="main", EventSelectors=basic or [MANAGEMENT])
    if logging:
        cloudtrail.start_logging(Name="main")


def _statuses(endpoint: str) -> tuple[OutcomeStatus, OutcomeStatus]:
    write, read = only(scan(endpoint, WRITE)), only(scan(endpoint, READ))
    assert (write.resource_id, write.region, read.resource_id, read.region) == (ACCOUNT, REGION, ACCOUNT, REGION)
    return write.status, read.status


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        ([_basic("WriteOnly", "arn:aws:s3")], (PASS, FAIL)),
        ([_basic("ReadOnly", "arn:aws:s3")], (FAIL, PASS)),
        ([_basic("All", "arn:aws:s3:::")], (PASS, PASS)),
        ([MANAGEMENT, _basic("WriteOnly", "arn:aws:s3"), _basic("ReadOnly", "arn:aws:s3")], (PASS, PASS)),
        ([_basic("All", "arn:aws:s3:::audit-logs/")], (FAIL, FAIL)),
        ([MANAGEMENT], (FAIL, FAIL)),
    ],
    ids=["write-only", "read-only", "all", "two-selectors", "one-bucket", "management-only"],
)
def test_basic_event_selectors(moto_reset: str, selectors: list[dict[str, Any]], expected: tuple) -> None:
    # given a logging multi-region trail with these basic event selectors
    _trail(moto_reset, basic=selectors)
    # when both checks run
    # then each passes only when its kind of event is recorded for every bucket
    assert _statuses(moto_reset) == expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ((), (PASS, PASS)),
        (({"Field": "readOnly", "Equals": ["false"]},), (PASS, FAIL)),
        (({"Field": "readOnly", "Equals": ["true"]},), (FAIL, PASS)),
        (({"Field": "readOnly", "NotEquals": ["true"]},), (PASS, FAIL)),
        (({"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::audit-logs/"]},), (FAIL, FAIL)),
        (({"Field": "eventName", "Equals": ["PutObject"]},), (FAIL, FAIL)),
    ],
    ids=["all", "writes", "reads", "not-reads", "one-bucket", "one-event"],
)
def test_advanced_event_selectors(moto_reset: str, extra: tuple, expected: tuple) -> None:
    # given a logging multi-region trail with an advanced selector for S3 object data events
    _trail(moto_reset, advanced=[_advanced(*extra)])
    # when both checks run
    # then readOnly narrows it to one kind, and any ARN or event filter means not every bucket or event
    assert _statuses(moto_reset) == expected


def test_stopped_trail_does_not_count(moto_reset: str) -> None:
    # given a trail with the right selectors that is not logging
    _trail(moto_reset, basic=[_basic("All", "arn:aws:s3")], logging=False)
    # when both checks run
    # then both fail
    assert _statuses(moto_reset) == (FAIL, FAIL)


def test_no_trail_fails_each_scanned_region(moto_reset: str) -> None:
    # given an account without any trail, scanned in two regions
    # when the write check runs
    outcomes = scan(moto_reset, WRITE, [REGION, OTHER_REGION])
    # then each region fails
    assert by_region(outcomes) == {REGION: FAIL, OTHER_REGION: FAIL}
    reasons = {o.region: o.reason for o in outcomes}
    assert reasons[REGION] == f"No logging trail records S3 object-level write events for all buckets in {REGION}"


def test_single_region_trail_covers_its_home_region_only(moto_reset: str) -> None:
    # given a single-region trail in the first region recording every S3 data event
    _trail(moto_reset, basic=[_basic("All", "arn:aws:s3")], multi_region=False)
    # when the read check runs over two regions
    outcomes = scan(moto_reset, READ, [REGION, OTHER_REGION])
    # then only its home region passes
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}


def test_multi_region_trail_covers_every_scanned_region(moto_reset: str) -> None:
    # given a multi-region trail homed in the first region
    _trail(moto_reset, basic=[_basic("All", "arn:aws:s3")])
    # when the write check runs over two regions
    outcomes = scan(moto_reset, WRITE, [REGION, OTHER_REGION])
    # then both regions pass, naming the trail
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: PASS}
    assert {o.observed["trail"] for o in outcomes} == {f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"}


def test_unreadable_organization_trail_is_an_error_not_a_fail() -> None:
    # given only another account's organization trail whose selectors could not be read (moto has no organizations
    # trail shadowing, so the inventory is built by hand)
    inv = inventory(cloudtrail={"regions": {REGION: {"trails": [HIDDEN_ORGANIZATION_TRAIL]}}})
    # when the read check runs
    outcome = only(run(inv, READ))
    # then it cannot judge, and says which trail it could not read
    assert outcome.status == ERROR
    assert "the settings of org could not be read" in outcome.reason


# --- Lambda invocations ---------------------------------------------------------------------------------------------

LAMBDA = "aws.cloudtrail.lambda_data_events"
_LAMBDA_TYPE = {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}
_ONE_FUNCTION = {"Field": "resources.ARN", "Equals": [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"]}


def _functions(selectors: dict[str, Any]) -> dict[str, Any]:
    return {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::Lambda::Function", **selectors}],
    }


@pytest.mark.parametrize(
    ("basic", "advanced", "expected"),
    [
        ([_functions({"Values": ["arn:aws:lambda"]})], None, PASS),
        ([{**_functions({"Values": ["arn:aws:lambda"]}), "ReadWriteType": "WriteOnly"}], None, PASS),
        ([{**_functions({"Values": ["arn:aws:lambda"]}), "ReadWriteType": "ReadOnly"}], None, FAIL),
        ([_functions({"Values": [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"]})], None, FAIL),
        ([_basic("All", "arn:aws:s3")], None, FAIL),
        (None, [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, _LAMBDA_TYPE]}], PASS),
        (
            None,
            [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, _LAMBDA_TYPE, _ONE_FUNCTION]}],
            FAIL,
        ),
    ],
    ids=["basic-all", "basic-writes", "basic-reads", "one-function", "s3-only", "advanced-all", "advanced-one"],
)
def test_lambda_invocations_are_recorded_only_for_every_function(
    moto_reset: str, basic: list[dict[str, Any]] | None, advanced: list[dict[str, Any]] | None, expected: OutcomeStatus
) -> None:
    # given two functions and a logging multi-region trail with these selectors
    lambda_function(moto_reset, "orders")
    lambda_function(moto_reset, "billing")
    _trail(moto_reset, basic=basic, advanced=advanced)
    # when the Lambda data event check runs
    outcome = only(scan(moto_reset, LAMBDA))
    # then it passes only when every function's invocations are recorded (a read-only selector records no Invoke)
    assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, expected)
    assert outcome.observed["functions"] == 2
    said = {
        PASS: f"Trail main records Lambda invocations of all functions in {REGION} (2 functions)",
        FAIL: f"No logging trail records Lambda invocations of all functions in {REGION} (2 functions)",
    }
    assert outcome.reason == said[expected]


def test_regions_without_functions_are_not_judged_on_lambda_invocations(moto_reset: str) -> None:
    # given a function in the second region only, and no trail
    lambda_function(moto_reset, "reports", region=OTHER_REGION)
    # when the check runs over both regions
    outcomes = scan(moto_reset, LAMBDA, [REGION, OTHER_REGION])
    # then only the region with a function is judged, and it fails
    assert by_region(outcomes) == {OTHER_REGION: FAIL}
    assert only(outcomes).reason.endswith(f"in {OTHER_REGION} (1 function)")


def test_an_unreadable_trail_is_an_error_for_lambda_invocations_not_a_fail() -> None:
    # given a region with a function and only another account's organization trail, whose selectors were hidden
    inv = inventory(
        cloudtrail={"regions": {REGION: {"trails": [HIDDEN_ORGANIZATION_TRAIL]}}},
        **{"lambda": {"regions": {REGION: {"collected_at": "2026-12-06T00:00:00Z", "functions": [{"name": "f"}]}}}},
    )
    # when the check runs
    outcome = only(run(inv, LAMBDA))
    # then it cannot judge, and says which trail it could not read
    assert outcome.status == ERROR
    assert outcome.reason == (
        f"No readable trail records Lambda invocations in {REGION} (1 function); the settings of org could not be read"
    )
