"""RDS DB cluster checks (Aurora and Multi-AZ DB clusters), and how the instance checks treat cluster members."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    db_instance,
    only,
    query_error,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CLUSTER_CHECKS = [
    "aws.rds.cluster_storage_encrypted",
    "aws.rds.cluster_logs_exported_to_cloudwatch",
    "aws.rds.cluster_iam_authentication_enabled",
    "aws.rds.cluster_deletion_protection",
    "aws.rds.cluster_backup_retention_7_days",
    "aws.rds.cluster_copy_tags_to_snapshot",
    "aws.rds.cluster_multi_az",
]
# Settings of an Aurora PostgreSQL cluster that passes every cluster check (with members in two zones).
HARDENED = {
    "StorageEncrypted": True,
    "EnableCloudwatchLogsExports": ["postgresql"],
    "EnableIAMDatabaseAuthentication": True,
    "DeletionProtection": True,
    "BackupRetentionPeriod": 7,
    "CopyTagsToSnapshot": True,
}


def _cluster(endpoint: str, name: str, engine: str = "aurora-postgresql", region: str = REGION, **settings: Any) -> str:
    """Create a DB cluster; returns its ARN (the cluster checks' resource id)."""
    created = aws(endpoint, "rds", region).create_db_cluster(
        DBClusterIdentifier=name,
        Engine=engine,
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
        **settings,
    )
    return str(created["DBCluster"]["DBClusterArn"])


def _member(endpoint: str, name: str, cluster: str, zone: str, engine: str = "aurora-postgresql") -> None:
    aws(endpoint, "rds").create_db_instance(
        DBInstanceIdentifier=name,
        DBClusterIdentifier=cluster,
        Engine=engine,
        DBInstanceClass="db.r5.large",
        AvailabilityZone=zone,
    )


def test_cluster_checks_pass_a_hardened_cluster_and_fail_a_bare_one(moto_reset: str) -> None:
    # given a hardened Aurora PostgreSQL cluster with a writer and a reader in two zones, and an Aurora MySQL
    # cluster on the defaults (unencrypted, no log exports, passwords only, unprotected, 1 day of backups, untagged
    # snapshots) with a single instance
    hardened = _cluster(moto_reset, "orders", **HARDENED)
    _member(moto_reset, "orders-1", "orders", "us-east-1a")
    _member(moto_reset, "orders-2", "orders", "us-east-1b")
    bare = _cluster(moto_reset, "scratch", engine="aurora-mysql")
    _member(moto_reset, "scratch-1", "scratch", "us-east-1a", engine="aurora-mysql")
    # when every cluster check runs on one collection
    inventory = collect(moto_reset, CLUSTER_CHECKS)
    # then the hardened cluster passes all of them and the bare one fails all of them
    assert {cid: statuses(run(inventory, cid)) for cid in CLUSTER_CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in CLUSTER_CHECKS
    }


def test_cluster_reasons_and_observations(moto_reset: str) -> None:
    # given a cluster keeping 3 days of backups and exporting its PostgreSQL log
    arn = _cluster(moto_reset, "ledger", BackupRetentionPeriod=3, EnableCloudwatchLogsExports=["postgresql"])
    # when the backup and log export checks run
    inventory = collect(moto_reset, ["aws.rds.cluster_backup_retention_7_days"])
    backups = only(run(inventory, "aws.rds.cluster_backup_retention_7_days"))
    logs = only(run(inventory, "aws.rds.cluster_logs_exported_to_cloudwatch"))
    # then the backups fail saying how long they are kept, and the log export passes naming what is exported
    assert (backups.resource_id, backups.status) == (arn, FAIL)
    assert backups.reason == "DB cluster ledger keeps automated backups for 3 days"
    assert backups.observed == {"backup_retention_period": 3}
    assert (logs.status, logs.reason) == (PASS, "DB cluster ledger exports postgresql logs to CloudWatch Logs")


def test_a_multi_az_db_cluster_is_judged_and_neptune_clusters_are_not(moto_reset: str) -> None:
    # given a Multi-AZ DB cluster of MySQL, with encrypted storage, and a Neptune cluster
    multi_az = _cluster(
        moto_reset,
        "billing",
        engine="mysql",
        DBClusterInstanceClass="db.m5d.large",
        StorageType="io1",
        AllocatedStorage=100,
        Iops=1000,
        StorageEncrypted=True,
    )
    aws(moto_reset, "neptune").create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    # when the cluster storage check runs
    outcomes = scan(moto_reset, "aws.rds.cluster_storage_encrypted")
    # then the MySQL cluster is judged and the Neptune cluster is left to the Neptune checks
    assert statuses(outcomes) == {multi_az: PASS}


def test_an_endpoint_ignoring_the_engine_filter_still_gets_no_neptune_cluster_judged(moto_reset: str) -> None:
    # given an Aurora cluster and a Neptune cluster, and a connector whose RDS cluster listing is sent without its
    # filter (as an endpoint ignoring it would answer)
    orders = _cluster(moto_reset, "orders", DeletionProtection=True)
    aws(moto_reset, "neptune").create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    built = connector(moto_reset)

    def drop_filters(params: dict[str, Any], **_: Any) -> None:
        params.pop("Filters", None)

    built.session.events.register("provide-client-params.rds.DescribeDBClusters", drop_filters)
    # when the deletion protection check runs
    outcomes = run(built.collect({"rds"}), "aws.rds.cluster_deletion_protection")
    # then only the Aurora cluster is judged
    assert statuses(outcomes) == {orders: PASS}


def test_cluster_members_are_judged_once_on_their_cluster(moto_reset: str) -> None:
    # given an unencrypted Aurora cluster without IAM authentication or tag copying, with a member, and a standalone
    # instance alike
    orders = _cluster(moto_reset, "orders")
    _member(moto_reset, "orders-1", "orders", "us-east-1a")
    db_instance(moto_reset, "billing")
    settings = [
        ("aws.rds.storage_encrypted", "aws.rds.cluster_storage_encrypted"),
        ("aws.rds.iam_authentication_enabled", "aws.rds.cluster_iam_authentication_enabled"),
        ("aws.rds.copy_tags_to_snapshot", "aws.rds.cluster_copy_tags_to_snapshot"),
        ("aws.rds.logs_exported_to_cloudwatch", "aws.rds.cluster_logs_exported_to_cloudwatch"),
        ("aws.rds.backup_retention_7_days", "aws.rds.cluster_backup_retention_7_days"),
        ("aws.rds.deletion_protection", "aws.rds.cluster_deletion_protection"),
        ("aws.rds.multi_az", "aws.rds.cluster_multi_az"),
    ]
    # when the instance checks and their cluster counterparts run on one collection
    inventory = collect(moto_reset, [check for pair in settings for check in pair])
    # then each instance check judges the standalone instance only, and its cluster check the cluster
    for instance_check, cluster_check in settings:
        assert statuses(run(inventory, instance_check)) == {"billing": FAIL}, instance_check
        assert statuses(run(inventory, cluster_check)) == {orders: FAIL}, cluster_check
    # and the instance's own settings (monitoring, public access, minor upgrades) are still judged per member
    for own in ("aws.rds.enhanced_monitoring_enabled", "aws.rds.not_publicly_accessible"):
        assert set(statuses(run(inventory, own))) == {"orders-1", "billing"}, own


def test_cluster_listing_denied_is_an_error_for_the_cluster_checks_only(moto_reset: str) -> None:
    # given a cluster and a standalone instance, and RDS refusing DescribeDBClusters (and only that)
    _cluster(moto_reset, "orders")
    db_instance(moto_reset, "kept", DeletionProtection=True)
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    built.session.events.register("before-send.rds.DescribeDBClusters", denied)
    # when RDS is collected and a cluster check and an instance check run
    inventory = built.collect({"rds"})
    clusters = run(inventory, "aws.rds.cluster_deletion_protection")
    # then the cluster check reports an error for the region, and the instance check still judges
    assert [(o.resource_id, o.status) for o in clusters] == [(ACCOUNT, ERROR)]
    assert "AccessDenied" in clusters[0].reason and "DB clusters" in clusters[0].reason
    assert statuses(run(inventory, "aws.rds.deletion_protection")) == {"kept": PASS}


def test_clusters_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a cluster in the other region only
    arn = _cluster(moto_reset, "west-orders", region=OTHER_REGION)
    # when the deletion protection check scans both regions
    outcome = only(scan(moto_reset, "aws.rds.cluster_deletion_protection", [REGION, OTHER_REGION]))
    # then the cluster is judged once, in its region
    assert (outcome.resource_id, outcome.region, outcome.status) == (arn, OTHER_REGION, FAIL)


# --- instance settings: Enhanced Monitoring, tags copied to snapshots ---------------------------------------------


def test_instance_monitoring_and_snapshot_tags(moto_reset: str) -> None:
    # given an instance sampled by Enhanced Monitoring every minute that copies its tags to snapshots, and one doing
    # neither
    db_instance(
        moto_reset,
        "watched",
        MonitoringInterval=60,
        MonitoringRoleArn=f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring",
        CopyTagsToSnapshot=True,
    )
    db_instance(moto_reset, "unwatched")
    checks = ["aws.rds.enhanced_monitoring_enabled", "aws.rds.copy_tags_to_snapshot"]
    # when both checks run on one collection
    inventory = collect(moto_reset, checks)
    # then the first passes both and the second fails both
    assert {cid: statuses(run(inventory, cid)) for cid in checks} == {
        cid: {"watched": PASS, "unwatched": FAIL} for cid in checks
    }
    monitoring = {o.resource_id: o for o in run(inventory, "aws.rds.enhanced_monitoring_enabled")}
    assert monitoring["watched"].reason == "DB instance watched has Enhanced Monitoring every 60 seconds"
    assert monitoring["unwatched"].observed == {"monitoring_interval": 0}


def test_neptune_instances_are_not_judged_for_enhanced_monitoring(moto_reset: str) -> None:
    # given a Neptune cluster's instance (Neptune has no Enhanced Monitoring) and an RDS instance
    aws(moto_reset, "neptune").create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    aws(moto_reset, "neptune").create_db_instance(
        DBInstanceIdentifier="graph-1", DBClusterIdentifier="graph", Engine="neptune", DBInstanceClass="db.r5.large"
    )
    db_instance(moto_reset, "billing")
    # when the monitoring check runs
    outcomes = scan(moto_reset, "aws.rds.enhanced_monitoring_enabled")
    # then only the RDS instance is judged
    assert statuses(outcomes) == {"billing": FAIL}


INSTANCE_PORT = "aws.rds.instance_non_default_port"
CLUSTER_PORT = "aws.rds.cluster_non_default_port"


def test_instances_and_clusters_on_their_engine_default_port_fail(moto_reset: str) -> None:
    # given PostgreSQL and MySQL instances on their default ports and on others, a cluster member (judged on its
    # cluster), and Aurora clusters on the default and on another port
    db_instance(moto_reset, "pg-default")
    db_instance(moto_reset, "pg-moved", Port=6432)
    db_instance(moto_reset, "my-default", engine="mysql")
    default_cluster = _cluster(moto_reset, "orders")
    moved_cluster = _cluster(moto_reset, "billing", Port=15432)
    db_instance(moto_reset, "orders-1", engine="aurora-postgresql", DBClusterIdentifier="orders")
    # when both port checks run on one collection
    collected = collect(moto_reset, [INSTANCE_PORT, CLUSTER_PORT])
    instances = {o.resource_id: o for o in run(collected, INSTANCE_PORT)}
    clusters = {o.resource_id: o for o in run(collected, CLUSTER_PORT)}
    # then the default ports fail, each naming it; the cluster member is left to its cluster
    assert statuses(instances.values()) == {"pg-default": FAIL, "pg-moved": PASS, "my-default": FAIL}
    assert instances["my-default"].reason == "DB instance my-default listens on its engine default port 3306"
    assert instances["pg-moved"].observed == {"port": 6432, "engine_default_port": 5432}
    assert statuses(clusters.values()) == {default_cluster: FAIL, moved_cluster: PASS}
    assert clusters[moved_cluster].reason == "DB cluster billing listens on port 15432"


def test_aurora_mysql_clusters_without_a_backtrack_window_fail_and_other_engines_are_not_judged(
    moto_reset: str,
) -> None:
    # given an Aurora MySQL cluster with a day of backtracking, one without, and an Aurora PostgreSQL cluster
    rewindable = _cluster(moto_reset, "orders", engine="aurora-mysql", BacktrackWindow=86_400)
    fixed = _cluster(moto_reset, "ledger", engine="aurora-mysql")
    _cluster(moto_reset, "reports")
    # when the check runs
    outcomes = scan(moto_reset, "aws.rds.cluster_backtrack_enabled")
    # then only the MySQL clusters are judged, and the one without a window fails
    assert statuses(outcomes) == {rewindable: PASS, fixed: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[rewindable] == "DB cluster orders can be backtracked up to 24 hours"
    assert reasons[fixed] == "DB cluster ledger has no backtrack window"
