"""Aurora and Multi-AZ DB cluster snapshots kept private and encrypted, against moto."""

from __future__ import annotations

from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    OTHER_REGION,
    REGION,
    answer,
    aws,
    by_region,
    collect,
    connector,
    query_error,
    run,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
PUBLIC = "aws.rds.cluster_snapshot_not_public"
ENCRYPTED = "aws.rds.cluster_snapshot_encrypted"
NEPTUNE_PUBLIC = "aws.neptune.cluster_snapshot_not_public"


def _cluster_snapshot(
    endpoint: str,
    cluster: str,
    snapshot: str,
    *,
    engine: str = "aurora-postgresql",
    encrypted: bool = False,
    region: str = REGION,
) -> str:
    """Create ``cluster`` (an RDS engine's) with manual snapshot ``snapshot``; return the snapshot's ARN."""
    rds = aws(endpoint, "rds", region)
    rds.create_db_cluster(
        DBClusterIdentifier=cluster,
        Engine=engine,
        MasterUsername="app",
        MasterUserPassword="a-long-password-1",
        StorageEncrypted=encrypted,
    )
    created = rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=snapshot)
    return str(created["DBClusterSnapshot"]["DBClusterSnapshotArn"])


def _share(endpoint: str, snapshot: str, *accounts: str) -> None:
    aws(endpoint, "rds").modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier=snapshot, AttributeName="restore", ValuesToAdd=list(accounts)
    )


def _reasons(inv: Inventory, check_id: str) -> dict[str, str]:
    return {o.resource_id: o.reason for o in run(inv, check_id)}


def test_public_and_unencrypted_cluster_snapshots_fail_and_private_encrypted_ones_pass(moto_reset: str) -> None:
    # given an unencrypted Aurora PostgreSQL snapshot shared with everyone (and a named account), an unencrypted
    # Aurora MySQL one shared with a named account only, and an encrypted private one
    public = _cluster_snapshot(moto_reset, "orders", "orders-before-migration")
    _share(moto_reset, "orders-before-migration", "all", "111122223333")
    shared = _cluster_snapshot(moto_reset, "billing", "billing-for-audit", engine="aurora-mysql")
    _share(moto_reset, "billing-for-audit", "111122223333")
    private = _cluster_snapshot(moto_reset, "ledger", "ledger-monthly", encrypted=True)
    # when both checks run on one collection
    inv = collect(moto_reset, [PUBLIC, ENCRYPTED])
    # then only the public snapshot fails the sharing check, and only the encrypted one passes encryption; the
    # clusters' automated snapshots are not judged
    assert statuses(run(inv, PUBLIC)) == {public: FAIL, shared: PASS, private: PASS}
    assert statuses(run(inv, ENCRYPTED)) == {public: FAIL, shared: FAIL, private: PASS}
    # and the reasons name the snapshot and what was seen
    reasons = _reasons(inv, PUBLIC)
    assert reasons[public] == "DB cluster snapshot orders-before-migration is public: any AWS account may restore it"
    assert reasons[shared] == "DB cluster snapshot billing-for-audit is not public (shared with 1 named account(s))"
    assert reasons[private] == "DB cluster snapshot ledger-monthly is not public (shared with 0 named account(s))"
    assert _reasons(inv, ENCRYPTED) == {
        public: "DB cluster snapshot orders-before-migration is not encrypted",
        shared: "DB cluster snapshot billing-for-audit is not encrypted",
        private: "DB cluster snapshot ledger-monthly is encrypted",
    }
    # and each outcome carries the cluster snapshot's type, region and the accounts it is shared with
    failed = next(o for o in run(inv, PUBLIC) if o.resource_id == public)
    assert (failed.resource_type, failed.region) == ("AWS::RDS::DBClusterSnapshot", REGION)
    assert failed.observed == {"public": True, "shared_with": ["111122223333"]}


