"""DynamoDB Accelerator (DAX) checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, aws, collect, run, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
DAX_CHECKS = ("aws.dax.encryption_at_rest", "aws.dax.encryption_in_transit")


def _cluster(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """A DAX cluster, one node unless ``settings`` (create_cluster's own: SSESpecification, ...) say otherwise."""
    return str(
        aws(endpoint, "dax", region).create_cluster(
            ClusterName=name,
            NodeType="dax.t3.small",
            IamRoleArn=f"arn:aws:iam::{ACCOUNT}:role/dax-tables",
            **{"ReplicationFactor": 1, **settings},
        )["Cluster"]["ClusterArn"]
    )


def test_dax_cluster_encryption(moto_reset: str) -> None:
    # given a cluster encrypted at rest and over TLS, one encrypted at rest only (in another region), and one on DAX's
    # defaults (neither)
    sealed = _cluster(moto_reset, "sealed", SSESpecification={"Enabled": True}, ClusterEndpointEncryptionType="TLS")
    at_rest = _cluster(moto_reset, "at-rest", OTHER_REGION, SSESpecification={"Enabled": True})
    bare = _cluster(moto_reset, "bare")
    # when both checks run on one collection over the two regions
    inv = collect(moto_reset, DAX_CHECKS, [REGION, OTHER_REGION])
    # then each setting is judged on its own
    assert statuses(run(inv, "aws.dax.encryption_at_rest")) == {sealed: PASS, at_rest: PASS, bare: FAIL}
    assert statuses(run(inv, "aws.dax.encryption_in_transit")) == {sealed: PASS, at_rest: FAIL, bare: FAIL}
    reasons = {o.resource_id: o.reason for o in run(inv, "aws.dax.encryption_in_transit")}
    assert reasons[at_rest] == "DAX cluster at-rest serves clients without TLS (endpoint encryption NONE)"
    assert {o.resource_id: o.region for o in run(inv, "aws.dax.encryption_at_rest")}[at_rest] == OTHER_REGION
    at_rest_reasons = {o.resource_id: o.reason for o in run(inv, "aws.dax.encryption_at_rest")}
    assert at_rest_reasons[bare] == "DAX cluster bare does not encrypt its data at rest (encryption DISABLED)"


def test_dax_clusters_pass_with_nodes_in_several_zones(moto_reset: str) -> None:
    # given a three-node cluster left for DAX to spread, a three-node cluster pinned to one zone, a single node, and
    # in another region a cluster still being created
    multi_az = _cluster(moto_reset, "spread", ReplicationFactor=3)
    pinned = _cluster(
        moto_reset, "pinned", ReplicationFactor=3, AvailabilityZones=[f"{REGION}b", f"{REGION}b", f"{REGION}b"]
    )
    single = _cluster(moto_reset, "single")
    creating = _cluster(moto_reset, "creating", OTHER_REGION, ReplicationFactor=3)
    for _ in range(4):  # moto makes a cluster available, its nodes listed, on its fourth description
        aws(moto_reset, "dax").describe_clusters()
    # when the check runs over both regions
    outcomes = run(
        collect(moto_reset, ["aws.dax.cluster_multi_az"], [REGION, OTHER_REGION]), "aws.dax.cluster_multi_az"
    )
    # then only the spread cluster passes, the reasons say where the nodes are, and the cluster still being created
    # (no nodes listed yet) is not judged
    assert creating not in statuses(outcomes)
    assert statuses(outcomes) == {multi_az: PASS, pinned: FAIL, single: FAIL}
    assert {o.resource_id: o.reason for o in outcomes} == {
        multi_az: "DAX cluster spread runs 3 nodes in 3 Availability Zones",
        pinned: f"DAX cluster pinned runs all 3 of its nodes in {REGION}b",
        single: f"DAX cluster single runs a single node (in {REGION}a)",
    }
