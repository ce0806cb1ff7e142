"""Neptune collection (regional): each Neptune DB cluster's encryption, backups, log exports and deletion protection,
and each manual cluster snapshot's encryption and sharing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_databases import NeptuneRegion
from ._common import Scope, describe_error, paginate, plain

# Neptune, DocumentDB and RDS share one management API and one set of clusters: Neptune's DescribeDBClusters answers
# the account's Aurora and DocumentDB clusters too unless asked for this engine's alone.
NEPTUNE_ENGINE = "neptune"


def collect_neptune(scope: Scope) -> NeptuneRegion:
    listed = paginate(
        scope.client("neptune"),
        "describe_db_clusters",
        "DBClusters",
        Filters=[{"Name": "engine", "Values": [NEPTUNE_ENGINE]}],
    )
    # The filter is asked for, and the engine checked again: an endpoint that ignored the filter must still not get
    # RDS's or DocumentDB's clusters judged as Neptune's.
    clusters = [_cluster(c, scope.region) for c in listed if c.get("Engine") == NEPTUNE_ENGINE]
    data: dict[str, Any] = {"clusters": clusters}
    try:
        data["snapshots"] = _snapshots(scope.client("neptune"), scope.region)
    except ClientError as exc:
        # Only the snapshot checks depend on this listing.
        data["snapshots_error"] = describe_error(exc)
    return plain(data)


def _snapshots(neptune: BaseClient, region: str) -> list[dict[str, Any]]:
    # Only manual snapshots can be shared (an automated one inherits its cluster's encryption, judged on the cluster);
    # the engine is checked again as for clusters.
    listed = paginate(
        neptune,
        "describe_db_cluster_snapshots",
        "DBClusterSnapshots",
        SnapshotType="manual",
        Filters=[{"Name": "engine", "Values": [NEPTUNE_ENGINE]}],
    )
    snapshots: list[dict[str, Any]] = []
    for s in listed:
        if s.get("Engine") != NEPTUNE_ENGINE:
            continue
        entry: dict[str, Any] = {
            "id": s["DBClusterSnapshotIdentifier"],
            "arn": s.get("DBClusterSnapshotArn"),
            "cluster_id": s.get("DBClusterIdentifier"),
            "encrypted": bool(s.get("StorageEncrypted")),
            "restore_shared_with": [],
            "region": region,
        }
        try:
            answer = neptune.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=entry["id"])
        except ClientError as exc:
            entry["attributes_error"] = describe_error(exc)
        else:
            for attribute in answer["DBClusterSnapshotAttributesResult"].get("DBClusterSnapshotAttributes", []):
                if attribute.get("AttributeName") == "restore":
                    entry["restore_shared_with"] = [str(v) for v in attribute.get("AttributeValues") or []]
        snapshots.append(entry)
    return snapshots


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
        "region": region,
    }
