"""RDS, EFS and KMS checks against moto."""

from __future__ import annotations

import json

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    aws,
    collect,
    connector,
    db_instance,
    json_reply,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
EFS_ACCESS_POINT_CHECKS = ["aws.efs.access_point_root_directory", "aws.efs.access_point_posix_user"]
RDS_CHECKS = ["aws.rds.storage_encrypted", "aws.rds.auto_minor_version_upgrade", "aws.rds.not_publicly_accessible"]


def test_rds_instance_checks(moto_reset: str) -> None:
    # given a hardened instance and one that is unencrypted, public and never auto-upgraded
    db_instance(moto_reset, "hardened", StorageEncrypted=True, AutoMinorVersionUpgrade=True, PubliclyAccessible=False)
    db_instance(moto_reset, "exposed", StorageEncrypted=False, AutoMinorVersionUpgrade=False, PubliclyAccessible=True)
    # when the three RDS checks run on one collection
    inv = collect(moto_reset, RDS_CHECKS)
    # then the hardened instance passes all three and the exposed one fails all three
    assert {cid: statuses(run(inv, cid)) for cid in RDS_CHECKS} == {
        cid: {"hardened": PASS, "exposed": FAIL} for cid in RDS_CHECKS
    }
    assert {o.resource_id: o.reason for o in run(inv, "aws.rds.not_publicly_accessible")}["exposed"] == (
        "DB instance exposed is publicly accessible"
    )


def test_efs_file_systems_encrypted(moto_reset: str) -> None:
    # given an encrypted and an unencrypted file system
    efs = aws(moto_reset, "efs")
    sealed = efs.create_file_system(CreationToken="sealed", Encrypted=True)["FileSystemId"]
    plain = efs.create_file_system(CreationToken="plain")["FileSystemId"]
    # when the check runs
    outcomes = scan(moto_reset, "aws.efs.encrypted")
    # then the unencrypted one fails
    assert statuses(outcomes) == {sealed: PASS, plain: FAIL}


def test_kms_customer_keys_rotate(moto_reset: str) -> None:
    # given a rotating key, a non-rotating key, a disabled key and an asymmetric key
    kms = aws(moto_reset, "kms")
    rotating = kms.create_key(Description="rotating")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    stale = kms.create_key(Description="stale")["KeyMetadata"]["KeyId"]
    disabled = kms.create_key(Description="disabled")["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    # when the check runs
    outcomes = scan(moto_reset, "aws.kms.key_rotation_enabled")
    # then only enabled symmetric keys are judged, and the non-rotating one fails
    assert statuses(outcomes) == {rotating: PASS, stale: FAIL}


def _mount_policy(file_system: str, condition: dict | None = None) -> str:
    statement: dict = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        "Resource": f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:file-system/{file_system}",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_efs_one_zone_file_systems_fail_and_regional_ones_pass(moto_reset: str) -> None:
    # given a Regional file system, a One Zone one in another region's zone, and one as stored before the storage
    # zone was kept
    regional = aws(moto_reset, "efs").create_file_system(CreationToken="shared")["FileSystemId"]
    one_zone = aws(moto_reset, "efs", OTHER_REGION).create_file_system(
        CreationToken="scratch", AvailabilityZoneName=f"{OTHER_REGION}a"
    )["FileSystemId"]
    # when the zone check runs over both regions
    inv = collect(moto_reset, ["aws.efs.file_system_multi_az"], regions=(REGION, OTHER_REGION))
    outcomes = {o.resource_id: o for o in run(inv, "aws.efs.file_system_multi_az")}
    # then the Regional file system passes and the One Zone one fails, naming its zone, each in its region
    assert {fid: (o.status, o.region) for fid, o in outcomes.items()} == {
        regional: (PASS, REGION),
        one_zone: (FAIL, OTHER_REGION),
    }
    reasons = {fid: o.reason for fid, o in outcomes.items()}
    assert reasons[regional] == f"File system {regional} is Regional: its data is stored across Availability Zones"
    assert reasons[one_zone] == f"File system {one_zone} is One Zone: its data is stored in {OTHER_REGION}a only"
    assert outcomes[one_zone].observed == {"availability_zone": f"{OTHER_REGION}a"}
    # and a file system collected before the zone was kept is not judged on it
    for data in inv.data["efs"]["regions"].values():
        for fs in data["file_systems"]:
            del fs["availability_zone"]
    assert run(inv, "aws.efs.file_system_multi_az") == []


def test_efs_access_points_root_directory_and_posix_user(moto_reset: str) -> None:
    # given a file system with an access point confined to /app as user 1000, and one on AWS's defaults (the root
    # directory, no POSIX user)
    efs = aws(moto_reset, "efs")
    fs = efs.create_file_system(CreationToken="shared", Encrypted=True)["FileSystemId"]
    confined = efs.create_access_point(
        FileSystemId=fs,
        PosixUser={"Uid": 1000, "Gid": 1000},
        RootDirectory={"Path": "/app", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}},
    )["AccessPointArn"]
    wide = efs.create_access_point(FileSystemId=fs)["AccessPointArn"]
    # when both access point checks run on one collection
    inv = collect(moto_reset, EFS_ACCESS_POINT_CHECKS)
    # then the confined one passes both and the default one fails both
    for check_id in EFS_ACCESS_POINT_CHECKS:
        assert statuses(run(inv, check_id)) == {confined: PASS, wide: FAIL}, check_id
    root = {o.resource_id: o.reason for o in run(inv, "aws.efs.access_point_root_directory")}
    assert root[confined].endswith(f"of file system {fs} confines its clients to /app")
    assert root[wide].endswith(f"of file system {fs} exposes the file system's root directory")
    user = {o.resource_id: o.observed for o in run(inv, "aws.efs.access_point_posix_user")}
    assert user[confined] == {"uid": 1000, "gid": 1000}


