"""Inventory shapes of the database services beside RDS: Neptune and DocumentDB clusters, DMS replication and DAX
clusters.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``neptune``,
``docdb``, ``dms`` and ``dax`` as ``Regional[...]`` of their region shape. A read that failed for one part of a region
is kept beside it (``*_error``) so only the checks that needed the read report an error.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import DbClusterSnapshot, Regional

# --- neptune (DB clusters) -------------------------------------------------------------


class NeptuneCluster(TypedDict):
    id: str  # DBClusterIdentifier
    arn: str | None
    status: str | None
    storage_encrypted: bool
    kms_key_id: str | None
    backup_retention_period: int  # days of automated backups (Neptune keeps at least 1)
    cloudwatch_logs_exports: list[str]  # EnabledCloudwatchLogsExports: "audit", "slowquery"
    deletion_protection: bool
    region: str
    # Kept since the tag copying and zone checks (inventories stored before them are not judged by those):
    copy_tags_to_snapshot: NotRequired[bool]
    multi_az: NotRequired[bool]  # MultiAZ: instances in more than one Availability Zone
    members: NotRequired[list[str]]  # DBClusterMembers' instance identifiers
    iam_auth: NotRequired[bool]  # IAMDatabaseAuthenticationEnabled (Neptune; DocumentDB has no such setting)
    subnet_group: NotRequired[str | None]  # DBSubnetGroup: the name of the cluster's DB subnet group


class DbSubnetGroup(TypedDict):
    name: str  # DBSubnetGroupName
    vpc_id: str | None
    subnet_ids: list[str]


class NeptuneRegion(TypedDict):
    clusters: list[NeptuneCluster]
    snapshots: NotRequired[list[DbClusterSnapshot]]
    snapshots_error: NotRequired[str]  # DescribeDBClusterSnapshots failed: only the snapshot checks report it
    # The region's DB subnet groups, listed only where it has clusters; or why DescribeDBSubnetGroups failed.
    subnet_groups: NotRequired[list[DbSubnetGroup]]
    subnet_groups_error: NotRequired[str]


# --- docdb (DocumentDB clusters) ---------------------------------------------------------
# The same reads as Neptune's through the same management API, filtered to the docdb engine: the same fields
# (log exports "audit" and "profiler").
DocDbCluster = NeptuneCluster
DocDbRegion = NeptuneRegion


# --- dms (replication instances and endpoints) --------------------------------------------


class ReplicationInstance(TypedDict):
    id: str  # ReplicationInstanceIdentifier
    arn: str | None
    status: str | None
    # Each None when DMS did not report the setting; the checks then read AWS's default for it.
    publicly_accessible: bool | None
    multi_az: bool | None
    auto_minor_version_upgrade: bool | None
    region: str


class DmsEndpoint(TypedDict):
    id: str  # EndpointIdentifier
    arn: str | None
    endpoint_type: str | None  # "SOURCE" or "TARGET"
    engine: str | None  # EngineName: "postgres", "s3", ...
    ssl_mode: str | None  # "none", "require", "verify-ca" or "verify-full"; None: not reported
    # RedisSettings.SslSecurityProtocol: "plaintext" or "ssl-encryption"; None: not reported (DMS's default is TLS).
    # Absent in inventories collected before it was read.
    redis_ssl_protocol: NotRequired[str | None]
    # MongoDbSettings.AuthType ("no" or "password"; None: not reported) and NeptuneSettings.IamAuthEnabled (None: not
    # reported); absent in inventories collected before they were read.
    mongodb_auth_type: NotRequired[str | None]
    neptune_iam_auth: NotRequired[bool | None]
    region: str


class DmsRegion(TypedDict):
    replication_instances: list[ReplicationInstance]
    endpoints: NotRequired[list[DmsEndpoint]]
    endpoints_error: NotRequired[str]  # DescribeEndpoints failed: only the endpoint check reports it
    # DescribeReplicationTasks, absent in inventories collected before it was read
    replication_tasks: NotRequired[list[ReplicationTask]]
    replication_tasks_error: NotRequired[str]


class ReplicationTask(TypedDict):
    id: str  # ReplicationTaskIdentifier
    arn: str | None
    status: str | None
    migration_type: str | None  # full-load, cdc or full-load-and-cdc
    # The Logging part of ReplicationTaskSettings: EnableLogging (None: not set, and DMS's default is off) and each
    # LogComponents entry's Severity by its Id (SOURCE_UNLOAD, SOURCE_CAPTURE, TARGET_LOAD, TARGET_APPLY, ...).
    logging_enabled: bool | None
    log_severities: dict[str, str]
    settings_error: NotRequired[str]  # the settings were not a JSON document
    region: str


# --- dax (DynamoDB Accelerator clusters) -----------------------------------------------------


class DaxCluster(TypedDict):
    name: str  # ClusterName
    arn: str | None
    status: str | None
    sse_status: str | None  # SSEDescription Status: "ENABLED", "DISABLED", ...; None: not reported
    endpoint_encryption: str | None  # ClusterEndpointEncryptionType: "TLS" or "NONE"; None: not reported
    # Nodes[].AvailabilityZone, one per node; absent from inventories stored before it was kept
    node_zones: NotRequired[list[str]]
    region: str


class DaxRegion(TypedDict):
    clusters: list[DaxCluster]


# --- memorydb (MemoryDB clusters) ------------------------------------------------------------


class MemoryDbCluster(TypedDict):
    name: str  # Name
    arn: str | None
    status: str | None
    tls_enabled: bool | None  # TLSEnabled; None: not reported
    acl_name: str | None  # ACLName: "open-access" lets any client connect without a password
    auto_minor_version_upgrade: bool | None  # AutoMinorVersionUpgrade; None: not reported
    snapshot_retention_limit: int  # SnapshotRetentionLimit: days of automatic snapshots (0: none)
    availability_mode: str | None  # AvailabilityMode: "MultiAZ" (replicas in other zones) or "SingleAZ"
    region: str


class MemoryDbRegion(TypedDict):
    clusters: list[MemoryDbCluster]


# --- rds settings (parameter groups and event subscriptions, kept in ``shapes.RdsRegion``) ---------------------

# The parameter that makes an engine refuse connections without TLS, by RDS engine name (instances and clusters).
# Oracle (an option group's SSL option), Db2 and RDS Custom have none: they are not judged.
RDS_TLS_PARAMETERS: dict[str, str] = {
    **dict.fromkeys(("postgres", "aurora-postgresql"), "rds.force_ssl"),
    **dict.fromkeys(("sqlserver-ee", "sqlserver-se", "sqlserver-ex", "sqlserver-web"), "rds.force_ssl"),
    **dict.fromkeys(("mysql", "mariadb", "aurora-mysql"), "require_secure_transport"),
}


class RdsParameterGroup(TypedDict):
    """What one DB (or DB cluster) parameter group sets among the ``RDS_TLS_PARAMETERS``, or why it is unknown."""

    parameters: NotRequired[dict[str, str | None]]  # name -> ParameterValue (None: no value); absent: not in group
    error: NotRequired[str]  # DescribeDBParameters (DescribeDBClusterParameters) failed for this group


class RdsEventSubscription(TypedDict):
    name: str  # CustSubscriptionId
    arn: str | None
    enabled: bool
    status: str | None  # "active", "no-permission", "topic-not-exist", ...
    source_type: str | None  # "db-instance", "db-cluster", ...; None: every source type
    source_ids: list[str]  # the sources it is limited to; empty: every source of its type
    categories: list[str]  # EventCategoriesList; empty: every category
    topic_arn: str | None
    region: str


class DatabasesInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    neptune: Regional[NeptuneRegion]
    docdb: Regional[DocDbRegion]
    dms: Regional[DmsRegion]
    dax: Regional[DaxRegion]
    memorydb: Regional[MemoryDbRegion]
