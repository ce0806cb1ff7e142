"""RDS instance and snapshot checks: backups, deletion protection, Multi-AZ, IAM auth, monitoring, snapshots."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import RDS_CLUSTER_ENGINES, DbInstance, DbSnapshot
from ._common import aws_check, error, items, listed_items, result

DB_INSTANCE = "AWS::RDS::DBInstance"
DB_SNAPSHOT = "AWS::RDS::DBSnapshot"
MIN_BACKUP_RETENTION_DAYS = 7
# Engines whose instances accept IAM database authentication.
IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora")
# Engines RDS's DescribeDBInstances also answers that have no Enhanced Monitoring (the services share RDS's API).
NO_ENHANCED_MONITORING_ENGINES = frozenset({"neptune", "docdb"})


def in_rds_cluster(db: DbInstance) -> bool:
    """Whether the instance is a member of an Aurora or Multi-AZ DB cluster, whose storage encryption, backups,
    deletion protection, IAM authentication, log exports, snapshot tags and failover are the cluster's settings,
    judged once per cluster by the aws.rds.cluster_* checks (``rds_clusters``)."""
    return bool(db.get("cluster_id")) and str(db.get("engine") or "") in RDS_CLUSTER_ENGINES


def _instances(inventory: Inventory, *, standalone: bool = False) -> Iterator[DbInstance]:
    for db in items(inventory, "rds", "db_instances"):
        if "backup_retention_period" not in db:
            continue  # collected before these fields existed
        # A cluster member's backups, deletion protection and failover are its cluster's settings: an RDS cluster's
        # are judged by the aws.rds.cluster_* checks, a Neptune cluster's by the Neptune checks.
        if standalone and db.get("cluster_id"):
            continue
        yield db


def _instance_check(
    inventory: Inventory, field: str, passes: Callable[[DbInstance], bool], says: tuple[str, str]
) -> Iterable[Outcome]:
    for db in _instances(inventory, standalone=True):
        dbid = str(db.get("id"))
        ok = passes(db)
        yield result(
            ok,
            dbid,
            DB_INSTANCE,
            (says[0] if ok else says[1]).format(dbid),
            region=str(db.get("region", "")),
            **{field: db.get(field)},
        )


@aws_check(
    id="aws.rds.backup_retention_7_days",
    title="RDS instances keep automated backups for at least 7 days",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Automated backups and point-in-time restore only reach back as far as the retention period; "
    "a week leaves time to notice corruption or a bad change and recover from before it.",
    remediation="Set the instance's backup retention period to 7 days or more.",
)
def backup_retention_7_days(inventory: Inventory) -> Iterable[Outcome]:
    return _instance_check(
        inventory,
        "backup_retention_period",
        lambda db: int(db.get("backup_retention_period") or 0) >= MIN_BACKUP_RETENTION_DAYS,
        ("DB instance {} keeps automated backups for 7 days or more", "DB instance {} keeps backups for under 7 days"),
    )


@aws_check(
    id="aws.rds.deletion_protection",
    title="RDS instances have deletion protection",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Deletion protection stops a mistaken or malicious delete call from removing the database.",
    remediation="Modify the instance to turn on deletion protection.",
)
def deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    return _instance_check(
        inventory,
        "deletion_protection",
        lambda db: bool(db.get("deletion_protection")),
        ("DB instance {} has deletion protection", "DB instance {} has deletion protection off"),
    )


@aws_check(
    id="aws.rds.multi_az",
    title="RDS instances are deployed across Availability Zones",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="A Multi-AZ standby takes over when the primary's zone or host fails, so the database stays "
    "available without a restore.",
    remediation="Modify the instance to a Multi-AZ deployment.",
)
def multi_az(inventory: Inventory) -> Iterable[Outcome]:
    return _instance_check(
        inventory,
        "multi_az",
        lambda db: bool(db.get("multi_az")),
        ("DB instance {} is Multi-AZ", "DB instance {} runs in a single Availability Zone"),
    )


@aws_check(
    id="aws.rds.iam_authentication_enabled",
    title="RDS instances accept IAM database authentication",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="IAM authentication replaces long-lived database passwords with short-lived tokens tied to "
    "IAM identities, which are centrally granted, revoked and logged.",
    remediation="Modify the instance to enable IAM database authentication and create IAM-mapped database users.",
)
def iam_authentication_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for db in _instances(inventory):
        if not str(db.get("engine") or "").startswith(IAM_AUTH_ENGINES):
            continue
        if in_rds_cluster(db):
            continue  # judged on its cluster (aws.rds.cluster_iam_authentication_enabled)
        dbid = str(db.get("id"))
        ok = bool(db.get("iam_auth"))
        reason = (
            f"DB instance {dbid} accepts IAM authentication" if ok else f"DB instance {dbid} has IAM authentication off"
        )
        yield result(ok, dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), iam_auth=ok)


@aws_check(
    id="aws.rds.logs_exported_to_cloudwatch",
    title="RDS instances export their database logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Logs kept only on the instance rotate away within days and go with it when it is deleted; exported "
    "to CloudWatch Logs they are kept as long as the log group says, searchable, and can raise alarms.",
    remediation="Modify the instance to publish its engine's logs (error and audit logs at least, e.g. postgresql, "
    "error, audit, general) to CloudWatch Logs.",
)
def logs_exported_to_cloudwatch(inventory: Inventory) -> Iterable[Outcome]:
    # A cluster member's log exports are its cluster's setting (aws.rds.cluster_logs_exported_to_cloudwatch).
    for db in _instances(inventory, standalone=True):
        exports = db.get("cloudwatch_logs_exports")
        if exports is None:
            continue  # collected before the exports were kept
        dbid = str(db.get("id"))
        kinds = sorted(str(kind) for kind in exports)
        reason = (
            f"DB instance {dbid} exports {', '.join(kinds)} logs to CloudWatch Logs"
            if kinds
            else f"DB instance {dbid} exports no logs to CloudWatch Logs"
        )
        yield result(bool(kinds), dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), log_exports=kinds)


def _snapshots(inventory: Inventory) -> Iterator[DbSnapshot | Outcome]:
    """Every manual snapshot, or an error outcome for a region whose snapshots could not be listed."""
    return listed_items(inventory, "rds", "snapshots", noun="DB snapshots", resource_type=DB_SNAPSHOT)


@aws_check(
    id="aws.rds.snapshot_not_public",
    title="RDS snapshots are not public",
    severity=Severity.CRITICAL,
    service="rds",
    resource_type=DB_SNAPSHOT,
    rationale="Any AWS account can restore a public snapshot into a database of its own and read all of it.",
    remediation="Remove 'all' from the snapshot's restore attribute and share it with named accounts only.",
)
def snapshot_not_public(inventory: Inventory) -> Iterable[Outcome]:
    for snapshot in _snapshots(inventory):
        if isinstance(snapshot, Outcome):
            yield snapshot
            continue
        sid, region = str(snapshot.get("id")), str(snapshot.get("region", ""))
        if snapshot.get("attributes_error"):
            reason = f"Could not read who may restore snapshot {sid}: {snapshot['attributes_error']}"
            yield error(sid, DB_SNAPSHOT, reason, region=region)
            continue
        public = "all" in snapshot.get("restore_shared_with", [])
        reason = f"DB snapshot {sid} is public" if public else f"DB snapshot {sid} is not public"
        yield result(not public, sid, DB_SNAPSHOT, reason, region=region, public=public)


@aws_check(
    id="aws.rds.snapshot_encrypted",
    title="RDS snapshots are encrypted",
    severity=Severity.MEDIUM,
    service="rds",
    resource_type=DB_SNAPSHOT,
    rationale="An unencrypted snapshot is a plain copy of the database that travels with every copy or share.",
    remediation="Copy the snapshot with a KMS key, delete the unencrypted one, and encrypt the source instance.",
)
def snapshot_encrypted(inventory: Inventory) -> Iterable[Outcome]:
    for snapshot in _snapshots(inventory):
        if isinstance(snapshot, Outcome):
            yield snapshot
            continue
        sid = str(snapshot.get("id"))
        ok = bool(snapshot.get("encrypted"))
        reason = f"DB snapshot {sid} is encrypted" if ok else f"DB snapshot {sid} is not encrypted"
        yield result(ok, sid, DB_SNAPSHOT, reason, region=str(snapshot.get("region", "")), encrypted=ok)


@aws_check(
    id="aws.rds.enhanced_monitoring_enabled",
    title="RDS instances have Enhanced Monitoring on",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="Enhanced Monitoring samples the operating system under the database (processes, memory, disk and "
    "network) every few seconds, the metrics that show an exhausted or misbehaving instance before it fails.",
    remediation="Modify the instance to set a monitoring interval (1 to 60 seconds) and a monitoring role.",
)
def enhanced_monitoring_enabled(inventory: Inventory) -> Iterable[Outcome]:
    # Monitoring is an instance's own setting, an Aurora member's included (each member is monitored apart).
    for db in _instances(inventory):
        if "monitoring_interval" not in db:
            continue  # collected before the interval was kept
        if str(db.get("engine") or "") in NO_ENHANCED_MONITORING_ENGINES:
            continue
        dbid = str(db.get("id"))
        seconds = int(db.get("monitoring_interval") or 0)
        reason = (
            f"DB instance {dbid} has Enhanced Monitoring every {seconds} seconds"
            if seconds > 0
            else f"DB instance {dbid} has Enhanced Monitoring off"
        )
        yield result(
            seconds > 0, dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), monitoring_interval=seconds
        )


@aws_check(
    id="aws.rds.copy_tags_to_snapshot",
    title="RDS instances copy their tags to snapshots",
    severity=Severity.LOW,
    service="rds",
    resource_type=DB_INSTANCE,
    rationale="A snapshot without the instance's tags loses its owner, data classification and the tag-based access "
    "and retention rules that applied to the instance, so a copy of the data escapes them.",
    remediation="Modify the instance to turn on copying tags to snapshots.",
)
def copy_tags_to_snapshot(inventory: Inventory) -> Iterable[Outcome]:
    # A cluster member's snapshots are its cluster's (aws.rds.cluster_copy_tags_to_snapshot).
    for db in _instances(inventory, standalone=True):
        if "copy_tags_to_snapshot" not in db:
            continue  # collected before the setting was kept
        dbid = str(db.get("id"))
        ok = bool(db.get("copy_tags_to_snapshot"))
        reason = (
            f"DB instance {dbid} copies its tags to snapshots"
            if ok
            else f"DB instance {dbid} does not copy its tags to snapshots"
        )
        yield result(ok, dbid, DB_INSTANCE, reason, region=str(db.get("region", "")), copy_tags_to_snapshot=ok)
