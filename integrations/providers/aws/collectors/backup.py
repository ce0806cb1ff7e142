"""Backup collection (regional): DynamoDB tables with their recovery settings and capacity auto scaling, AWS Backup
plans, vaults and the region's service opt-in."""

from __future__ import annotations

import functools
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..shapes_storage import BackupRegion, DynamoDbRegion
from ._common import (
    AwsConnectorError,
    Scope,
    concurrently,
    describe_error,
    error_code,
    paginate,
    plain,
    policy_document,
)
from .msk import _key_manager, _own_key


def collect_dynamodb(scope: Scope) -> DynamoDbRegion:
    dynamodb = scope.client("dynamodb")
    # Each table costs four reads (table, backups, tags, resource policy): read several tables at a time.
    tables = concurrently(
        functools.partial(_table, dynamodb, scope.region), paginate(dynamodb, "list_tables", "TableNames")
    )
    found: dict[str, Any] = {"tables": tables}
    if any(t["billing_mode"] == "PROVISIONED" for t in tables):
        found.update(_scaled_tables(scope))
    return plain(found)


def _scaled_tables(scope: Scope) -> dict[str, Any]:
    """Which tables' capacity Application Auto Scaling manages: {table: [dimensions]}, or why it could not be read
    (kept for the auto scaling check alone)."""
    try:
        targets = paginate(
            scope.client("application-autoscaling"),
            "describe_scalable_targets",
            "ScalableTargets",
            ServiceNamespace="dynamodb",
        )
    except (ClientError, BotoCoreError, ResponseParserError, AwsConnectorError) as exc:
        return {"autoscaling_error": describe_error(exc)}
    scaled: dict[str, set[str]] = {}
    for target in targets:
        kind, _, name = str(target.get("ResourceId") or "").partition("/")
        # "table/orders" is the table itself; "table/orders/index/by-day" one of its indexes.
        if kind == "table" and "/" not in name:
            scaled.setdefault(name, set()).add(str(target.get("ScalableDimension")))
    return {"autoscaled": {name: sorted(dimensions) for name, dimensions in scaled.items()}}


def _table(dynamodb: BaseClient, region: str, name: str) -> dict[str, Any]:
    table = dynamodb.describe_table(TableName=name)["Table"]
    sse = table.get("SSEDescription") or {}
    enabled = sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING")
    entry: dict[str, Any] = {
        "name": name,
        "arn": table.get("TableArn"),
        "deletion_protection": bool(table.get("DeletionProtectionEnabled")),
        "sse_type": sse.get("SSEType") if enabled else None,
        "kms_key_arn": sse.get("KMSMasterKeyArn") if enabled else None,
        "pitr_status": None,
        # Tables made before on-demand existed report no BillingModeSummary: they are provisioned.
        "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED",
        "region": region,
    }
    try:
        backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    except ClientError as exc:
        entry["backups_error"] = describe_error(exc)
    else:
        entry["pitr_status"] = (backups.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    _add_tags(dynamodb, entry)
    _add_resource_policy(dynamodb, entry)
    return entry


def _add_resource_policy(dynamodb: BaseClient, table: dict[str, Any]) -> None:
    """The table's resource policy (None: it has none); a failed read is kept for the policy check alone."""
    if not table["arn"]:
        return
    try:
        answer = dynamodb.get_resource_policy(ResourceArn=table["arn"])
    except ClientError as exc:
        if error_code(exc) == "PolicyNotFoundException":
            table["policy"] = None
        else:
            table["policy_error"] = describe_error(exc)
        return
    table["policy"] = policy_document(answer.get("Policy"))


def _add_tags(dynamodb: BaseClient, table: dict[str, Any]) -> None:
    """The table's tags, which AWS Backup selections by tag match; a failed read is kept for those checks alone."""
    if not table["arn"]:
        return
    try:
        listed = paginate(dynamodb, "list_tags_of_resource", "Tags", ResourceArn=table["arn"])
    except ClientError as exc:
        table["tags_error"] = describe_error(exc)
        return
    table["tags"] = {str(t["Key"]): str(t.get("Value", "")) for t in listed}


def collect_backup(scope: Scope) -> BackupRegion:
    backup = scope.client("backup")
    plans = []
    for listed in paginate(backup, "list_backup_plans", "BackupPlansList"):
        plan = backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"])["BackupPlan"]
        entry: dict[str, Any] = {
            "id": listed["BackupPlanId"],
            "name": listed.get("BackupPlanName") or plan.get("BackupPlanName"),
            "arn": listed.get("BackupPlanArn"),
            "rules": plan.get("Rules", []),
            "region": scope.region,
        }
        try:
            entry["selections"] = _selections(backup, entry["id"])
        except ClientError as exc:
            entry["selections_error"] = describe_error(exc)
        plans.append(entry)
    vaults = [
        {
            "name": v["BackupVaultName"],
            "arn": v.get("BackupVaultArn"),
            "locked": bool(v.get("Locked")),
            "min_retention_days": v.get("MinRetentionDays"),
            "encryption_key_arn": v.get("EncryptionKeyArn"),
            "region": scope.region,
        }
        for v in paginate(backup, "list_backup_vaults", "BackupVaultList")
    ]
    _add_key_managers(scope, vaults)
    found: dict[str, Any] = {"plans": plans, "vaults": vaults}
    try:
        settings = backup.describe_region_settings()
    except ClientError as exc:
        found["region_settings_error"] = describe_error(exc)
    else:
        found["opt_in"] = {str(k): bool(v) for k, v in (settings.get("ResourceTypeOptInPreference") or {}).items()}
    return plain(found)


def _selections(backup: BaseClient, plan_id: str) -> list[dict[str, Any]]:
    """What each of the plan's selections assigns to it (one GetBackupSelection per selection)."""
    found = []
    for listed in paginate(backup, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id):
        selection = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=listed["SelectionId"])
        chosen = selection.get("BackupSelection") or {}
        found.append(
            {
                "name": str(chosen.get("SelectionName") or listed.get("SelectionName") or listed["SelectionId"]),
                "resources": list(chosen.get("Resources") or []),
                "not_resources": list(chosen.get("NotResources") or []),
                "list_of_tags": list(chosen.get("ListOfTags") or []),
                # AWS answers every operator, most with an empty list: only those holding a condition are kept.
                "conditions": {op: list(found) for op, found in (chosen.get("Conditions") or {}).items() if found},
            }
        )
    return found


def _add_key_managers(scope: Scope, vaults: list[dict[str, Any]]) -> None:
    """Tell a vault's customer managed key from AWS Backup's AWS managed one (kms:DescribeKey, once for each key of
    the account's). Another account's key is not described: AWS managed keys belong to the vault's own account."""
    own = sorted({key for v in vaults if (key := str(v["encryption_key_arn"] or "")) and _own_key(scope, key)})
    if not own:
        return
    found = dict(zip(own, concurrently(functools.partial(_key_manager, scope.client("kms")), own), strict=True))
    for vault in vaults:
        vault.update(found.get(str(vault["encryption_key_arn"]), {}))
