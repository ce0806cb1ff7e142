"""RDS recoverability checks, DynamoDB, AWS Backup and EFS backup checks against moto."""

from __future__ import annotations

import json

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    by_region,
    collect,
    connector,
    db_instance,
    json_reply,
    query_error,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
INSTANCE_CHECKS = [
    "aws.rds.backup_retention_7_days",
    "aws.rds.deletion_protection",
    "aws.rds.multi_az",
    "aws.rds.iam_authentication_enabled",
]


def test_rds_instance_recoverability_checks(moto_reset: str) -> None:
    # given a resilient instance and a fragile one (1-day backups, unprotected, single-AZ, passwords only)
    db_instance(
        moto_reset,
        "resilient",
        BackupRetentionPeriod=7,
        DeletionProtection=True,
        MultiAZ=True,
        EnableIAMDatabaseAuthentication=True,
    )
    db_instance(moto_reset, "fragile", BackupRetentionPeriod=1, DeletionProtection=False, MultiAZ=False)
    # when the four instance checks run on one collection
    inventory = collect(moto_reset, INSTANCE_CHECKS)
    # then the resilient instance passes all four and the fragile one fails all four
    assert {cid: statuses(run(inventory, cid)) for cid in INSTANCE_CHECKS} == {
        cid: {"resilient": PASS, "fragile": FAIL} for cid in INSTANCE_CHECKS
    }


def test_rds_iam_auth_is_judged_only_where_the_engine_supports_it(moto_reset: str) -> None:
    # given a SQL Server instance (no IAM database authentication) and a MySQL one without it
    db_instance(moto_reset, "mssql", engine="sqlserver-ex")
    db_instance(moto_reset, "mysql", engine="mysql")
    # when the check runs
    outcomes = scan(moto_reset, "aws.rds.iam_authentication_enabled")
    # then only the MySQL instance is judged
    assert statuses(outcomes) == {"mysql": FAIL}


def test_rds_snapshots_public_and_encrypted(moto_reset: str) -> None:
    # given an encrypted instance with a private snapshot, and a plain instance with a public snapshot
    rds = aws(moto_reset, "rds")
    db_instance(moto_reset, "sealed", StorageEncrypted=True)
    db_instance(moto_reset, "plain")
    rds.create_db_snapshot(DBInstanceIdentifier="sealed", DBSnapshotIdentifier="sealed-snap")
    rds.create_db_snapshot(DBInstanceIdentifier="plain", DBSnapshotIdentifier="plain-snap")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="plain-snap", AttributeName="restore", ValuesToAdd=["all"])
    # when both snapshot checks run on one collection
    inventory = collect(moto_reset, ["aws.rds.snapshot_not_public", "aws.rds.snapshot_encrypted"])
    # then the public, unencrypted snapshot fails both and the other passes both
    expected = {"sealed-snap": PASS, "plain-snap": FAIL}
    assert statuses(run(inventory, "aws.rds.snapshot_not_public")) == expected
    assert statuses(run(inventory, "aws.rds.snapshot_encrypted")) == expected


def test_rds_snapshot_listing_denied_is_an_error_for_snapshot_checks_only(moto_reset: str) -> None:
    # given an instance, and RDS refusing DescribeDBSnapshots (and only that)
    db_instance(moto_reset, "kept", DeletionProtection=True)
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    built.session.events.register("before-send.rds.DescribeDBSnapshots", denied)
    # when RDS is collected and an instance check and a snapshot check run
    inventory = built.collect({"rds"})
    snapshots = run(inventory, "aws.rds.snapshot_not_public")
    # then the snapshot check reports an error for the region and the instance check still judges
    assert [(o.resource_id, o.status) for o in snapshots] == [(ACCOUNT, ERROR)]
    assert "AccessDenied" in snapshots[0].reason
    assert statuses(run(inventory, "aws.rds.deletion_protection")) == {"kept": PASS}


def _table(endpoint: str, name: str, **settings: object) -> None:
    aws(endpoint, "dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **settings,
    )


def test_dynamodb_table_checks(moto_reset: str) -> None:
    # given a protected table (PITR, deletion protection, a KMS key) and a bare one
    key = aws(moto_reset, "kms").create_key()["KeyMetadata"]["Arn"]
    _table(
        moto_reset,
        "orders",
        DeletionProtectionEnabled=True,
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
    )
    aws(moto_reset, "dynamodb").update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    _table(moto_reset, "scratch")
    check_ids = ["aws.dynamodb.pitr_enabled", "aws.dynamodb.deletion_protection", "aws.dynamodb.kms_encryption"]
    # when the three table checks run on one collection
    inventory = collect(moto_reset, check_ids)
    # then the protected table passes all three and the bare one fails all three
    assert {cid: statuses(run(inventory, cid)) for cid in check_ids} == {
        cid: {"orders": PASS, "scratch": FAIL} for cid in check_ids
    }


