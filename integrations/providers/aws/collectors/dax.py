"""DynamoDB Accelerator collection (regional): each DAX cluster's encryption at rest and on its endpoint, and the
Availability Zones its nodes run in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_databases import DaxRegion
from ._common import Scope, paginate, plain


def collect_dax(scope: Scope) -> DaxRegion:
    listed = paginate(scope.client("dax"), "describe_clusters", "Clusters")
    return plain({"clusters": [_cluster(c, scope.region) for c in listed]})


def _cluster(c: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "name": c["ClusterName"],
        "arn": c.get("ClusterArn"),
        "status": c.get("Status"),
        # SSEDescription is left out for clusters made before DAX offered encryption at rest: none then.
        "sse_status": (c.get("SSEDescription") or {}).get("Status"),
        # Left out by clusters made before DAX offered TLS, which all serve plain text (NONE).
        "endpoint_encryption": c.get("ClusterEndpointEncryptionType"),
        "node_zones": [str(n.get("AvailabilityZone")) for n in c.get("Nodes") or [] if n.get("AvailabilityZone")],
        "region": region,
    }
