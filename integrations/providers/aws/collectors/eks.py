"""EKS collection (regional): each cluster's API endpoint access and control-plane logging."""

from __future__ import annotations

from typing import Any

from ..shapes_network import EksRegion
from ._common import Scope, paginate, plain


def _enabled_log_types(cluster: dict[str, Any]) -> list[str]:
    types: set[str] = set()
    for setup in cluster.get("logging", {}).get("clusterLogging", []):
        if setup.get("enabled"):
            types.update(str(t) for t in setup.get("types", []))
    return sorted(types)


def collect_eks(scope: Scope) -> EksRegion:
    eks = scope.client("eks")
    clusters: list[dict[str, Any]] = []
    for name in paginate(eks, "list_clusters", "clusters"):
        cluster = eks.describe_cluster(name=name)["cluster"]
        vpc = cluster.get("resourcesVpcConfig", {})
        clusters.append(
            {
                "name": name,
                "arn": cluster.get("arn"),
                # AWS's defaults when a field is left out: a public endpoint open to 0.0.0.0/0.
                "endpoint_public_access": bool(vpc.get("endpointPublicAccess", True)),
                "endpoint_private_access": bool(vpc.get("endpointPrivateAccess", False)),
                "public_access_cidrs": list(vpc.get("publicAccessCidrs", ["0.0.0.0/0"])),
                "enabled_log_types": _enabled_log_types(cluster),
                "region": scope.region,
            }
        )
    return plain({"clusters": clusters})
