"""Data store and key collection (regional): RDS instances, clusters, instance and cluster snapshots, the TLS
parameters of their parameter groups and event subscriptions, EFS file systems (with their policies) and access
points, KMS keys."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ..shapes import RDS_CLUSTER_ENGINES, KmsRegion, RdsRegion
from ..shapes_databases import RDS_TLS_PARAMETERS
from ..shapes_storage import EfsRegion
from ._common import Scope, concurrently, describe_error, optional, paginate, plain, policy_document


def _db_instance(d: dict[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": d["DBInstanceIdentifier"],
        "arn": d.get("DBInstanceArn"),
        "engine": d.get("Engine"),
        "storage_encrypted": bool(d.get("StorageEncrypted")),
        "auto_minor_version_upgrade": bool(d.get("AutoMinorVersionUpgrade")),
        "publicly_accessible": bool(d.get("PubliclyAccessible")),
        "region": region,
        "backup_retention_period": int(d.get("BackupRetentionPeriod") or 0),
        "deletion_protection": bool(d.get("DeletionProtection")),
        "multi_az": bool(d.get("MultiAZ")),
        "iam_auth": bool(d.get("IAMDatabaseAuthenticationEnabled")),
        "cluster_id": d.get("DBClusterIdentifier"),
        "cloudwatch_logs_exports": list(d.get("EnabledCloudwatchLogsExports") or []),
        "monitoring_interval": int(d.get("MonitoringInterval") or 0),
        "copy_tags_to_snapshot": bool(d.get("CopyTagsToSnapshot")),
        "master_username": d.get("MasterUsername"),
        "parameter_group": next((g.get("DBParameterGroupName") for g in d.get("DBParameterGroups") or []), None),
        "tags": _tags(d),
        "replica_of": d.get("ReadReplicaSourceDBInstanceIdentifier") or None,
        "port": (d.get("Endpoint") or {}).get("Port") or d.get("DbInstancePort") or None,
    }


def _tags(answer: Mapping[str, Any]) -> dict[str, str]:
    """An instance's or cluster's TagList, which DescribeDBInstances and DescribeDBClusters answer with it (AWS Backup
    selections by tag match them)."""
    return {str(t["Key"]): str(t.get("Value", "")) for t in answer.get("TagList") or []}


def _db_clusters(rds: BaseClient, region: str) -> list[dict[str, Any]]:
    listed = paginate(
        rds,
        "describe_db_clusters",
        "DBClusters",
        Filters=[{"Name": "engine", "Values": sorted(RDS_CLUSTER_ENGINES)}],
    )
    # RDS's DescribeDBClusters also answers Neptune's and DocumentDB's clusters (one API for all three): the filter
    # asks for RDS's engines only, and the engine is checked again so an endpoint ignoring the filter cannot get a
    # Neptune cluster judged here as well as by the Neptune checks.
    return [_db_cluster(c, region) for c in listed if c.get("Engine") in RDS_CLUSTER_ENGINES]


def _db_cluster(c: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": c["DBClusterIdentifier"],
        "arn": c.get("DBClusterArn"),
        "engine": c.get("Engine"),
        "status": c.get("Status"),
        "storage_encrypted": bool(c.get("StorageEncrypted")),
        "kms_key_id": c.get("KmsKeyId") or None,
        "backup_retention_period": int(c.get("BackupRetentionPeriod") or 0),
        "cloudwatch_logs_exports": [str(kind) for kind in c.get("EnabledCloudwatchLogsExports") or []],
        "iam_auth": bool(c.get("IAMDatabaseAuthenticationEnabled")),
        "deletion_protection": bool(c.get("DeletionProtection")),
        "copy_tags_to_snapshot": bool(c.get("CopyTagsToSnapshot")),
        "multi_az": bool(c.get("MultiAZ")),
        "members": [str(m["DBInstanceIdentifier"]) for m in c.get("DBClusterMembers") or []],
        "region": region,
        "master_username": c.get("MasterUsername"),
        "parameter_group": c.get("DBClusterParameterGroup"),
        "tags": _tags(c),
        "port": c.get("Port") or None,
        "engine_mode": c.get("EngineMode"),
        "backtrack_window": int(c.get("BacktrackWindow") or 0),
    }


def _db_snapshots(rds: BaseClient, region: str) -> list[dict[str, Any]]:
    snapshots: list[dict[str, Any]] = []
    # Only manual snapshots can be shared, so only they can be public.
    for s in paginate(rds, "describe_db_snapshots", "DBSnapshots", SnapshotType="manual"):
        entry: dict[str, Any] = {
            "id": s["DBSnapshotIdentifier"],
            "arn": s.get("DBSnapshotArn"),
            "encrypted": bool(s.get("Encrypted")),
            "restore_shared_with": [],
            "region": region,
        }
        try:
            result = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=entry["id"])["DBSnapshotAttributesResult"]
            for attribute in result.get("DBSnapshotAttributes", []):
                if attribute.get("AttributeName") == "restore":
                    entry["restore_shared_with"] = list(attribute.get("AttributeValues") or [])
        except ClientError as exc:
            entry["attributes_error"] = describe_error(exc)
        snapshots.append(entry)
    return snapshots


def manual_cluster_snapshots(client: BaseClient, region: str, engines: Collection[str]) -> list[dict[str, Any]]:
    """The region's manual DB cluster snapshots of ``engines``' clusters, each with who may restore it. RDS, Neptune
    and DocumentDB answer one another's snapshots through their shared API: the engine filter is asked for and each
    snapshot's engine checked again, so an endpoint that ignored the filter cannot get a snapshot judged twice.
    Automated snapshots are left out: they cannot be shared and inherit their cluster's encryption. The sharing
    attributes are read concurrently, one call per snapshot."""
    listed = paginate(
        client,
        "describe_db_cluster_snapshots",
        "DBClusterSnapshots",
        SnapshotType="manual",
        Filters=[{"Name": "engine", "Values": sorted(engines)}],
    )
    return concurrently(
        functools.partial(_cluster_snapshot, client, region), [s for s in listed if s.get("Engine") in engines]
    )


def _cluster_snapshot(client: BaseClient, region: str, s: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": s["DBClusterSnapshotIdentifier"],
        "arn": s.get("DBClusterSnapshotArn"),
        "cluster_id": s.get("DBClusterIdentifier"),
        "engine": s.get("Engine"),
        "encrypted": bool(s.get("StorageEncrypted")),
        "restore_shared_with": [],
        "region": region,
    }
    try:
        answer = client.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=entry["id"])
    except ClientError as exc:
        entry["attributes_error"] = describe_error(exc)
    else:
        for attribute in answer["DBClusterSnapshotAttributesResult"].get("DBClusterSnapshotAttributes", []):
            if attribute.get("AttributeName") == "restore":
                entry["restore_shared_with"] = [str(v) for v in attribute.get("AttributeValues") or []]
    return entry


def collect_rds(scope: Scope) -> RdsRegion:
    rds = scope.client("rds")
    instances = paginate(rds, "describe_db_instances", "DBInstances")
    data: dict[str, Any] = {"db_instances": [_db_instance(d, scope.region) for d in instances]}
    try:
        data["snapshots"] = _db_snapshots(rds, scope.region)
    except ClientError as exc:
        # Only the snapshot checks depend on this listing.
        data["snapshots_error"] = describe_error(exc)
    try:
        data["cluster_snapshots"] = manual_cluster_snapshots(rds, scope.region, RDS_CLUSTER_ENGINES)
    except ClientError as exc:
        # Only the cluster snapshot checks depend on this listing.
        data["cluster_snapshots_error"] = describe_error(exc)
    try:
        data["db_clusters"] = _db_clusters(rds, scope.region)
    except ClientError as exc:
        # Only the cluster checks depend on this listing.
        data["db_clusters_error"] = describe_error(exc)
    data.update(_rds_settings(rds, scope.region, data))
    return plain(data)


def _rds_settings(rds: BaseClient, region: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The TLS parameters of every parameter group in use by an engine that has one, each group read once (an instance
    in a DB cluster takes TLS from its cluster's group), and the region's event subscriptions."""
    instance_groups = {
        d["parameter_group"]
        for d in data["db_instances"]
        if d["parameter_group"] and d["engine"] in RDS_TLS_PARAMETERS and not d["cluster_id"]
    }
    cluster_groups = {
        c["parameter_group"]
        for c in data.get("db_clusters", [])
        if c["parameter_group"] and c["engine"] in RDS_TLS_PARAMETERS
    }
    settings: dict[str, Any] = {
        "parameter_groups": _tls_parameters(rds, "describe_db_parameters", "DBParameterGroupName", instance_groups),
        "cluster_parameter_groups": _tls_parameters(
            rds, "describe_db_cluster_parameters", "DBClusterParameterGroupName", cluster_groups
        ),
    }
    try:
        listed = paginate(rds, "describe_event_subscriptions", "EventSubscriptionsList")
    except ClientError as exc:
        # Only the event subscription check depends on this listing.
        settings["event_subscriptions_error"] = describe_error(exc)
        return settings
    settings["event_subscriptions"] = [_event_subscription(s, region) for s in listed]
    return settings


