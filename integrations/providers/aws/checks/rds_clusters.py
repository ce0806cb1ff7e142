"""Checks on RDS DB clusters (Aurora, and Multi-AZ DB clusters of MySQL and PostgreSQL).

A member instance of such a cluster has its storage encryption, backups, deletion protection, IAM authentication,
log exports, snapshot tags and failover set on the cluster: they are judged here, once per cluster, and the instance
checks in ``rds`` and ``data_stores`` leave the members to these (see ``rds.in_rds_cluster``). Neptune's clusters
are judged by the Neptune checks, DocumentDB's by the DocumentDB checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import DbCluster
from ._common import aws_check, listed_items, result

DB_CLUSTER = "AWS::RDS::DBCluster"
MIN_BACKUP_RETENTION_DAYS = 7


def _clusters(inventory: Inventory) -> Iterator[DbCluster | Outcome]:
    """Every collected cluster, or an error outcome for a region whose clusters could not be listed."""
    return listed_items(inventory, "rds", "db_clusters", noun="DB clusters", resource_type=DB_CLUSTER)


def _id(cluster: DbCluster) -> str:
    return str(cluster.get("arn") or cluster.get("id"))


def _label(cluster: DbCluster) -> str:
    return f"DB cluster {cluster.get('id')}"


def _cluster_check(
    inventory: Inventory,
    judge: Callable[[DbCluster], tuple[bool, str, dict[str, Any]] | None],
) -> Iterable[Outcome]:
    """One outcome per cluster from ``judge`` (passed, reason, observed; None: not judged), and the regions' listing
    errors."""
    for cluster in _clusters(inventory):
        if isinstance(cluster, Outcome):
            yield cluster
            continue
        verdict = judge(cluster)
        if verdict is None:
            continue
        ok, reason, observed = verdict
        yield result(ok, _id(cluster), DB_CLUSTER, reason, region=str(cluster.get("region", "")), **observed)


@aws_check(
    id="aws.rds.cluster_storage_encrypted",
    title="RDS DB clusters encrypt their storage",
    severity=Severity.HIGH,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="Encryption at rest protects the cluster's shared storage, its automated backups, snapshots and "
    "every instance reading it, if the underlying storage is ever exposed.",
    remediation="Encryption cannot be turned on for an existing cluster: restore a snapshot of it into a new cluster "
    "with storage encryption on (and a KMS key), then move the application to the new cluster.",
)
def cluster_storage_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        ok = bool(cluster.get("storage_encrypted"))
        key = cluster.get("kms_key_id")
        reason = (
            f"{_label(cluster)} encrypts its storage (KMS key {key})"
            if ok
            else f"{_label(cluster)} does not encrypt its storage"
        )
        return ok, reason, {"storage_encrypted": ok, "kms_key": key}

    return _cluster_check(inventory, judge)


@aws_check(
    id="aws.rds.cluster_logs_exported_to_cloudwatch",
    title="RDS DB clusters export their database logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="Logs kept only on the cluster rotate away within days and go with it when it is deleted; exported "
    "to CloudWatch Logs they are kept as long as the log group says, searchable, and can raise alarms.",
    remediation="Modify the cluster to publish its engine's logs (e.g. audit and error for Aurora MySQL, postgresql "
    "for Aurora PostgreSQL) to CloudWatch Logs.",
)
def cluster_logs_exported_to_cloudwatch(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        kinds = sorted(str(kind) for kind in cluster.get("cloudwatch_logs_exports") or [])
        reason = (
            f"{_label(cluster)} exports {', '.join(kinds)} logs to CloudWatch Logs"
            if kinds
            else f"{_label(cluster)} exports no logs to CloudWatch Logs"
        )
        return bool(kinds), reason, {"log_exports": kinds}

    return _cluster_check(inventory, judge)


@aws_check(
    id="aws.rds.cluster_iam_authentication_enabled",
    title="RDS DB clusters accept IAM database authentication",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="IAM authentication replaces long-lived database passwords with short-lived tokens tied to "
    "IAM identities, which are centrally granted, revoked and logged.",
    remediation="Modify the cluster to enable IAM database authentication and create IAM-mapped database users.",
)
def cluster_iam_authentication_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        ok = bool(cluster.get("iam_auth"))
        says = "accepts IAM authentication" if ok else "has IAM authentication off"
        return ok, f"{_label(cluster)} {says}", {"iam_auth": ok}

    return _cluster_check(inventory, judge)


@aws_check(
    id="aws.rds.cluster_deletion_protection",
    title="RDS DB clusters have deletion protection",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="Deletion protection stops a mistaken or malicious delete call from removing the cluster and its data.",
    remediation="Modify the cluster to turn on deletion protection.",
)
def cluster_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        ok = bool(cluster.get("deletion_protection"))
        says = "has deletion protection" if ok else "has deletion protection off"
        return ok, f"{_label(cluster)} {says}", {"deletion_protection": ok}

    return _cluster_check(inventory, judge)


@aws_check(
    id="aws.rds.cluster_backup_retention_7_days",
    title="RDS DB clusters keep automated backups for at least 7 days",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="Automated backups and point-in-time restore only reach back as far as the retention period; "
    "a week leaves time to notice corruption or a bad change and recover from before it.",
    remediation="Modify the cluster's backup retention period to 7 days or more.",
)
def cluster_backup_retention_7_days(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        days = int(cluster.get("backup_retention_period") or 0)
        reason = f"{_label(cluster)} keeps automated backups for {days} day{'' if days == 1 else 's'}"
        return days >= MIN_BACKUP_RETENTION_DAYS, reason, {"backup_retention_period": days}

    return _cluster_check(inventory, judge)


@aws_check(
    id="aws.rds.cluster_copy_tags_to_snapshot",
    title="RDS DB clusters copy their tags to snapshots",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="A snapshot without the cluster's tags loses its owner, data classification and the tag-based access "
    "and retention rules that applied to the cluster, so a copy of the data escapes them.",
    remediation="Modify the cluster to turn on copying tags to snapshots.",
)
def cluster_copy_tags_to_snapshot(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        ok = bool(cluster.get("copy_tags_to_snapshot"))
        says = "copies its tags to snapshots" if ok else "does not copy its tags to snapshots"
        return ok, f"{_label(cluster)} {says}", {"copy_tags_to_snapshot": ok}

    return _cluster_check(inventory, judge)


@aws_check(
    id="aws.rds.cluster_multi_az",
    title="RDS DB clusters have instances in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="A cluster fails over to a replica in another zone when its writer's zone or host fails; with all its "
    "instances in one zone (or only one instance) it is down until that zone recovers or a new instance is made.",
    remediation="Add a reader instance in another Availability Zone to the cluster.",
)
def cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]]:
        ok = bool(cluster.get("multi_az"))
        members = len(cluster.get("members") or [])
        reason = (
            f"{_label(cluster)} has instances in more than one Availability Zone"
            if ok
            else f"{_label(cluster)} has no instance in a second Availability Zone to fail over to"
        )
        return ok, reason, {"multi_az": ok, "instances": members}

    return _cluster_check(inventory, judge)


# Backtracking is an Aurora MySQL feature, of provisioned clusters only (not Serverless v1).
BACKTRACK_ENGINES = frozenset({"aurora", "aurora-mysql"})


@aws_check(
    id="aws.rds.cluster_backtrack_enabled",
    title="Aurora MySQL clusters can be backtracked",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_CLUSTER,
    rationale="A wrong DELETE, a bad migration or a ransomware-style overwrite is undone by backtracking the "
    "cluster to just before it, in minutes and in place; without it the way back is a point-in-time restore into a "
    "new cluster, which takes hours and moves every client to a new endpoint.",
    remediation="Backtracking can only be set when a cluster is created or restored: restore a snapshot (or a point "
    "in time) of the cluster into a new one with a backtrack window (BacktrackWindow, e.g. 86,400 seconds), then "
    "move the application to it.",
)
def cluster_backtrack_enabled(inventory: Inventory) -> Iterable[Outcome]:
    def judge(cluster: DbCluster) -> tuple[bool, str, dict[str, Any]] | None:
        if "backtrack_window" not in cluster or cluster.get("engine") not in BACKTRACK_ENGINES:
            return None  # another engine, or collected before the window was kept
        if (cluster.get("engine_mode") or "provisioned") != "provisioned":
            return None
        window = cluster.get("backtrack_window") or 0
        reason = (
            f"{_label(cluster)} can be backtracked up to {window / 3600:g} hours"
            if window
            else f"{_label(cluster)} has no backtrack window"
        )
        return bool(window), reason, {"backtrack_window_seconds": window}

    return _cluster_check(inventory, judge)