def test_efs_access_points_unlisted_is_an_error(moto_reset: str) -> None:
    # given a file system with an access point, and a scanner refused DescribeAccessPoints
    efs = aws(moto_reset, "efs")
    efs.create_access_point(FileSystemId=efs.create_file_system(CreationToken="shared")["FileSystemId"])
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 403)
    built.session.events.register("before-send.efs.DescribeAccessPoints", lambda **_: denied)
    # when EFS is collected and the access point checks run
    inv = built.collect({"efs"})
    # then the region is an error for them, and the file system checks still judge
    assert inv.errors == {}
    for check_id in EFS_ACCESS_POINT_CHECKS:
        assert statuses(run(inv, check_id)) == {ACCOUNT: ERROR}, check_id
    assert [o.status for o in run(inv, "aws.efs.encrypted")] == [FAIL]


def test_efs_file_system_policy_not_public(moto_reset: str) -> None:
    # given file systems whose policy lets anyone mount, lets anyone of the organisation mount, and has no policy
    efs = aws(moto_reset, "efs")
    ids = {name: efs.create_file_system(CreationToken=name)["FileSystemId"] for name in ("open", "org", "default")}
    efs.put_file_system_policy(FileSystemId=ids["open"], Policy=_mount_policy(ids["open"]))
    org_only = {"StringEquals": {"aws:PrincipalOrgID": "o-example1234"}}
    efs.put_file_system_policy(FileSystemId=ids["org"], Policy=_mount_policy(ids["org"], org_only))
    # when the check runs
    outcomes = scan(moto_reset, "aws.efs.file_system_policy_not_public")
    # then the open one fails, and so does the one left on AWS's default policy (any principal reaching a mount
    # target)
    assert statuses(outcomes) == {ids["open"]: FAIL, ids["org"]: PASS, ids["default"]: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[ids["open"]] == (
        f"File system {ids['open']} lets anyone elasticfilesystem:ClientMount, elasticfilesystem:ClientWrite"
    )
    assert reasons[ids["default"]] == (
        f"File system {ids['default']} has no policy, so AWS's default lets any principal reaching a mount target in"
    )


def test_efs_file_system_policy_unreadable_is_an_error(moto_reset: str) -> None:
    # given a file system whose policy the scanner may not read
    fs = aws(moto_reset, "efs").create_file_system(CreationToken="guarded")["FileSystemId"]
    built = connector(moto_reset)
    denied = json_reply({"__type": "AccessDeniedException", "Message": "denied"}, 403)
    built.session.events.register("before-send.efs.DescribeFileSystemPolicy", lambda **_: denied)
    # when EFS is collected
    inv = built.collect({"efs"})
    # then the policy check is an error for it and the backup policy is still judged
    assert statuses(run(inv, "aws.efs.file_system_policy_not_public")) == {fs: ERROR}
    assert statuses(run(inv, "aws.efs.backup_policy_enabled")) == {fs: FAIL}
