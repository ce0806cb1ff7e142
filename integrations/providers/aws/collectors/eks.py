"""EKS collection (regional): each cluster's API endpoint access, control-plane logging, Kubernetes version, secrets
encryption and deletion protection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..shapes_network import EksRegion
from ._common import Scope, paginate, plain


def _enabled_log_types(cluster: dict[str, Any]) -> list[str]:
    types: set[str] = set()
    for setup in cluster.get("logging", {}).get("clusterLogging", []):
        if setup.get("enabled"):
            types.update(str(t) for t in setup.get("types", []))
    return sorted(types)


def _secrets_kms_key(cluster: dict[str, Any]) -> str | None:
    """The KMS key that envelope-encrypts the cluster's Kubernetes secrets, or None when none is configured."""
    for config in cluster.get("encryptionConfig") or []:
        if "secrets" in (config.get("resources") or []):
            return (config.get("provider") or {}).get("keyArn") or None
    return None


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
                "version": cluster.get("version"),
                "secrets_kms_key": _secrets_kms_key(cluster),
                # Left out for clusters made before EKS offered it (they have none).
                "deletion_protection": bool(cluster.get("deletionProtection")),
            }
        )
    return plain({"collected_at": datetime.now(UTC), "clusters": clusters})
