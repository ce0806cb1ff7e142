"""RDS, EFS and KMS checks against moto."""

from __future__ import annotations

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import aws, collect, db_instance, run, scan, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
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
