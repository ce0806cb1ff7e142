"""MemoryDB collection (regional): each cluster's TLS, access control list, automatic snapshots, minor version
upgrades and Availability Zones, all from one DescribeClusters listing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes_databases import MemoryDbRegion
from ._common import Scope, paginate, plain


def collect_memorydb(scope: Scope) -> MemoryDbRegion:
    listed = paginate(scope.client("memorydb"), "describe_clusters", "Clusters")
    return plain({"clusters": [_cluster(c, scope.region) for c in listed]})


def _cluster(c: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "name": c["Name"],
        "arn": c.get("ARN"),
        "status": c.get("Status"),
        "tls_enabled": c.get("TLSEnabled"),
        "acl_name": c.get("ACLName"),
        "auto_minor_version_upgrade": c.get("AutoMinorVersionUpgrade"),
        "snapshot_retention_limit": int(c.get("SnapshotRetentionLimit") or 0),
        "availability_mode": c.get("AvailabilityMode"),
        "region": region,
    }