def _tls_parameters(rds: BaseClient, operation: str, name_field: str, names: set[str]) -> dict[str, Any]:
    """Group name -> the ``RDS_TLS_PARAMETERS`` it holds (name -> value), or the error reading it."""
    wanted = set(RDS_TLS_PARAMETERS.values())

    def read(name: str) -> dict[str, Any]:
        try:
            listed = paginate(rds, operation, "Parameters", **{name_field: name})
        except ClientError as exc:
            return {"error": describe_error(exc)}
        kept = {p["ParameterName"]: p.get("ParameterValue") for p in listed if p["ParameterName"] in wanted}
        # A parameter the group lists without a value is kept as None (unset); one it does not list is left out.
        return {"parameters": kept}

    ordered = sorted(names)
    return dict(zip(ordered, concurrently(read, ordered), strict=True))


def _event_subscription(s: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "name": s.get("CustSubscriptionId"),
        "arn": s.get("EventSubscriptionArn"),
        "enabled": bool(s.get("Enabled")),
        "status": s.get("Status"),
        "source_type": s.get("SourceType") or None,
        "source_ids": [str(i) for i in s.get("SourceIdsList") or []],
        "categories": [str(c) for c in s.get("EventCategoriesList") or []],
        "topic_arn": s.get("SnsTopicArn"),
        "region": region,
    }


