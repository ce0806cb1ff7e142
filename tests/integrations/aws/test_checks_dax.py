"""DynamoDB Accelerator (DAX) checks against moto."""

from __future__ import annotations

from typing import Any

from integrations.registry import OutcomeStatus
from tests.integrations.aws.support import ACCOUNT, OTHER_REGION, REGION, aws, collect, run, statuses

PASS, FAIL = OutcomeStatus.PASS, OutcomeStatus.FAIL
DAX_CHECKS = ("aws.dax.encryption_at_rest", "aws.dax.encryption_in_transit")


def _cluster(endpoint: str, name: str, region: str = REGION, **settings: Any) -> str:
    """A one-node DAX cluster; ``settings`` are create_cluster's own (SSESpecification, ...)."""
    return str(
        aws(endpoint, "dax", region).create_cluster(
            ClusterName=name,
            NodeType="dax.t3.small",
            ReplicationFactor=1,
            IamRoleArn=f"arn:aws:iam::{ACCOUNT}:role/dax-tables",
            **settings,
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
