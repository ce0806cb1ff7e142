"""DocumentDB cluster and cluster snapshot checks against moto's RDS backend, which serves DocumentDB's API once
``tests.moto_additions.docdb`` lets it take the ``docdb`` engine."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import (
    OTHER_REGION,
    REGION,
    answer,
    aws,
    collect,
    connector,
    only,
    query_error,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
CLUSTER_CHECKS = [
    "aws.docdb.cluster_storage_encrypted",
    "aws.docdb.cluster_backup_retention_7_days",
    "aws.docdb.cluster_audit_logs_exported",
    "aws.docdb.cluster_deletion_protection",
    "aws.docdb.cluster_multi_az",
]
SNAPSHOT_PUBLIC = "aws.docdb.cluster_snapshot_not_public"
SNAPSHOT_ENCRYPTED = "aws.docdb.cluster_snapshot_encrypted"


def _docdb(endpoint: str, name: str, region: str = REGION, zones: str = "a", **settings: Any) -> str:
    """DocumentDB cluster ``name`` (create_db_cluster's own ``settings``) with one instance in each of ``zones``;
    its ARN."""
    docdb = aws(endpoint, "docdb", region)
    created = docdb.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="docdb",
        MasterUsername="docadmin",
        MasterUserPassword="a-long-password-1",
        **settings,
    )
    for index, zone in enumerate(zones, start=1):
        docdb.create_db_instance(
            DBInstanceIdentifier=f"{name}-{index}",
            DBClusterIdentifier=name,
            Engine="docdb",
            DBInstanceClass="db.r6g.large",
            AvailabilityZone=f"{region}{zone}",
        )
    return str(created["DBCluster"]["DBClusterArn"])


def _snapshot(endpoint: str, cluster: str, name: str, *shared_with: str) -> str:
    docdb = aws(endpoint, "docdb")
    created = docdb.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=name)
    if shared_with:
        docdb.modify_db_cluster_snapshot_attribute(
            DBClusterSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=list(shared_with)
        )
    return str(created["DBClusterSnapshot"]["DBClusterSnapshotArn"])


def test_docdb_checks_pass_a_hardened_cluster_and_fail_a_bare_one(moto_reset: str) -> None:
    # given a cluster encrypted, keeping a week of backups, exporting its audit and profiler logs, protected from
    # deletion, with instances in two zones; and a cluster created with DocumentDB's defaults and one instance
    hardened = _docdb(
        moto_reset,
        "catalog",
        zones="ab",
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        EnableCloudwatchLogsExports=["audit", "profiler"],
        DeletionProtection=True,
    )
    bare = _docdb(moto_reset, "scratch")
    # when the cluster checks run on one collection
    collected = collect(moto_reset, CLUSTER_CHECKS)
    # then the hardened cluster passes each and the bare one fails each
    assert {cid: statuses(run(collected, cid)) for cid in CLUSTER_CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in CLUSTER_CHECKS
    }
    # and the reasons name the cluster and what was seen
    reasons = {(cid, o.resource_id): o.reason for cid in CLUSTER_CHECKS for o in run(collected, cid)}
    encrypted, retention, audit, protection, zones = CLUSTER_CHECKS
    assert reasons[(encrypted, hardened)].startswith("DocumentDB cluster catalog encrypts its storage (KMS key ")
    assert reasons[(encrypted, bare)] == "DocumentDB cluster scratch does not encrypt its storage"
    assert reasons[(retention, bare)] == "DocumentDB cluster scratch keeps automated backups for 1 day, under 7"
    assert reasons[(audit, hardened)] == "DocumentDB cluster catalog exports its audit log to CloudWatch Logs"
    assert reasons[(protection, bare)] == "DocumentDB cluster scratch has deletion protection off"
    assert reasons[(zones, hardened)] == "DocumentDB cluster catalog has instances in more than one Availability Zone"
    assert reasons[(zones, bare)] == (
        "DocumentDB cluster scratch has no instance in a second Availability Zone to fail over to (1 instance)"
    )
    # and each outcome is filed under DocumentDB's resource type, in the cluster's region
    outcomes = [o for cid in CLUSTER_CHECKS for o in run(collected, cid)]
    assert {(o.resource_type, o.region) for o in outcomes} == {("AWS::DocDB::DBCluster", REGION)}


def test_exporting_only_the_profiler_log_fails_the_audit_check(moto_reset: str) -> None:
    # given a cluster, in the other region, exporting its profiler log but not its audit log
    arn = _docdb(moto_reset, "slow", region=OTHER_REGION, EnableCloudwatchLogsExports=["profiler"])
    # when the audit log check runs there
    outcome = only(scan(moto_reset, "aws.docdb.cluster_audit_logs_exported", regions=[OTHER_REGION]))
    # then it fails, saying what is exported
    assert (outcome.resource_id, outcome.status, outcome.region) == (arn, FAIL, OTHER_REGION)
    assert outcome.reason == "DocumentDB cluster slow exports profiler logs to CloudWatch Logs but not its audit log"


def test_each_engine_is_judged_by_its_own_checks_only(moto_reset: str) -> None:
    # given an unencrypted DocumentDB cluster, Neptune cluster and Aurora cluster, each with an unencrypted public
    # snapshot: one management API answers all three unless asked for one engine
    documents = _docdb(moto_reset, "documents")
    graph = aws(moto_reset, "neptune").create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")["DBCluster"]
    aws(moto_reset, "rds").create_db_cluster(
        DBClusterIdentifier="orders", Engine="aurora-postgresql", MasterUsername="app", MasterUserPassword="a-long-pw-1"
    )
    snapshots = {
        name: _snapshot(moto_reset, name, f"{name}-manual", "all") for name in ("documents", "graph", "orders")
    }
    checks = [
        "aws.docdb.cluster_storage_encrypted",
        "aws.neptune.cluster_storage_encrypted",
        SNAPSHOT_PUBLIC,
        "aws.neptune.cluster_snapshot_not_public",
        "aws.rds.cluster_snapshot_not_public",
    ]
    # when the DocumentDB, Neptune and RDS checks run on one collection
    collected = collect(moto_reset, checks)
    # then each cluster and snapshot is judged once, by its own engine's checks
    assert [statuses(run(collected, cid)) for cid in checks] == [
        {documents: FAIL},
        {graph["DBClusterArn"]: FAIL},
        {snapshots["documents"]: FAIL},
        {snapshots["graph"]: FAIL},
        {snapshots["orders"]: FAIL},
    ]


def test_docdb_snapshots_fail_when_public_or_unencrypted(moto_reset: str) -> None:
    # given an encrypted cluster's snapshot shared with a named account, and an unencrypted cluster's public one
    _docdb(moto_reset, "ledger", StorageEncrypted=True)
    _docdb(moto_reset, "scratch")
    private = _snapshot(moto_reset, "ledger", "ledger-monthly", "111122223333")
    public = _snapshot(moto_reset, "scratch", "scratch-export", "all")
    # when both snapshot checks run on one collection
    collected = collect(moto_reset, [SNAPSHOT_PUBLIC, SNAPSHOT_ENCRYPTED])
    # then the public one fails sharing, the unencrypted one fails encryption, and the reasons say so
    assert statuses(run(collected, SNAPSHOT_PUBLIC)) == {private: PASS, public: FAIL}
    assert statuses(run(collected, SNAPSHOT_ENCRYPTED)) == {private: PASS, public: FAIL}
    reasons = {o.resource_id: o.reason for o in run(collected, SNAPSHOT_PUBLIC)}
    assert reasons[public] == "DocumentDB cluster snapshot scratch-export is public: any AWS account may restore it"
    assert {o.resource_type for o in run(collected, SNAPSHOT_ENCRYPTED)} == {"AWS::DocDB::DBClusterSnapshot"}


def test_a_refused_snapshot_listing_is_an_error_for_the_snapshot_checks_only(moto_reset: str) -> None:
    # given a DocumentDB cluster, and its snapshot listing refused
    cluster = _docdb(moto_reset, "catalog", StorageEncrypted=True)
    built = connector(moto_reset)
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    built.session.events.register("before-send.docdb.DescribeDBClusterSnapshots", denied)
    # when the cluster and snapshot checks run
    collected = built.collect({"docdb"})
    # then the cluster is still judged, and each snapshot check reports one error for the region, naming the refusal
    assert statuses(run(collected, "aws.docdb.cluster_storage_encrypted")) == {cluster: PASS}
    for check_id in (SNAPSHOT_PUBLIC, SNAPSHOT_ENCRYPTED):
        outcome = only(run(collected, check_id))
        assert (outcome.status, outcome.region) == (ERROR, REGION)
        assert "AccessDenied" in outcome.reason
