"""CloudTrail and AWS Config checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    by_region,
    collect,
    inventory,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
TRAIL_CHECKS = [
    "aws.cloudtrail.log_file_validation",
    "aws.cloudtrail.kms_encryption",
    "aws.cloudtrail.cloudwatch_integration",
    "aws.cloudtrail.bucket_access_logging",
    "aws.cloudtrail.bucket_not_public",
]


def _arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}"


def _trail(
    endpoint: str, name: str, bucket: str, *, logging: bool = True, selectors: bool = True, **settings: Any
) -> str:
    cloudtrail = aws(endpoint, "cloudtrail")
    cloudtrail.create_trail(Name=name, S3BucketName=bucket, **settings)
    if selectors:
        cloudtrail.put_event_selectors(
            TrailName=name, EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}]
        )
    if logging:
        cloudtrail.start_logging(Name=name)
    return _arn(name)


def _hardened_and_weak(endpoint: str) -> tuple[str, str]:
    s3 = aws(endpoint, "s3")
    s3.create_bucket(Bucket="access-logs")
    s3.put_bucket_acl(Bucket="access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="audit-logs")
    s3.put_bucket_logging(
        Bucket="audit-logs",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": "audit/"}},
    )
    s3.create_bucket(Bucket="leaky-logs")
    s3.put_bucket_acl(Bucket="leaky-logs", ACL="public-read")
    key = aws(endpoint, "kms").create_key()["KeyMetadata"]["Arn"]
    hardened = _trail(
        endpoint,
        "hardened",
        "audit-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:cloudtrail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/cloudtrail-to-logs",
    )
    weak = _trail(endpoint, "weak", "leaky-logs")
    return hardened, weak


def test_trail_checks_on_a_hardened_and_a_weak_trail(moto_reset: str) -> None:
    # given a hardened trail and a weak one writing to a public bucket without access logging
    hardened, weak = _hardened_and_weak(moto_reset)
    # when the per-trail checks run on one collection
    inv = collect(moto_reset, TRAIL_CHECKS)
    # then the hardened trail passes everything and the weak one fails everything
    assert {cid: statuses(run(inv, cid)) for cid in TRAIL_CHECKS} == {
        cid: {hardened: PASS, weak: FAIL} for cid in TRAIL_CHECKS
    }
    public = {o.resource_id: o for o in run(inv, "aws.cloudtrail.bucket_not_public")}[weak]
    assert public.reason == "Trail bucket leaky-logs is public: its ACL grants READ to everyone"


def test_multi_region_trail_that_is_logging_passes(moto_reset: str) -> None:
    # given a multi-region trail that is logging all management events
    aws(moto_reset, "s3").create_bucket(Bucket="audit-logs")
    arn = _trail(moto_reset, "org-trail", "audit-logs", IsMultiRegionTrail=True)
    # when the account-level check runs over two regions
    outcome = only(scan(moto_reset, "aws.cloudtrail.multi_region_enabled", [REGION, OTHER_REGION]))
    # then it passes on the account, naming the trail (collected once, in its home region)
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, PASS)
    assert outcome.observed == {"trail": arn}


def test_multi_region_check_fails_for_regional_stopped_or_partial_trails(moto_reset: str) -> None:
    # given a regional trail, a stopped multi-region trail, and one recording write events only
    aws(moto_reset, "s3").create_bucket(Bucket="audit-logs")
    _trail(moto_reset, "regional", "audit-logs")
    _trail(moto_reset, "stopped", "audit-logs", IsMultiRegionTrail=True, logging=False)
    _trail(moto_reset, "writes-only", "audit-logs", IsMultiRegionTrail=True, selectors=False)
    aws(moto_reset, "cloudtrail").put_event_selectors(
        TrailName="writes-only", EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]
    )
    # when the check runs
    outcome = only(scan(moto_reset, "aws.cloudtrail.multi_region_enabled"))
    # then it fails, explaining each trail's gap
    assert (outcome.resource_id, outcome.status) == (ACCOUNT, FAIL)
    assert "regional is not multi-region" in outcome.reason
    assert "stopped is not logging" in outcome.reason
    assert "writes-only is not recording all management events" in outcome.reason


def test_no_trail_fails_the_multi_region_check(moto_reset: str) -> None:
    # given an account without trails
    # when the check runs
    # then it fails on the account
    assert statuses(scan(moto_reset, "aws.cloudtrail.multi_region_enabled")) == {ACCOUNT: FAIL}


def test_advanced_event_selectors_count_as_management_events() -> None:
    # given a logging multi-region trail using advanced selectors (moto does not store them)
    trail = {
        "name": "adv",
        "arn": _arn("adv"),
        "is_multi_region": True,
        "is_logging": True,
        "event_selectors": [],
        "advanced_event_selectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}],
    }
    inv = inventory(cloudtrail={"regions": {REGION: {"trails": [trail]}}})
    # when the check runs
    # then it passes
    assert statuses(run(inv, "aws.cloudtrail.multi_region_enabled")) == {ACCOUNT: PASS}


def test_unreadable_trail_bucket_is_an_error_for_that_trail() -> None:
    # given a trail whose bucket lives in an account the scanner cannot read
    trail = {
        "name": "central",
        "arn": _arn("central"),
        "home_region": REGION,
        "bucket": {"name": "org-archive", "error": "GetBucketAcl failed with AccessDenied"},
    }
    inv = inventory(cloudtrail={"regions": {REGION: {"trails": [trail]}}})
    # when the bucket checks run
    # then each reports an error on the trail instead of a guess
    for cid in ("aws.cloudtrail.bucket_access_logging", "aws.cloudtrail.bucket_not_public"):
        outcome = only(run(inv, cid))
        assert (outcome.resource_id, outcome.status) == (_arn("central"), ERROR)
        assert "org-archive" in outcome.reason


def test_stale_cloudwatch_delivery_fails() -> None:
    # given a trail that has a log group but last delivered three days before the scan
    trail = {
        "name": "quiet",
        "arn": _arn("quiet"),
        "home_region": REGION,
        "cloudwatch_log_group_arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:ct:*",
        "latest_cloudwatch_delivery": "2026-05-29T00:00:00+00:00",
    }
    inv = inventory(cloudtrail={"regions": {REGION: {"collected_at": "2026-06-01T00:00:00+00:00", "trails": [trail]}}})
    # when the check runs
    # then it fails
    assert statuses(run(inv, "aws.cloudtrail.cloudwatch_integration")) == {_arn("quiet"): FAIL}


def _recorder(endpoint: str, region: str, *, start: bool, all_supported: bool = True) -> None:
    config = aws(endpoint, "config", region)
    group: dict[str, Any] = {"allSupported": all_supported, "includeGlobalResourceTypes": all_supported}
    if not all_supported:
        group["resourceTypes"] = ["AWS::EC2::Instance"]
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": group,
        }
    )
    if start:
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-history"})
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def test_config_recorder_in_every_region(moto_reset: str) -> None:
    # given a recording, all-resources recorder in one region and a stopped one in the other
    aws(moto_reset, "s3").create_bucket(Bucket="config-history")
    _recorder(moto_reset, REGION, start=True)
    _recorder(moto_reset, OTHER_REGION, start=False)
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.config.recorder_enabled", [REGION, OTHER_REGION])
    # then the stopped region fails, on the account
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.resource_id for o in outcomes} == {ACCOUNT}
    assert {o.region: o.reason for o in outcomes}[OTHER_REGION] == (
        f"No working Config recorder in {OTHER_REGION}: default is stopped"
    )


def test_config_recorder_for_some_types_only_fails(moto_reset: str) -> None:
    # given a recording recorder limited to one resource type
    aws(moto_reset, "s3").create_bucket(Bucket="config-history")
    _recorder(moto_reset, REGION, start=True, all_supported=False)
    # when the check runs
    outcome = only(scan(moto_reset, "aws.config.recorder_enabled"))
    # then it fails
    assert outcome.status == FAIL
    assert "records only some resource types" in outcome.reason


def test_organization_trail_with_unreadable_status_is_explained() -> None:
    # given only a management account's organization trail whose status this member account cannot read
    trail = {
        "name": "org",
        "arn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/org",
        "is_multi_region": True,
        "is_logging": False,
        "status_error": "GetTrailStatus failed with AccessDeniedException",
    }
    inv = inventory(cloudtrail={"regions": {REGION: {"trails": [trail]}}})
    # when the multi-region check runs
    outcome = only(run(inv, "aws.cloudtrail.multi_region_enabled"))
    # then it fails, saying why the trail could not be counted
    assert outcome.status == FAIL
    assert "org's status could not be read (GetTrailStatus failed with AccessDeniedException)" in outcome.reason


SERVICE_LINKED = "aws.config.recorder_uses_service_linked_role"
CONFIG_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def test_config_recorders_pass_under_configs_service_linked_role(moto_reset: str) -> None:
    # given a recorder under Config's service-linked role in one region and one under a custom role in the other
    for region, role in ((REGION, CONFIG_ROLE), (OTHER_REGION, f"arn:aws:iam::{ACCOUNT}:role/config")):
        aws(moto_reset, "config", region).put_configuration_recorder(
            ConfigurationRecorder={"name": "default", "roleARN": role, "recordingGroup": {"allSupported": True}}
        )
    # when the role check runs over both regions
    outcomes = scan(moto_reset, SERVICE_LINKED, [REGION, OTHER_REGION])
    # then the custom role fails, naming it; each recorder is its own resource
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.region: o.resource_id for o in outcomes}[REGION] == (
        f"arn:aws:config:{REGION}:{ACCOUNT}:configuration-recorder/default"
    )
    assert {o.region: o.reason for o in outcomes}[OTHER_REGION] == (
        f"Config recorder default in {OTHER_REGION} uses role arn:aws:iam::{ACCOUNT}:role/config, not Config's "
        "service-linked role"
    )