def _backup_policy(efs: BaseClient, fs_id: str) -> dict[str, Any]:
    try:
        policy = optional(
            lambda: efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"],
            {"PolicyNotFound"},
        )
    except ClientError as exc:
        return {"backup_policy_error": describe_error(exc)}
    return {"backup_policy": (policy or {}).get("Status")}


def _file_system_policy(efs: BaseClient, fs_id: str) -> dict[str, Any]:
    """The file system's resource policy; None when it has none (AWS's default policy then applies)."""
    try:
        text = optional(lambda: efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"], {"PolicyNotFound"})
    except ClientError as exc:
        return {"policy_error": describe_error(exc)}
    return {"policy": policy_document(text)}


def _mount_targets(efs: BaseClient, fs_id: str) -> dict[str, Any]:
    """The subnets (with their VPC) the file system has mount targets in, or why they could not be read."""
    try:
        targets = paginate(efs, "describe_mount_targets", "MountTargets", FileSystemId=fs_id)
    except ClientError as exc:
        return {"mount_targets_error": describe_error(exc)}
    return {
        "mount_targets": [
            {"id": str(t.get("MountTargetId")), "subnet_id": str(t.get("SubnetId")), "vpc_id": t.get("VpcId")}
            for t in targets
        ]
    }


def _access_points(efs: BaseClient, region: str) -> dict[str, Any]:
    """Every access point of the region's file systems (one listing: no file system named), or why not."""
    try:
        listed = paginate(efs, "describe_access_points", "AccessPoints")
    except ClientError as exc:
        # Only the access point checks depend on this listing.
        return {"access_points_error": describe_error(exc)}
    return {
        "access_points": [
            {
                "id": ap["AccessPointId"],
                "arn": ap.get("AccessPointArn"),
                "file_system_id": ap.get("FileSystemId"),
                # AWS leaves RootDirectory out, or its Path, when the access point exposes the file system's root.
                "root_directory": (ap.get("RootDirectory") or {}).get("Path") or "/",
                "posix_user": ap.get("PosixUser"),
                "region": region,
            }
            for ap in listed
        ]
    }


def collect_efs(scope: Scope) -> EfsRegion:
    efs = scope.client("efs")
    systems = paginate(efs, "describe_file_systems", "FileSystems")

    def read(f: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": f["FileSystemId"],
            "arn": f.get("FileSystemArn"),
            "encrypted": bool(f.get("Encrypted")),
            "kms_key_id": f.get("KmsKeyId"),
            # Set for One Zone storage only; a Regional file system (stored across zones) has none.
            "availability_zone": f.get("AvailabilityZoneName"),
            "region": scope.region,
            **_backup_policy(efs, f["FileSystemId"]),
            **_file_system_policy(efs, f["FileSystemId"]),
            **_mount_targets(efs, f["FileSystemId"]),
        }

    return plain({"file_systems": concurrently(read, systems), **_access_points(efs, scope.region)})


def _key_policy(kms: BaseClient, key_id: str) -> dict[str, Any]:
    try:
        text = kms.get_key_policy(KeyId=key_id, PolicyName="default").get("Policy")
    except ClientError as exc:
        return {"policy_error": describe_error(exc)}
    return {"policy": policy_document(text)}


def collect_kms(scope: Scope) -> KmsRegion:
    kms = scope.client("kms")
    keys = concurrently(functools.partial(_key, kms, scope.region), paginate(kms, "list_keys", "Keys"))
    return plain({"keys": keys})


def _key(kms: BaseClient, region: str, listed: Mapping[str, Any]) -> dict[str, Any]:
    meta = kms.describe_key(KeyId=listed["KeyId"])["KeyMetadata"]
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    customer = meta.get("KeyManager") == "CUSTOMER"
    rotatable = (
        customer
        and spec == "SYMMETRIC_DEFAULT"
        and meta.get("KeyState") == "Enabled"
        and meta.get("Origin") == "AWS_KMS"
    )
    # Rotation status only exists for enabled symmetric keys with AWS-held material.
    rotation = kms.get_key_rotation_status(KeyId=listed["KeyId"]).get("KeyRotationEnabled") if rotatable else None
    key: dict[str, Any] = {
        "id": meta["KeyId"],
        "arn": meta.get("Arn"),
        "manager": meta.get("KeyManager"),
        "spec": spec,
        "state": meta.get("KeyState"),
        "origin": meta.get("Origin"),
        "rotation_enabled": rotation,
        "region": region,
        # PRIMARY or REPLICA for a multi-Region key, None for a single-Region one
        "multi_region": (meta.get("MultiRegionConfiguration") or {}).get("MultiRegionKeyType")
        if meta.get("MultiRegion")
        else None,
    }
    # AWS-managed keys have policies AWS writes and nobody can change: not worth a call each.
    if customer:
        key.update(_key_policy(kms, listed["KeyId"]))
    return key
