"""Inventory shapes of the container and caching services: ECS task definitions, ElastiCache, Kinesis Data Streams
and Amazon MQ brokers.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``ecs``, ``elasticache``,
``kinesis`` and ``mq`` as ``Regional[...]`` of their region shape. A read that failed for one resource is kept on it
(``describe_error``) so only that resource's outcomes are errors.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import Regional

# --- ecs (the latest ACTIVE revision of each task definition family) -------------------


class EcsContainer(TypedDict):
    name: str
    privileged: bool  # containerDefinitions[].privileged; ECS's default is false
    readonly_root_filesystem: bool  # readonlyRootFilesystem; ECS's default is false (a writable root)
    log_driver: str | None  # logConfiguration.logDriver; None: the container has no log configuration
    # The names of its plain ``environment`` variables, never their values (which may be the very secrets the
    # check looks for); ``secrets`` (valueFrom Secrets Manager or Parameter Store) are not listed.
    environment_names: list[str]
    # Variable name -> the kinds of credential its value looks like (collectors/user_data.py SECRET_KINDS), only for
    # values that look like one; absent in inventories collected before values were scanned.
    environment_findings: NotRequired[dict[str, list[str]]]


class EcsTaskDefinition(TypedDict):
    family: str
    arn: str  # the revision's ARN (…:task-definition/family:revision); the family's, without one, when not described
    revision: int | None
    network_mode: str | None  # bridge, host, awsvpc or none; None: not reported (ECS's default on Linux is bridge)
    pid_mode: str | None  # host or task; None: not set (each container gets its own PID namespace)
    containers: list[EcsContainer]
    region: str
    describe_error: NotRequired[str]  # DescribeTaskDefinition failed: only the family is known


class EcsService(TypedDict):
    name: str
    arn: str
    awsvpc: bool  # it has an awsvpcConfiguration (awsvpc network mode); only those get an ENI and IP of their own
    assign_public_ip: str | None  # awsvpcConfiguration.assignPublicIp: ENABLED or DISABLED
    # Absent from inventories collected before they were kept (those services are not judged on them):
    launch_type: NotRequired[str | None]  # EC2, FARGATE or EXTERNAL; None when a capacity provider strategy is used
    capacity_providers: NotRequired[list[str]]  # capacityProviderStrategy's providers (FARGATE, FARGATE_SPOT, ...)
    platform_version: NotRequired[str | None]  # Fargate platform version: LATEST, 1.4.0, ...; None: not reported
    platform_family: NotRequired[str | None]  # Fargate platform family: LINUX or WINDOWS_SERVER_...; None: not reported


class EcsCluster(TypedDict):
    name: str
    arn: str
    container_insights: str | None  # settings' containerInsights: enabled, enhanced or disabled
    services: list[EcsService]  # the first ``services_truncated_at`` when the cluster holds more
    services_error: NotRequired[str]  # ListServices or DescribeServices failed
    services_truncated_at: NotRequired[int]


class EcsRegion(TypedDict):
    task_definitions: list[EcsTaskDefinition]  # one per family with an ACTIVE revision, the first ``truncated_at``
    truncated_at: NotRequired[int]  # set only when the region held more active families than were read
    # ListClusters/DescribeClusters, absent in inventories collected before they were read
    clusters: NotRequired[list[EcsCluster]]
    clusters_error: NotRequired[str]
    clusters_truncated_at: NotRequired[int]


# --- elasticache (replication groups, cache clusters) ---------------------------------------


class ReplicationGroup(TypedDict):
    id: str
    arn: str | None
    engine: str | None  # redis or valkey (replication groups are never memcached); None: not reported
    status: str | None
    at_rest_encryption: bool  # AtRestEncryptionEnabled
    transit_encryption: bool  # TransitEncryptionEnabled
    transit_encryption_mode: str | None  # "required", or "preferred" (plain connections still accepted); None: unset
    automatic_failover: str | None  # enabled, disabled, enabling or disabling
    multi_az: str | None  # enabled or disabled
    snapshot_retention_days: int  # SnapshotRetentionLimit; 0: no automatic backups
    region: str
    # AuthTokenEnabled and UserGroupIds (role-based access control); absent in inventories collected before.
    auth_token_enabled: NotRequired[bool]
    user_group_ids: NotRequired[list[str]]


class CacheCluster(TypedDict):
    id: str
    arn: str | None
    engine: str | None  # redis, valkey or memcached
    replication_group_id: str | None  # the group it is a node of; None: a standalone cluster
    auto_minor_version_upgrade: bool | None  # None: not reported (AWS's default is true)
    cache_subnet_group: NotRequired[str | None]  # CacheSubnetGroupName; None: none reported
    region: str


class CacheSubnetGroup(TypedDict):
    name: str  # CacheSubnetGroupName
    vpc_id: str | None
    subnet_ids: list[str]


class ElastiCacheRegion(TypedDict):
    replication_groups: list[ReplicationGroup]
    cache_clusters: list[CacheCluster]
    subnet_groups: NotRequired[list[CacheSubnetGroup]]
    subnet_groups_error: NotRequired[str]  # DescribeCacheSubnetGroups failed: only the subnet check reports it


# --- kinesis (data streams) --------------------------------------------------------------


class KinesisStream(TypedDict):
    name: str
    arn: str
    status: str | None  # CREATING, ACTIVE, UPDATING (DELETING streams are not kept)
    encryption_type: str | None  # KMS or NONE
    kms_key_id: str | None
    retention_hours: int | None  # RetentionPeriodHours; None: not described
    region: str
    describe_error: NotRequired[str]  # DescribeStreamSummary failed: only the name and ARN are known


class KinesisRegion(TypedDict):
    streams: list[KinesisStream]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more streams than were read


# --- mq (Amazon MQ brokers) --------------------------------------------------------------


class MqBroker(TypedDict):
    id: str
    arn: str
    name: str | None
    engine: str | None  # ACTIVEMQ or RABBITMQ
    state: str | None  # RUNNING, CREATION_IN_PROGRESS, REBOOT_IN_PROGRESS, ... (DELETION_IN_PROGRESS is not kept)
    general_logs: bool  # Logs.General
    audit_logs: bool  # Logs.Audit (ActiveMQ only; RabbitMQ has no audit log)
    publicly_accessible: bool | None  # None: not described
    auto_minor_version_upgrade: bool | None  # None: not described
    region: str
    describe_error: NotRequired[str]  # DescribeBroker failed: only the listing's id, name and engine are known
    # SINGLE_INSTANCE, ACTIVE_STANDBY_MULTI_AZ (ActiveMQ) or CLUSTER_MULTI_AZ (RabbitMQ); kept since the zone check
    deployment_mode: NotRequired[str | None]


class MqRegion(TypedDict):
    brokers: list[MqBroker]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more brokers than were read


class ContainersInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    ecs: Regional[EcsRegion]
    elasticache: Regional[ElastiCacheRegion]
    kinesis: Regional[KinesisRegion]
    mq: Regional[MqRegion]
