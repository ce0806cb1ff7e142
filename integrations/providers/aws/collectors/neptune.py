"""Neptune collection (regional): each Neptune DB cluster's encryption, backups, log exports, deletion protection,
tag copying, zones and subnet group (with the region's subnet groups, where it has clusters), and each manual
cluster snapshot's encryption and sharing. DocumentDB's collector makes the
same reads for its own engine (``engine_clusters``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..shapes_databases import NeptuneRegion
from ._common import Scope, describe_error, paginate, plain, subnet_group
from .data_stores import manual_cluster_snapshots

# Neptune, DocumentDB and RDS share one management API and one set of clusters: Neptune's DescribeDBClusters answers
# the account's Aurora and DocumentDB clusters too unless asked for this engine's alone.
NEPTUNE_ENGINE = "neptune"


def collect_neptune(scope: Scope) -> NeptuneRegion:
    return engine_clusters(scope, "neptune", NEPTUNE_ENGINE, subnet_groups=True)


def engine_clusters(scope: Scope, client_name: str, engine: str, *, subnet_groups: bool = False) -> NeptuneRegion:
    """The region's DB clusters of ``engine`` and their manual snapshots, through ``client_name``'s client; with
    ``subnet_groups``, the region's DB subnet groups too where it has clusters (a check judges where they are)."""
    client = scope.client(client_name)
    listed = paginate(client, "describe_db_clusters", "DBClusters", Filters=[{"Name": "engine", "Values": [engine]}])
    # The filter is asked for, and the engine checked again: an endpoint that ignored the filter must still not get
    # another engine's clusters judged as this one's.
    clusters = [_cluster(c, scope.region) for c in listed if c.get("Engine") == engine]
    data: dict[str, Any] = {"clusters": clusters}
    if subnet_groups and clusters:  # one listing, read only where there are clusters to place
        try:
            groups = paginate(client, "describe_db_subnet_groups", "DBSubnetGroups")
        except ClientError as exc:
            data["subnet_groups_error"] = describe_error(exc)  # only the subnet check depends on it
        else:
            data["subnet_groups"] = [subnet_group(g["DBSubnetGroupName"], g) for g in groups]
    try:
        data["snapshots"] = manual_cluster_snapshots(client, scope.region, {engine})
    except ClientError as exc:
        # Only the snapshot checks depend on this listing.
        data["snapshots_error"] = describe_error(exc)
    return plain(data)


def _cluster(c: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": c["DBClusterIdentifier"],
        "arn": c.get("DBClusterArn"),
        "status": c.get("Status"),
        "storage_encrypted": bool(c.get("StorageEncrypted")),
        "kms_key_id": c.get("KmsKeyId") or None,
        "backup_retention_period": int(c.get("BackupRetentionPeriod") or 0),
        "cloudwatch_logs_exports": [str(kind) for kind in c.get("EnabledCloudwatchLogsExports") or []],
        "deletion_protection": bool(c.get("DeletionProtection")),
        "copy_tags_to_snapshot": bool(c.get("CopyTagsToSnapshot")),
        "multi_az": bool(c.get("MultiAZ")),
        "members": [str(m["DBInstanceIdentifier"]) for m in c.get("DBClusterMembers") or []],
        "iam_auth": bool(c.get("IAMDatabaseAuthenticationEnabled")),
        "subnet_group": c.get("DBSubnetGroup") or None,
        "region": region,
    }