def test_backup_plan_exists_per_region(moto_reset: str) -> None:
    # given a backup plan with a daily rule in one region and nothing in the other
    backup = aws(moto_reset, "backup")
    backup.create_backup_vault(BackupVaultName="daily")
    rule = {"RuleName": "daily", "TargetBackupVaultName": "daily", "ScheduleExpression": "cron(0 5 * * ? *)"}
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [rule]})
    # when the check runs over both regions
    outcomes = scan(moto_reset, "aws.backup.plan_exists", regions=[REGION, OTHER_REGION])
    # then the region with the plan passes and the other fails
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}
    assert {o.resource_id for o in outcomes} == {ACCOUNT}


def test_backup_vaults_locked(moto_reset: str) -> None:
    # given a vault with Vault Lock and one without
    backup = aws(moto_reset, "backup")
    locked = backup.create_backup_vault(BackupVaultName="locked")["BackupVaultArn"]
    backup.put_backup_vault_lock_configuration(BackupVaultName="locked", MinRetentionDays=30)
    open_vault = backup.create_backup_vault(BackupVaultName="open")["BackupVaultArn"]
    # when the check runs
    outcomes = scan(moto_reset, "aws.backup.vault_locked")
    # then only the locked vault passes
    assert statuses(outcomes) == {locked: PASS, open_vault: FAIL}


def test_efs_backup_policy(moto_reset: str) -> None:
    # given two file systems; moto cannot store a backup policy (PutBackupPolicy is not implemented), so
    # DescribeBackupPolicy answers "enabled" through a botocore hook for the first one
    efs = aws(moto_reset, "efs")
    backed = efs.create_file_system(CreationToken="backed")["FileSystemId"]
    bare = efs.create_file_system(CreationToken="bare")["FileSystemId"]
    built = connector(moto_reset)

    def policy_for(request: object = None, **_: object) -> object:
        if backed in str(getattr(request, "url", "")):
            return json_reply({"BackupPolicy": {"Status": "ENABLED"}})
        return None

    built.session.events.register("before-send.efs.DescribeBackupPolicy", policy_for)
    # when EFS is collected and the check runs
    outcomes = run(built.collect({"efs"}), "aws.efs.backup_policy_enabled")
    # then the file system with automatic backups passes and the one without (PolicyNotFound) fails
    assert statuses(outcomes) == {backed: PASS, bare: FAIL}


def test_efs_backup_policy_unreadable_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given a file system whose backup policy cannot be read
    fsid = aws(moto_reset, "efs").create_file_system(CreationToken="x", Encrypted=True)["FileSystemId"]
    built = connector(moto_reset)
    denied = answer([lambda: json_reply({"__type": "AccessDeniedException", "message": "denied"}, status=403)])
    built.session.events.register("before-send.efs.DescribeBackupPolicy", denied)
    # when EFS is collected and both EFS checks run
    inventory = built.collect({"efs"})
    # then the backup check reports an error and the encryption check still passes the file system
    assert statuses(run(inventory, "aws.efs.backup_policy_enabled")) == {fsid: ERROR}
    assert statuses(run(inventory, "aws.efs.encrypted")) == {fsid: PASS}


TABLE_POLICY = "aws.dynamodb.table_policy_no_outside_access"


