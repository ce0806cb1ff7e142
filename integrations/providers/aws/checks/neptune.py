"""Checks on Neptune DB clusters: storage encryption, automated backups, audit log export, deletion protection, tags
copied to snapshots, instances in more than one Availability Zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_databases import NeptuneCluster
from ._common import aws_check, items, result
from .rds import MIN_BACKUP_RETENTION_DAYS

CLUSTER = "AWS::Neptune::DBCluster"
# The log type Neptune exports its audit log as (the other is "slowquery").
AUDIT_LOG = "audit"


def _clusters(inventory: Inventory) -> Iterator[NeptuneCluster]:
    return items(inventory, "neptune", "clusters")


def _id(cluster: NeptuneCluster) -> str:
    return str(cluster.get("arn") or cluster.get("id"))


def _label(cluster: NeptuneCluster) -> str:
    return f"Neptune cluster {cluster.get('id')}"


@aws_check(
    id="aws.neptune.cluster_storage_encrypted",
    title="Neptune clusters encrypt their storage",
    severity=Severity.HIGH,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Encryption at rest protects the graph's data, its automated backups, snapshots and replicas if the "
    "storage under the cluster is ever exposed, and puts reading it under a KMS key policy.",
    remediation="Encryption cannot be turned on for an existing cluster: restore a snapshot of it into a new cluster "
    "with storage encryption on (and a KMS key), then move the application to the new cluster.",
)
def cluster_storage_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        ok = bool(cluster.get("storage_encrypted"))
        key = cluster.get("kms_key_id")
        reason = (
            f"{_label(cluster)} encrypts its storage (KMS key {key})"
            if ok
            else f"{_label(cluster)} does not encrypt its storage"
        )
        yield result(
            ok, _id(cluster), CLUSTER, reason, region=str(cluster.get("region", "")), storage_encrypted=ok, kms_key=key
        )


@aws_check(
    id="aws.neptune.cluster_backup_retention_7_days",
    title="Neptune clusters keep automated backups for at least 7 days",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Point-in-time restore reaches back only as far as the backup retention period; Neptune's default of "
    "one day leaves no time to notice corrupted or deleted data before the backups that hold it are gone.",
    remediation="Modify the cluster's backup retention period to 7 days or more.",
)
def cluster_backup_retention_7_days(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        days = int(cluster.get("backup_retention_period") or 0)
        ok = days >= MIN_BACKUP_RETENTION_DAYS
        reason = f"{_label(cluster)} keeps automated backups for {days} day{'' if days == 1 else 's'}"
        if not ok:
            reason += f", under {MIN_BACKUP_RETENTION_DAYS}"
        yield result(
            ok, _id(cluster), CLUSTER, reason, region=str(cluster.get("region", "")), backup_retention_period=days
        )


@aws_check(
    id="aws.neptune.cluster_audit_logs_exported",
    title="Neptune clusters export their audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Neptune's audit log records each query and the client that sent it; kept only on the cluster it "
    "cannot be searched, alarmed on or kept past the instances, so who read or changed the graph cannot be told.",
    remediation="Set neptune_enable_audit_log to 1 in the cluster's parameter group and modify the cluster to "
    "export the audit log type to CloudWatch Logs.",
)
def cluster_audit_logs_exported(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        exports = sorted(str(kind) for kind in cluster.get("cloudwatch_logs_exports") or [])
        ok = AUDIT_LOG in exports
        if ok:
            reason = f"{_label(cluster)} exports its audit log to CloudWatch Logs"
        elif exports:
            reason = f"{_label(cluster)} exports {', '.join(exports)} logs to CloudWatch Logs but not its audit log"
        else:
            reason = f"{_label(cluster)} exports no logs to CloudWatch Logs"
        yield result(ok, _id(cluster), CLUSTER, reason, region=str(cluster.get("region", "")), log_exports=exports)


@aws_check(
    id="aws.neptune.cluster_deletion_protection",
    title="Neptune clusters have deletion protection",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Deletion protection stops a mistaken or malicious delete call from removing the cluster, and with "
    "it the automated backups it has not copied to a manual snapshot.",
    remediation="Modify the cluster to turn on deletion protection.",
)
def cluster_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        ok = bool(cluster.get("deletion_protection"))
        reason = f"{_label(cluster)} has deletion protection {'on' if ok else 'off'}"
        yield result(ok, _id(cluster), CLUSTER, reason, region=str(cluster.get("region", "")), deletion_protection=ok)


def _settled(inventory: Inventory, field: str) -> Iterator[NeptuneCluster]:
    for cluster in _clusters(inventory):
        if field in cluster:
            yield cluster  # clusters collected before ``field`` was kept are not judged on it


@aws_check(
    id="aws.neptune.cluster_copy_tags_to_snapshot",
    title="Neptune clusters copy their tags to snapshots",
    severity=Severity.LOW,
    service="neptune",
    resource_type=CLUSTER,
    rationale="A snapshot without the cluster's tags loses its owner, data classification and the tag-based access "
    "and retention rules that applied to the graph, so a copy of the data escapes them.",
    remediation="Modify the cluster to turn on copying tags to snapshots (CopyTagsToSnapshot).",
)
def cluster_copy_tags_to_snapshot(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _settled(inventory, "copy_tags_to_snapshot"):
        ok = bool(cluster.get("copy_tags_to_snapshot"))
        says = "copies its tags to snapshots" if ok else "does not copy its tags to snapshots"
        region = str(cluster.get("region", ""))
        yield result(ok, _id(cluster), CLUSTER, f"{_label(cluster)} {says}", region=region, copy_tags_to_snapshot=ok)


@aws_check(
    id="aws.neptune.cluster_multi_az",
    title="Neptune clusters have instances in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="neptune",
    resource_type=CLUSTER,
    rationale="Neptune fails over to a read replica in another zone when the primary's zone or host fails; with "
    "every instance in one zone (or a primary alone) the graph is down until that zone recovers or a new instance "
    "is made.",
    remediation="Add a read replica in another Availability Zone to the cluster.",
)
def cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _settled(inventory, "multi_az"):
        ok = bool(cluster.get("multi_az"))
        members = len(cluster.get("members") or [])
        reason = (
            f"{_label(cluster)} has instances in more than one Availability Zone"
            if ok
            else f"{_label(cluster)} has no instance in a second Availability Zone to fail over to "
            f"({members} instance{'' if members == 1 else 's'})"
        )
        region = str(cluster.get("region", ""))
        yield result(ok, _id(cluster), CLUSTER, reason, region=region, multi_az=ok, instances=members)
