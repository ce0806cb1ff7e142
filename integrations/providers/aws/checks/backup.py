"""Backup and recovery checks: DynamoDB tables, AWS Backup plans and vaults, EFS backup policies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_storage import BackupRegion, BackupVault, DynamoTable, FileSystem
from ._common import ACCOUNT, aws_check, error, items, regions, result
from ._policies import public_actions
from .s3_access import cross_account_grants

TABLE = "AWS::DynamoDB::Table"
VAULT = "AWS::Backup::BackupVault"
FILE_SYSTEM = "AWS::EFS::FileSystem"


def _tables(inventory: Inventory) -> Iterator[DynamoTable]:
    return items(inventory, "dynamodb", "tables")


def _vaults(inventory: Inventory) -> Iterator[BackupVault]:
    return items(inventory, "backup", "vaults")


def _backup_regions(inventory: Inventory) -> Iterator[tuple[str, BackupRegion]]:
    return regions(inventory, "backup")


def _file_systems(inventory: Inventory) -> Iterator[FileSystem]:
    return items(inventory, "efs", "file_systems")


@aws_check(
    id="aws.dynamodb.pitr_enabled",
    title="DynamoDB tables have point-in-time recovery",
    severity=Severity.MEDIUM,
    service="dynamodb",
    resource_type=TABLE,
    rationale="Point-in-time recovery lets a table be restored to any second of the last 35 days after an "
    "accidental write or delete.",
    remediation="Turn on point-in-time recovery for the table.",
)
def dynamodb_pitr_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for table in _tables(inventory):
        name, region = str(table.get("name")), str(table.get("region", ""))
        if table.get("backups_error"):
            reason = f"Could not read the backup settings of table {name}: {table['backups_error']}"
            yield error(name, TABLE, reason, region=region)
            continue
        status = table.get("pitr_status") or "DISABLED"
        ok = status == "ENABLED"
        reason = (
            f"Table {name} has point-in-time recovery" if ok else f"Table {name} point-in-time recovery is {status}"
        )
        yield result(ok, name, TABLE, reason, region=region, pitr_status=status)


@aws_check(
    id="aws.dynamodb.deletion_protection",
    title="DynamoDB tables have deletion protection",
    severity=Severity.MEDIUM,
    service="dynamodb",
    resource_type=TABLE,
    rationale="Deletion protection stops a mistaken or malicious DeleteTable call from removing the table "
    "and its data.",
    remediation="Turn on deletion protection for the table.",
)
def dynamodb_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    for table in _tables(inventory):
        name = str(table.get("name"))
        ok = bool(table.get("deletion_protection"))
        reason = f"Table {name} has deletion protection" if ok else f"Table {name} has deletion protection off"
        yield result(ok, name, TABLE, reason, region=str(table.get("region", "")), deletion_protection=ok)


# A provisioned table's own read and write capacity; its indexes scale apart and are not judged here.
CAPACITY_DIMENSIONS = ("dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits")


@aws_check(
    id="aws.dynamodb.table_autoscaling_enabled",
    title="Provisioned DynamoDB tables scale their read and write capacity",
    severity=Severity.MEDIUM,
    service="dynamodb",
    resource_type=TABLE,
    rationale="A table on provisioned capacity throttles every request past the units set for it: a rise in traffic "
    "then becomes failed reads and writes, an outage of whatever depends on the table. Auto scaling follows the load "
    "within set bounds; on-demand tables scale by themselves.",
    remediation="Register the table's read and write capacity with Application Auto Scaling (a target tracking policy "
    "on each, e.g. 70 % utilisation, with sensible minimum and maximum units), or switch the table to on-demand "
    "capacity (BillingMode PAY_PER_REQUEST).",
)
def dynamodb_table_autoscaling_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "dynamodb"):
        tables: list[DynamoTable] = data.get("tables", [])
        for table in tables:
            name, mode = str(table.get("name")), table.get("billing_mode")
            if mode is None:
                continue  # collected before the billing mode was kept
            if mode != "PROVISIONED":
                yield result(True, name, TABLE, f"Table {name} is on on-demand capacity", region=region)
            elif "autoscaling_error" in data:
                reason = f"Could not read the auto scaling of table {name}: {data['autoscaling_error']}"
                yield error(name, TABLE, reason, region=region)
            else:
                scaled = set((data.get("autoscaled") or {}).get(name, []))
                fixed = [d.rsplit(":", 1)[-1] for d in CAPACITY_DIMENSIONS if d not in scaled]
                reason = (
                    f"Table {name} scales its provisioned read and write capacity"
                    if not fixed
                    else f"Table {name} has fixed provisioned {' and '.join(fixed)}"
                )
                yield result(not fixed, name, TABLE, reason, region=region, fixed_capacity=fixed)


@aws_check(
    id="aws.dynamodb.table_policy_no_outside_access",
    title="DynamoDB table resource policies grant no access to anyone or to other AWS accounts",
    severity=Severity.HIGH,
    service="dynamodb",
    resource_type=TABLE,
    rationale="A table's resource policy works beside IAM: a statement for any principal opens the table to every AWS "
    "account, and one naming another account lets that account's principals read or change the items under that "
    "account's controls, not this one's. Sharing should be deliberate, limited to the organisation, and reviewed.",
    remediation="Remove the statements for any principal and for other accounts from the table's resource policy "
    "(PutResourcePolicy, or DeleteResourcePolicy when none is needed), or narrow them to the organisation with an "
    "aws:PrincipalOrgID condition; grant access in the account through IAM roles instead.",
)
def dynamodb_table_policy_no_outside_access(inventory: Inventory) -> Iterable[Outcome]:
    own = inventory.account_id or ""
    for table in _tables(inventory):
        if "policy" not in table and "policy_error" not in table:
            continue  # collected before resource policies were read
        name, region = table["name"], table["region"]
        resource = name  # as the other table checks name tables
        if table.get("policy_error"):
            reason = f"Could not read the resource policy of DynamoDB table {name}: {table['policy_error']}"
            yield error(resource, TABLE, reason, region=region)
            continue
        policy = table.get("policy")
        public = public_actions(policy)
        external, in_organization, organizations = cross_account_grants(policy, own)
        if policy is None:
            reason = f"DynamoDB table {name} has no resource policy"
        elif public:
            reason = f"DynamoDB table {name}'s resource policy lets any principal {', '.join(public)}"
        elif external:
            reason = f"DynamoDB table {name}'s resource policy grants access to other account(s) {', '.join(external)}"
        elif in_organization:
            reason = (
                f"DynamoDB table {name}'s resource policy grants other account(s) {', '.join(in_organization)} "
                f"access only within organization {', '.join(organizations)}"
            )
        else:
            reason = f"DynamoDB table {name}'s resource policy grants no one outside the account access"
        yield result(
            not public and not external,
            resource,
            TABLE,
            reason,
            region=region,
            public_actions=public,
            other_accounts=external,
            organization_accounts=in_organization,
        )


@aws_check(
    id="aws.dynamodb.kms_encryption",
    title="DynamoDB tables are encrypted with a KMS key",
    severity=Severity.LOW,
    service="dynamodb",
    resource_type=TABLE,
    rationale="Every table is encrypted, but only a KMS key (rather than the AWS-owned default) lets the "
    "account see key use in CloudTrail and control, or revoke, access to the key.",
    remediation="Switch the table's encryption to an AWS-managed or, better, a customer-managed KMS key.",
)
def dynamodb_kms_encryption(inventory: Inventory) -> Iterable[Outcome]:
    for table in _tables(inventory):
        name = str(table.get("name"))
        key = table.get("kms_key_arn")
        ok = table.get("sse_type") == "KMS"
        reason = (
            f"Table {name} is encrypted with KMS key {key}"
            if ok
            else f"Table {name} is encrypted with an AWS-owned key only"
        )
        yield result(ok, name, TABLE, reason, region=str(table.get("region", "")), kms_key_arn=key)


@aws_check(
    id="aws.backup.plan_exists",
    title="AWS Backup has a backup plan with at least one rule",
    severity=Severity.MEDIUM,
    service="backup",
    resource_type=ACCOUNT,
    rationale="A backup plan with a scheduled rule is what makes backups happen regularly, centrally and "
    "with a set retention, rather than by hand.",
    remediation="Create a backup plan with a scheduled rule and assign the region's resources to it.",
)
def backup_plan_exists(inventory: Inventory) -> Iterable[Outcome]:
    account = inventory.account_id or "aws-account"
    for region, data in _backup_regions(inventory):
        plans = [str(p.get("name") or p.get("id")) for p in data.get("plans", []) if p.get("rules")]
        reason = (
            f"{len(plans)} backup plan(s) with rules in {region}: {', '.join(sorted(plans))}"
            if plans
            else f"No backup plan with a rule in {region}"
        )
        yield result(bool(plans), account, ACCOUNT, reason, region=region, plans=sorted(plans))


@aws_check(
    id="aws.backup.vault_locked",
    title="AWS Backup vaults have Vault Lock",
    severity=Severity.MEDIUM,
    service="backup",
    resource_type=VAULT,
    rationale="Vault Lock stops recovery points from being deleted, or their retention shortened, even by "
    "an administrator, which keeps backups usable after a compromise.",
    remediation="Put a Vault Lock configuration on the vault with a minimum retention (compliance mode once tested).",
)
def backup_vault_locked(inventory: Inventory) -> Iterable[Outcome]:
    for vault in _vaults(inventory):
        name = str(vault.get("name"))
        ok = bool(vault.get("locked"))
        reason = f"Backup vault {name} is locked" if ok else f"Backup vault {name} has no Vault Lock"
        yield result(
            ok,
            str(vault.get("arn") or name),
            VAULT,
            reason,
            region=str(vault.get("region", "")),
            min_retention_days=vault.get("min_retention_days"),
        )


@aws_check(
    id="aws.efs.backup_policy_enabled",
    title="EFS file systems have automatic backups",
    severity=Severity.MEDIUM,
    service="efs",
    resource_type=FILE_SYSTEM,
    rationale="The EFS backup policy puts the file system under a daily AWS Backup plan, so deleted or "
    "corrupted files can be restored.",
    remediation="Turn on automatic backups for the file system (or cover it with an AWS Backup plan).",
)
def efs_backup_policy_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for fs in _file_systems(inventory):
        fsid, region = str(fs.get("id")), str(fs.get("region", ""))
        if fs.get("backup_policy_error"):
            reason = f"Could not read the backup policy of file system {fsid}: {fs['backup_policy_error']}"
            yield error(fsid, FILE_SYSTEM, reason, region=region)
            continue
        if "backup_policy" not in fs:
            continue
        status = fs.get("backup_policy") or "DISABLED"
        ok = status == "ENABLED"
        reason = (
            f"File system {fsid} has automatic backups" if ok else f"File system {fsid} automatic backups are {status}"
        )
        yield result(ok, fsid, FILE_SYSTEM, reason, region=region, backup_policy=status)
