"""EBS snapshot and volume checks and KMS key policy and deletion checks against moto."""

from __future__ import annotations

import json

import pytest

from integrations.providers.aws.collectors import ebs as ebs_collector
from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, aws, by_region, collect, run, scan, statuses

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR


def _snapshot(endpoint: str, *, encrypted: bool = False, region: str = REGION) -> str:
    ec2 = aws(endpoint, "ec2", region)
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=encrypted)["VolumeId"]
    return str(ec2.create_snapshot(VolumeId=volume)["SnapshotId"])


def test_ebs_snapshots_not_public(moto_reset: str) -> None:
    # given a public snapshot, one shared with a named account, and a private one
    ec2 = aws(moto_reset, "ec2")
    public, shared, private = (_snapshot(moto_reset) for _ in range(3))
    ec2.modify_snapshot_attribute(
        SnapshotId=public, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    ec2.modify_snapshot_attribute(
        SnapshotId=shared, Attribute="createVolumePermission", OperationType="add", UserIds=["210987654321"]
    )
    # when the check runs
    outcomes = scan(moto_reset, "aws.ebs.snapshot_not_public")
    # then only the public snapshot fails; sharing with a named account is allowed
    assert statuses(outcomes) == {public: FAIL, shared: PASS, private: PASS}
    assert {o.resource_id: o.observed["shared_with"] for o in outcomes}[shared] == ["210987654321"]


def test_ebs_snapshots_encrypted_in_every_region(moto_reset: str) -> None:
    # given an encrypted snapshot in one region and an unencrypted one in another
    sealed = _snapshot(moto_reset, encrypted=True)
    plain = _snapshot(moto_reset, region=OTHER_REGION)
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.ebs.snapshot_encrypted", regions=[REGION, OTHER_REGION])
    # then each snapshot is judged in its own region
    assert statuses(outcomes) == {sealed: PASS, plain: FAIL}
    assert {o.resource_id: o.region for o in outcomes} == {sealed: REGION, plain: OTHER_REGION}


def test_snapshots_past_the_bound_are_left_unread_and_said_so(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three encrypted snapshots, and a collector that reads at most two per region
    monkeypatch.setattr(ebs_collector, "MAX_SNAPSHOTS", 2)
    for _ in range(3):
        _snapshot(moto_reset, encrypted=True)
    inventory = collect(moto_reset, ["aws.ebs.snapshot_not_public"])
    # when both snapshot checks run
    for check_id in ("aws.ebs.snapshot_not_public", "aws.ebs.snapshot_encrypted"):
        outcomes = run(inventory, check_id)
        # then two are judged and the region gets an error saying the rest were not read
        assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR]), check_id
        bound = next(o for o in outcomes if o.status == ERROR)
        assert bound.reason == f"{REGION} holds more than 2 owned snapshots; only the first 2 were read and judged"


def test_ebs_volumes_in_use(moto_reset: str) -> None:
    # given a volume attached to an instance and one left unattached
    ec2 = aws(moto_reset, "ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    attached = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ec2.attach_volume(VolumeId=attached, InstanceId=instance, Device="/dev/sdf")
    loose = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    # when the check runs
    outcomes = statuses(scan(moto_reset, "aws.ec2.ebs_volume_in_use"))
    # then the attached volume passes and the loose one fails
    assert outcomes[attached] == PASS
    assert outcomes[loose] == FAIL


def _open_policy(condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_kms_key_policies_not_public(moto_reset: str) -> None:
    # given a key with the default policy, one open to everyone, and one open to "*" within the account only
    kms = aws(moto_reset, "kms")
    default = kms.create_key()["KeyMetadata"]["KeyId"]
    opened = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.put_key_policy(KeyId=opened, PolicyName="default", Policy=_open_policy())
    scoped = kms.create_key()["KeyMetadata"]["KeyId"]
    condition = {"StringEquals": {"kms:CallerAccount": ACCOUNT}}
    kms.put_key_policy(KeyId=scoped, PolicyName="default", Policy=_open_policy(condition))
    # when the check runs
    outcomes = scan(moto_reset, "aws.kms.key_policy_not_public")
    # then only the key open to everyone fails
    assert statuses(outcomes) == {default: PASS, opened: FAIL, scoped: PASS}


def test_kms_keys_not_pending_deletion(moto_reset: str) -> None:
    # given a live key and one scheduled for deletion
    kms = aws(moto_reset, "kms")
    live = kms.create_key()["KeyMetadata"]["KeyId"]
    doomed = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    # when both KMS checks run on one collection
    inventory = collect(moto_reset, ["aws.kms.key_not_pending_deletion", "aws.kms.key_policy_not_public"])
    # then the scheduled key fails, and its policy is still judged
    assert statuses(run(inventory, "aws.kms.key_not_pending_deletion")) == {live: PASS, doomed: FAIL}
    assert statuses(run(inventory, "aws.kms.key_policy_not_public")) == {live: PASS, doomed: PASS}
    assert by_region(run(inventory, "aws.kms.key_not_pending_deletion")) == {REGION: FAIL}
