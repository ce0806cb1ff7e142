"""Redshift collection (regional): provisioned clusters with their exposure, encryption, snapshot, audit, upgrade,
routing, admin user and Multi-AZ settings, and whether their parameter groups require SSL."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes_storage import RedshiftRegion
from ._common import Scope, concurrently, describe_error, paginate, plain


def collect_redshift(scope: Scope) -> RedshiftRegion:
    redshift = scope.client("redshift")
    listed = paginate(redshift, "describe_clusters", "Clusters")
    clusters = concurrently(functools.partial(_cluster, redshift, scope), listed)
    # Clusters share groups: each group the region's clusters use is read once.
    names = sorted({name for cluster in clusters for name in cluster["parameter_groups"]})
    groups = dict(zip(names, concurrently(functools.partial(_parameter_group, redshift), names), strict=True))
    return plain({"clusters": clusters, "parameter_groups": groups})


def _parameter_group(redshift: BaseClient, name: str) -> dict[str, Any]:
    """What the group sets for ``require_ssl`` (None when it lists no such parameter), or why it could not be read."""
    try:
        parameters = paginate(redshift, "describe_cluster_parameters", "Parameters", ParameterGroupName=name)
    except ClientError as exc:
        return {"error": describe_error(exc)}
    value = next((p.get("ParameterValue") for p in parameters if p.get("ParameterName") == "require_ssl"), None)
    return {"require_ssl": None if value is None else str(value).lower() == "true"}


def _cluster(redshift: BaseClient, scope: Scope, c: Mapping[str, Any]) -> dict[str, Any]:
    cid = c["ClusterIdentifier"]
    cluster: dict[str, Any] = {
        "id": cid,
        "arn": f"arn:{scope.partition}:redshift:{scope.region}:{scope.account_id}:cluster:{cid}",
        "publicly_accessible": bool(c.get("PubliclyAccessible")),
        "encrypted": bool(c.get("Encrypted")),
        "kms_key_id": c.get("KmsKeyId"),
        "snapshot_retention_days": int(c.get("AutomatedSnapshotRetentionPeriod") or 0),
        # AWS always answers these two; a missing one is kept as unknown rather than taken for off.
        "allow_version_upgrade": c.get("AllowVersionUpgrade"),
        "enhanced_vpc_routing": c.get("EnhancedVpcRouting"),
        "master_username": c.get("MasterUsername"),
        "database_name": c.get("DBName"),
        # "Enabled" or "Disabled"; None when DescribeClusters left it out.
        "multi_az": c.get("MultiAZ"),
        "parameter_groups": [g["ParameterGroupName"] for g in c.get("ClusterParameterGroups") or []],
        "audit_logging": False,
        "log_destination": None,
        "log_bucket": None,
        "region": scope.region,
    }
    try:
        status = redshift.describe_logging_status(ClusterIdentifier=cid)
    except ClientError as exc:
        # Only the audit logging check needs this read; the other cluster checks still judge.
        cluster["logging_error"] = describe_error(exc)
        return cluster
    cluster["audit_logging"] = bool(status.get("LoggingEnabled"))
    cluster["log_destination"] = status.get("LogDestinationType") or None
    cluster["log_bucket"] = status.get("BucketName") or None
    return cluster
