"""ElastiCache collection (regional): each Redis or Valkey replication group's encryption, failover and backups, each
cache cluster's minor version upgrades and subnet group, and the subnets of each cache subnet group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..shapes_containers import ElastiCacheRegion
from ._common import Scope, describe_error, paginate, plain, subnet_group

# Both listings carry every setting judged, 100 to a page, and ElastiCache's quota of 300 nodes per region (raised
# on request) keeps them short: they are read whole, with no per-resource calls.
_PAGE_SIZE = 100


def collect_elasticache(scope: Scope) -> ElastiCacheRegion:
    elasticache = scope.client("elasticache")
    pages = {"PaginationConfig": {"PageSize": _PAGE_SIZE}}
    groups = paginate(elasticache, "describe_replication_groups", "ReplicationGroups", **pages)
    clusters = paginate(elasticache, "describe_cache_clusters", "CacheClusters", **pages)
    data: dict[str, Any] = {
        "replication_groups": [_replication_group(scope, g) for g in groups],
        "cache_clusters": [_cache_cluster(scope, c) for c in clusters],
    }
    try:
        subnet_groups = paginate(elasticache, "describe_cache_subnet_groups", "CacheSubnetGroups", **pages)
    except ClientError as exc:
        # Only the subnet check depends on this listing.
        data["subnet_groups_error"] = describe_error(exc)
    else:
        data["subnet_groups"] = [subnet_group(g["CacheSubnetGroupName"], g) for g in subnet_groups]
    return plain(data)


def _replication_group(scope: Scope, group: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": group["ReplicationGroupId"],
        "arn": group.get("ARN"),
        "engine": group.get("Engine"),
        "status": group.get("Status"),
        "at_rest_encryption": group.get("AtRestEncryptionEnabled") is True,
        "transit_encryption": group.get("TransitEncryptionEnabled") is True,
        "transit_encryption_mode": group.get("TransitEncryptionMode"),
        "automatic_failover": group.get("AutomaticFailover"),
        "multi_az": group.get("MultiAZ"),
        "snapshot_retention_days": int(group.get("SnapshotRetentionLimit") or 0),
        "region": scope.region,
        # How clients prove who they are: an AUTH token, or role-based access control through user groups.
        "auth_token_enabled": group.get("AuthTokenEnabled") is True,
        "user_group_ids": [str(g) for g in group.get("UserGroupIds") or []],
    }


def _cache_cluster(scope: Scope, cluster: Mapping[str, Any]) -> dict[str, Any]:
    upgrade = cluster.get("AutoMinorVersionUpgrade")
    return {
        "id": cluster["CacheClusterId"],
        "arn": cluster.get("ARN"),
        "engine": cluster.get("Engine"),
        "replication_group_id": cluster.get("ReplicationGroupId"),
        "auto_minor_version_upgrade": upgrade if isinstance(upgrade, bool) else None,
        "cache_subnet_group": cluster.get("CacheSubnetGroupName") or None,
        "region": scope.region,
    }