def _table_policy(endpoint: str, name: str, principal: object, condition: dict[str, object] | None = None) -> None:
    arn = aws(endpoint, "dynamodb").describe_table(TableName=name)["Table"]["TableArn"]
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["dynamodb:GetItem", "dynamodb:Query"],
        "Resource": arn,
    }
    if condition:
        statement["Condition"] = condition
    aws(endpoint, "dynamodb").put_resource_policy(
        ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def test_table_policies_fail_when_open_to_anyone_or_to_another_account(moto_reset: str) -> None:
    # given tables whose policy is open to anyone, names another account, names another account within the
    # organisation, names the account itself, and one without a policy
    for name in ("public", "shared", "in-org", "own", "plain"):
        _table(moto_reset, name)
    _table_policy(moto_reset, "public", "*")
    _table_policy(moto_reset, "shared", {"AWS": "arn:aws:iam::210987654321:root"})
    _table_policy(
        moto_reset,
        "in-org",
        {"AWS": "arn:aws:iam::210987654321:root"},
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    )
    _table_policy(moto_reset, "own", {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reporting"})
    # when the table policy check runs
    outcomes = {o.resource_id: o for o in scan(moto_reset, TABLE_POLICY)}
    # then the public and the cross-account ones fail, each saying what it grants
    assert statuses(outcomes.values()) == {
        "public": FAIL,
        "shared": FAIL,
        "in-org": PASS,
        "own": PASS,
        "plain": PASS,
    }
    assert outcomes["public"].reason == (
        "DynamoDB table public's resource policy lets any principal dynamodb:GetItem, dynamodb:Query"
    )
    assert outcomes["shared"].reason == (
        "DynamoDB table shared's resource policy grants access to other account(s) 210987654321"
    )
    assert outcomes["in-org"].observed["organization_accounts"] == ["210987654321"]
    assert outcomes["plain"].reason == "DynamoDB table plain has no resource policy"


def test_a_table_policy_that_cannot_be_read_is_an_error_for_that_check_only(moto_reset: str) -> None:
    # given a table whose resource policy DynamoDB refuses to return
    _table(moto_reset, "orders")
    built = connector(moto_reset)
    refusal = json_reply({"__type": "AccessDeniedException", "message": "denied"}, 400)
    built.session.events.register("before-send.dynamodb.GetResourcePolicy", lambda **_: refusal)
    # when DynamoDB is collected
    inv = built.collect({"dynamodb"})
    # then the policy check is an error and the other table checks still judge
    outcome = run(inv, TABLE_POLICY)[0]
    assert (outcome.resource_id, outcome.status) == ("orders", ERROR)
    assert outcome.reason.startswith("Could not read the resource policy of DynamoDB table orders: GetResourcePolicy")
    assert statuses(run(inv, "aws.dynamodb.deletion_protection")) == {"orders": FAIL}


AUTOSCALING = "aws.dynamodb.table_autoscaling_enabled"


def _provisioned_table(endpoint: str, name: str, *scaled: str) -> None:
    """A table on 5 read and 5 write units, with auto scaling registered for the ``scaled`` dimensions."""
    aws(endpoint, "dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    for dimension in scaled:
        aws(endpoint, "application-autoscaling").register_scalable_target(
            ServiceNamespace="dynamodb",
            ResourceId=f"table/{name}",
            ScalableDimension=f"dynamodb:table:{dimension}",
            MinCapacity=5,
            MaxCapacity=100,
        )


def test_provisioned_tables_pass_only_when_reads_and_writes_scale(moto_reset: str) -> None:
    # given an on-demand table, a provisioned one scaling both ways, one scaling reads only, and one fixed; and an
    # index of the fixed table scaling (its own capacity, not the table's)
    _table(moto_reset, "events")
    _provisioned_table(moto_reset, "orders", "ReadCapacityUnits", "WriteCapacityUnits")
    _provisioned_table(moto_reset, "ledger", "ReadCapacityUnits")
    _provisioned_table(moto_reset, "archive")
    aws(moto_reset, "application-autoscaling").register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/archive/index/by-day",
        ScalableDimension="dynamodb:index:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=10,
    )
    # when the check runs
    outcomes = scan(moto_reset, AUTOSCALING)
    # then the on-demand table and the one scaling both ways pass, and the others fail naming what stays fixed
    assert statuses(outcomes) == {"events": PASS, "orders": PASS, "ledger": FAIL, "archive": FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons["events"] == "Table events is on on-demand capacity"
    assert reasons["orders"] == "Table orders scales its provisioned read and write capacity"
    assert reasons["ledger"] == "Table ledger has fixed provisioned WriteCapacityUnits"
    assert reasons["archive"] == "Table archive has fixed provisioned ReadCapacityUnits and WriteCapacityUnits"


def test_refused_auto_scaling_errors_only_provisioned_tables_for_that_check(moto_reset: str) -> None:
    # given an on-demand and a provisioned table, and Application Auto Scaling refusing the role
    _table(moto_reset, "events")
    _provisioned_table(moto_reset, "orders")
    built = connector(moto_reset)
    refusal = answer([lambda: json_reply({"__type": "AccessDeniedException", "Message": "no"}, status=400)])
    built.session.events.register("before-send.application-auto-scaling.DescribeScalableTargets", refusal)
    inventory = built.collect({"dynamodb"})
    # when the check runs
    outcomes = run(inventory, AUTOSCALING)
    # then the provisioned table is an error naming the refusal and the on-demand one is still judged
    assert statuses(outcomes) == {"events": PASS, "orders": ERROR}
    failed = next(o for o in outcomes if o.status == ERROR)
    assert failed.reason.startswith("Could not read the auto scaling of table orders: DescribeScalableTargets failed")
    # and the table's other checks are unaffected
    assert statuses(run(inventory, "aws.dynamodb.pitr_enabled")) == {"events": FAIL, "orders": FAIL}
