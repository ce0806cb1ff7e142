"""DynamoDB Accelerator (DAX) checks: clusters encrypt the cached items at rest and their traffic with TLS, and
run nodes in more than one Availability Zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_databases import DaxCluster
from ._common import aws_check, items, result

CLUSTER = "AWS::DAX::Cluster"
# DAX's answers: SSEDescription Status and ClusterEndpointEncryptionType.
SSE_ENABLED = "ENABLED"
TLS = "TLS"


def _clusters(inventory: Inventory) -> Iterator[DaxCluster]:
    return items(inventory, "dax", "clusters")


def _judge(inventory: Inventory, key: str, wanted: str, *, on: str, off: str) -> Iterator[Outcome]:
    """One outcome per cluster: whether its ``key`` setting is ``wanted``; ``on``/``off`` finish the reason after the
    cluster's name, ``off`` with ``{value}`` for what DAX reported."""
    for cluster in _clusters(inventory):
        name, value = cluster.get("name"), cluster.get(key)
        ok = value == wanted
        reason = f"DAX cluster {name} {on if ok else off.format(value=value or 'not reported')}"
        resource = str(cluster.get("arn") or name)
        yield result(ok, resource, CLUSTER, reason, region=cluster["region"], **{key: value})


@aws_check(
    id="aws.dax.encryption_at_rest",
    title="DAX clusters encrypt cached data at rest",
    severity=Severity.MEDIUM,
    service="dax",
    resource_type=CLUSTER,
    rationale="A DAX cluster holds copies of the DynamoDB items it caches, its configuration and logs on its "
    "nodes' disks; without encryption at rest those copies are not protected like the table they come from.",
    remediation="Encryption at rest can only be chosen when a cluster is made: create a cluster with server-side "
    "encryption enabled, point the clients at it and delete this one.",
)
def dax_encryption_at_rest(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "sse_status",
        SSE_ENABLED,
        on="encrypts its data at rest",
        off="does not encrypt its data at rest (encryption {value})",
    )


@aws_check(
    id="aws.dax.encryption_in_transit",
    title="DAX clusters encrypt client traffic with TLS",
    severity=Severity.MEDIUM,
    service="dax",
    resource_type=CLUSTER,
    rationale="Without TLS on the cluster endpoint, the items an application reads and writes through DAX cross "
    "the network in plain text and the client cannot tell the cluster from an impostor.",
    remediation="The endpoint's encryption can only be chosen when a cluster is made: create a cluster with "
    "ClusterEndpointEncryptionType TLS, move the clients to its TLS endpoint (daxs://) and delete this one.",
)
def dax_encryption_in_transit(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "endpoint_encryption",
        TLS,
        on="serves clients over TLS",
        off="serves clients without TLS (endpoint encryption {value})",
    )


@aws_check(
    id="aws.dax.cluster_multi_az",
    title="DAX clusters run nodes in more than one Availability Zone",
    severity=Severity.MEDIUM,
    service="dax",
    resource_type=CLUSTER,
    rationale="A DAX cluster with every node in one Availability Zone, or with one node, goes down with that zone "
    "or node, and every read the application sends through it fails or falls back to DynamoDB at once. AWS "
    "recommends three nodes in three zones for production.",
    remediation="Add nodes (IncreaseReplicationFactor, naming Availability Zones other than the current one), or "
    "recreate the cluster with a replication factor of three and its nodes left for DAX to spread over zones.",
)
def dax_cluster_multi_az(inventory: Inventory) -> Iterable[Outcome]:
    for cluster in _clusters(inventory):
        zones = cluster.get("node_zones")
        if not zones:
            continue  # an inventory stored before node zones were kept, or a cluster still being created
        name = cluster["name"]
        spread = sorted(set(zones))
        if len(spread) > 1:
            reason = f"DAX cluster {name} runs {len(zones)} nodes in {len(spread)} Availability Zones"
        elif len(zones) > 1:
            reason = f"DAX cluster {name} runs all {len(zones)} of its nodes in {spread[0]}"
        else:
            reason = f"DAX cluster {name} runs a single node (in {spread[0]})"
        resource = str(cluster.get("arn") or name)
        yield result(
            len(spread) > 1, resource, CLUSTER, reason, region=cluster["region"], zones=spread, nodes=len(zones)
        )