def test_rds_and_neptune_cluster_snapshots_are_each_judged_by_their_own_checks_once(moto_reset: str) -> None:
    # given a public Aurora cluster snapshot and a public Neptune one: RDS's and Neptune's DescribeDBClusterSnapshots
    # are one API and answer each other's snapshots unless asked for their own engines
    aurora = _cluster_snapshot(moto_reset, "orders", "orders-manual")
    _share(moto_reset, "orders-manual", "all")
    neptune = aws(moto_reset, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    graph = neptune.create_db_cluster_snapshot(DBClusterIdentifier="graph", DBClusterSnapshotIdentifier="graph-manual")
    _share(moto_reset, "graph-manual", "all")
    listed = aws(moto_reset, "rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert {s["DBClusterSnapshotIdentifier"] for s in listed} == {"orders-manual", "graph-manual"}
    # when the RDS and Neptune sharing checks run on one collection
    inv = collect(moto_reset, [PUBLIC, NEPTUNE_PUBLIC])
    # then each snapshot fails once, under its own service's check and resource type
    assert statuses(run(inv, PUBLIC)) == {aurora: FAIL}
    assert statuses(run(inv, NEPTUNE_PUBLIC)) == {graph["DBClusterSnapshot"]["DBClusterSnapshotArn"]: FAIL}
    assert {o.resource_type for o in run(inv, NEPTUNE_PUBLIC)} == {"AWS::Neptune::DBClusterSnapshot"}


def test_an_endpoint_ignoring_the_engine_filter_still_gets_only_rds_cluster_snapshots_judged(moto_reset: str) -> None:
    # given an Aurora and a Neptune cluster snapshot, both unencrypted, and a connector whose RDS snapshot listing is
    # sent without its engine filter (as an endpoint ignoring it would answer)
    aurora = _cluster_snapshot(moto_reset, "orders", "orders-manual")
    neptune = aws(moto_reset, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    neptune.create_db_cluster_snapshot(DBClusterIdentifier="graph", DBClusterSnapshotIdentifier="graph-manual")
    built = connector(moto_reset)

    def drop_filters(params: dict[str, object], **_: object) -> None:
        params.pop("Filters", None)

    built.session.events.register("provide-client-params.rds.DescribeDBClusterSnapshots", drop_filters)
    # when the encryption check runs
    outcomes = run(built.collect({"rds"}), ENCRYPTED)
    # then only the Aurora snapshot is judged
    assert statuses(outcomes) == {aurora: FAIL}


def test_cluster_snapshots_are_judged_in_each_scanned_region(moto_reset: str) -> None:
    # given an encrypted snapshot in one region and an unencrypted one in another
    _cluster_snapshot(moto_reset, "orders", "orders-east", encrypted=True)
    _cluster_snapshot(moto_reset, "orders", "orders-west", region=OTHER_REGION)
    # when the encryption check runs over both regions
    outcomes = run(collect(moto_reset, [ENCRYPTED], regions=(REGION, OTHER_REGION)), ENCRYPTED)
    # then each snapshot is judged in its own region
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: FAIL}


def test_cluster_snapshot_reads_that_fail_are_errors_for_the_snapshot_checks_only(moto_reset: str) -> None:
    # given a public Aurora cluster snapshot, and RDS refusing first the cluster snapshot listing, then the
    # attributes read
    snapshot = _cluster_snapshot(moto_reset, "orders", "orders-manual")
    _share(moto_reset, "orders-manual", "all")
    denied = answer([lambda: query_error("AccessDenied", "not authorized", status=403)])
    listing = connector(moto_reset)
    listing.session.events.register("before-send.rds.DescribeDBClusterSnapshots", denied)
    attributes = connector(moto_reset)
    attributes.session.events.register("before-send.rds.DescribeDBClusterSnapshotAttributes", denied)
    # when RDS is collected each way
    no_listing, no_attributes = listing.collect({"rds"}), attributes.collect({"rds"})
    # then a refused listing is an error for the region from both cluster snapshot checks, never a pass, and the
    # cluster itself is still judged
    for check_id in (PUBLIC, ENCRYPTED):
        outcomes = run(no_listing, check_id)
        assert statuses(outcomes) == {ACCOUNT: ERROR}
        assert outcomes[0].reason.startswith(f"Could not list the DB cluster snapshots in {REGION}: ")
    assert statuses(run(no_listing, "aws.rds.cluster_storage_encrypted")) == {
        f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders": FAIL
    }
    # and a refused attributes read is an error from the sharing check only, naming the snapshot
    (error,) = run(no_attributes, PUBLIC)
    assert (error.resource_id, error.status) == (snapshot, ERROR)
    assert error.reason.startswith("Could not read who may restore DB cluster snapshot orders-manual: ")
    assert statuses(run(no_attributes, ENCRYPTED)) == {snapshot: FAIL}


def test_an_inventory_kept_before_cluster_snapshots_were_collected_yields_no_outcome(moto_reset: str) -> None:
    # given an RDS inventory as stored before cluster snapshots were collected (no listing, no listing error)
    _cluster_snapshot(moto_reset, "orders", "orders-manual")
    inv = collect(moto_reset, [PUBLIC])
    for data in inv.data["rds"]["regions"].values():
        data.pop("cluster_snapshots")
    # when the checks run on it
    # then they judge nothing, rather than taking the missing listing for a failed one
    assert run(inv, PUBLIC) == [] and run(inv, ENCRYPTED) == []
