"""MemoryDB cluster checks (TLS, authentication, automatic snapshots, minor upgrades, replicas in other zones) against
moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import OTHER_REGION, REGION, aws, by_region, collect, run, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
TLS = "aws.memorydb.cluster_tls_enabled"
ACL = "aws.memorydb.cluster_acl_not_open_access"
SNAPSHOTS = "aws.memorydb.cluster_snapshots_enabled"
MINOR = "aws.memorydb.cluster_auto_minor_version_upgrade"
MULTI_AZ = "aws.memorydb.cluster_multi_az"
CHECKS = [TLS, ACL, SNAPSHOTS, MINOR, MULTI_AZ]


def _cluster(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    created = aws(endpoint, "memorydb", region).create_cluster(ClusterName=name, NodeType="db.t4g.small", **settings)
    return str(created["Cluster"]["ARN"])


def test_a_hardened_cluster_passes_every_check_and_a_bare_one_fails_them(moto_reset: str) -> None:
    # given a cluster with TLS, a named users' list, a week of snapshots, minor upgrades on and a replica per shard
    # (MemoryDB's defaults), and one made without TLS (so under open-access), snapshots, minor upgrades or replicas
    # (moto 5.2 keeps a cluster's ACLName without serving CreateACL)
    hardened = _cluster(moto_reset, "orders", ACLName="orders-users", SnapshotRetentionLimit=7)
    bare = _cluster(
        moto_reset,
        "scratch",
        ACLName="open-access",
        TLSEnabled=False,
        AutoMinorVersionUpgrade=False,
        NumReplicasPerShard=0,
    )
    # when the four checks run on one collection
    collected = collect(moto_reset, CHECKS)
    # then the hardened cluster passes each and the bare one fails each, saying why
    assert {cid: statuses(run(collected, cid)) for cid in CHECKS} == {
        cid: {hardened: PASS, bare: FAIL} for cid in CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in CHECKS for o in run(collected, cid)}
    assert reasons[(TLS, hardened)] == "MemoryDB cluster orders encrypts client traffic with TLS"
    assert reasons[(TLS, bare)] == "MemoryDB cluster scratch serves clients without TLS"
    assert reasons[(ACL, hardened)] == (
        "MemoryDB cluster orders makes clients authenticate through access control list orders-users"
    )
    assert reasons[(ACL, bare)] == (
        "MemoryDB cluster scratch uses the open-access list: clients connect without a password"
    )
    assert reasons[(SNAPSHOTS, hardened)] == "MemoryDB cluster orders keeps automatic snapshots for 7 days"
    assert reasons[(SNAPSHOTS, bare)] == "MemoryDB cluster scratch takes no automatic snapshots"
    assert reasons[(MINOR, bare)] == "MemoryDB cluster scratch does not take minor upgrades"
    assert reasons[(MULTI_AZ, hardened)] == "MemoryDB cluster orders keeps replicas in more than one Availability Zone"
    assert reasons[(MULTI_AZ, bare)] == "MemoryDB cluster scratch runs in a single Availability Zone (SingleAZ)"


def test_clusters_are_judged_in_their_own_region(moto_reset: str) -> None:
    # given a TLS cluster in each of two regions
    east = _cluster(moto_reset, "orders", ACLName="open-access")
    west = _cluster(moto_reset, "orders", region=OTHER_REGION, ACLName="open-access")
    # when the TLS check runs over both regions
    outcomes = run(collect(moto_reset, [TLS], [REGION, OTHER_REGION]), TLS)
    # then each is judged once, in its region
    assert by_region(outcomes) == {REGION: PASS, OTHER_REGION: PASS}
    assert sorted(o.resource_id for o in outcomes) == sorted([east, west])
