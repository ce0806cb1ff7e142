"""GuardDuty protection plan checks against moto: each plan judged where there is something for it to watch."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    db_instance,
    inventory,
    lambda_function,
    run,
    scan,
    statuses,
)

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
THIRD = "eu-central-1"
AMI = "ami-12c6146b"


def _bucket(endpoint: str) -> None:
    aws(endpoint, "s3").create_bucket(Bucket="invoices")


def _database(endpoint: str) -> None:
    db_instance(endpoint, "orders")


def _function(endpoint: str) -> None:
    lambda_function(endpoint, "resize")


def _instance(endpoint: str) -> None:
    aws(endpoint, "ec2").run_instances(ImageId=AMI, MinCount=1, MaxCount=1)


def _cluster(endpoint: str) -> None:
    aws(endpoint, "eks").create_cluster(
        name="apps", roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks", resourcesVpcConfig={"subnetIds": ["subnet-1"]}
    )


# check, feature, the plan's name, what it watches, a seed of one such thing in REGION
PLANS: list[tuple[str, str, str, Callable[[str], None]]] = [
    (
        "aws.guardduty.s3_protection_enabled",
        "S3_DATA_EVENTS",
        "S3 Protection off while the region holds 1 S3 buckets",
        _bucket,
    ),
    (
        "aws.guardduty.rds_protection_enabled",
        "RDS_LOGIN_EVENTS",
        "RDS Protection off while the region holds 1 RDS databases",
        _database,
    ),
    (
        "aws.guardduty.lambda_protection_enabled",
        "LAMBDA_NETWORK_LOGS",
        "Lambda Protection off while the region holds 1 Lambda functions",
        _function,
    ),
    (
        "aws.guardduty.ec2_malware_protection_enabled",
        "EBS_MALWARE_PROTECTION",
        "Malware Protection for EC2 off while the region holds 1 EC2 instances",
        _instance,
    ),
    (
        "aws.guardduty.eks_runtime_monitoring_enabled",
        "RUNTIME_MONITORING",
        "Runtime Monitoring off while the region holds 1 EKS clusters",
        _cluster,
    ),
]


def _detector(endpoint: str, region: str, **features: str) -> str:
    listed = [{"Name": name, "Status": status} for name, status in features.items()]
    return str(aws(endpoint, "guardduty", region).create_detector(Enable=True, Features=listed)["DetectorId"])


@pytest.mark.parametrize(("check_id", "feature", "said", "seed"), PLANS, ids=[p[1] for p in PLANS])
def test_a_plan_is_judged_where_it_has_something_to_watch(
    moto_reset: str, check_id: str, feature: str, said: str, seed: Callable[[str], None]
) -> None:
    # given one thing the plan watches in the first region, whose detector has the plan off; a detector with the
    # plan on in a region holding nothing of the kind; and one with the plan off in a region holding nothing either
    seed(moto_reset)
    off = _detector(moto_reset, REGION, **{feature: "DISABLED"})
    on = _detector(moto_reset, OTHER_REGION, **{feature: "ENABLED"})
    _detector(moto_reset, THIRD)
    # when the check runs over the three regions
    outcomes = scan(moto_reset, check_id, [REGION, OTHER_REGION, THIRD])
    # then the detector leaving the region's resources unwatched fails, the one with the plan on passes, and the
    # region with nothing to watch and the plan off is not judged
    assert statuses(outcomes) == {off: FAIL, on: PASS}
    failed = next(o for o in outcomes if o.resource_id == off)
    assert failed.reason == f"GuardDuty detector {off} in {REGION} has {said}"
    assert failed.observed == {"features": {feature: "DISABLED"}, "watched": 1}


def test_runtime_monitoring_set_up_before_its_rename_counts(moto_reset: str) -> None:
    # given a region with an EKS cluster whose detector reports only the older EKS_RUNTIME_MONITORING feature, on
    _cluster(moto_reset)
    detector = _detector(moto_reset, REGION, EKS_RUNTIME_MONITORING="ENABLED")
    # when the check runs, then it passes
    outcomes = scan(moto_reset, "aws.guardduty.eks_runtime_monitoring_enabled")
    assert statuses(outcomes) == {detector: PASS}
    assert outcomes[0].reason == f"GuardDuty detector {detector} in {REGION} has Runtime Monitoring on"


def test_terminated_instances_and_disabled_detectors_are_not_judged(moto_reset: str) -> None:
    # given a region whose only instance is terminated and whose detector has malware protection off, and a suspended
    # detector in a region with a running instance
    ec2 = aws(moto_reset, "ec2")
    gone = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[gone])
    _detector(moto_reset, REGION, EBS_MALWARE_PROTECTION="DISABLED")
    aws(moto_reset, "ec2", OTHER_REGION).run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
    aws(moto_reset, "guardduty", OTHER_REGION).create_detector(Enable=False)
    # when the check runs, then neither detector is judged (the suspended one is aws.guardduty.enabled's)
    check_id = "aws.guardduty.ec2_malware_protection_enabled"
    assert run(collect(moto_reset, [check_id], [REGION, OTHER_REGION]), check_id) == []


def test_detectors_collected_before_plans_were_kept_are_not_judged() -> None:
    # given an inventory from before protection plans were read: a detector without features beside a bucket
    detector = {"id": "d1", "status": "ENABLED", "region": REGION}
    older = inventory(
        guardduty={"regions": {REGION: {"detectors": [detector]}}},
        s3={"account_public_access_block": None, "buckets": [{"name": "b", "region": REGION, "created": None}]},
    )
    # when the S3 plan check runs, then it says nothing rather than guess
    assert run(older, "aws.guardduty.s3_protection_enabled") == []
