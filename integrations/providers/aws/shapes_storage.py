"""Inventory shapes of the storage, search, backup, messaging and log services (see ``shapes`` for the conventions).

Kept apart from ``shapes`` so that neither module outgrows the provider's size limit. A regional service
stores ``{"regions": {region: <its shape>}}``; a read that failed for one resource is kept on that
resource (``*_error``) so only the checks that needed it report an error.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import AwsFragment, PolicyDocument, Regional

# --- ebs (snapshots) -----------------------------------------------------------------


class EbsSnapshot(TypedDict):
    """A snapshot the account owns."""

    id: str
    volume_id: str | None
    encrypted: bool
    state: NotRequired[str | None]  # pending, completed, error...; absent from older inventories
    start_time: NotRequired[str | None]  # StartTime (ISO 8601); absent from older inventories
    create_volume_groups: list[str]  # createVolumePermission groups; "all" means public
    create_volume_accounts: list[str]  # account ids it is shared with
    permission_error: NotRequired[str]
    region: str


class EbsRegion(TypedDict):
    collected_at: NotRequired[str]  # absent from inventories collected before it was added
    snapshots: list[EbsSnapshot]
    truncated_at: NotRequired[int]  # set when the region held more owned snapshots than were read


# --- efs (file systems and access points) ----------------------------------------------


class FileSystem(TypedDict):
    id: str
    arn: str | None
    encrypted: bool
    kms_key_id: str | None
    region: str
    backup_policy: NotRequired[str | None]  # BackupPolicy Status ("ENABLED", ...); None: no policy
    backup_policy_error: NotRequired[str]
    policy: NotRequired[PolicyDocument | None]  # the file system policy; None: none (AWS's default applies)
    policy_error: NotRequired[str]
    availability_zone: NotRequired[str | None]  # AvailabilityZoneName: One Zone storage's zone; None: Regional
    # DescribeMountTargets (or why it failed); absent from inventories collected before mount targets were read.
    mount_targets: NotRequired[list[MountTarget]]
    mount_targets_error: NotRequired[str]


class MountTarget(TypedDict):
    id: str
    subnet_id: str
    vpc_id: str | None


class EfsAccessPoint(TypedDict):
    id: str
    arn: str | None
    file_system_id: str | None
    root_directory: str  # RootDirectory Path ("/" when AWS leaves it out)
    posix_user: AwsFragment | None  # PosixUser (Uid, Gid, SecondaryGids); None: the client's own identity
    region: str


class EfsRegion(TypedDict):
    file_systems: list[FileSystem]
    access_points: NotRequired[list[EfsAccessPoint]]
    access_points_error: NotRequired[str]  # DescribeAccessPoints failed: only the access point checks say so


# --- dynamodb ------------------------------------------------------------------------


class DynamoTable(TypedDict):
    name: str
    arn: str | None
    deletion_protection: bool
    sse_type: str | None  # "KMS" for a KMS key (AWS- or customer-managed); None: AWS-owned key
    kms_key_arn: str | None
    pitr_status: str | None  # PointInTimeRecoveryStatus ("ENABLED", "DISABLED")
    backups_error: NotRequired[str]
    billing_mode: NotRequired[str]  # PROVISIONED or PAY_PER_REQUEST; absent from older inventories
    # ListTagsOfResource (what AWS Backup selections by tag match); absent from inventories kept before it was read
    tags: NotRequired[dict[str, str]]
    tags_error: NotRequired[str]  # ListTagsOfResource failed: a selection by tag cannot be judged
    region: str
    # GetResourcePolicy (None: the table has none) or why it failed; absent from inventories kept before it was read
    policy: NotRequired[PolicyDocument | None]
    policy_error: NotRequired[str]


class DynamoDbRegion(TypedDict):
    tables: list[DynamoTable]
    # Application Auto Scaling's scalable targets of the region's tables: {table name: [ScalableDimension, ...]}, or
    # why they could not be read; both absent when no table is provisioned, or from older inventories.
    autoscaled: NotRequired[dict[str, list[str]]]
    autoscaling_error: NotRequired[str]


# --- backup --------------------------------------------------------------------------


class BackupSelection(TypedDict):
    """GetBackupSelection's BackupSelection: which resources of its region the plan backs up."""

    name: str
    resources: list[str]  # ARNs, "*" wildcards allowed; matched OR'ed with list_of_tags
    not_resources: list[str]  # ARNs left out
    list_of_tags: list[AwsFragment]  # [{ConditionType: STRINGEQUALS, ConditionKey, ConditionValue}], any one matches
    conditions: AwsFragment  # {StringEquals|StringNotEquals|StringLike|StringNotLike: [{ConditionKey, ...}]}, all


class BackupPlan(TypedDict):
    id: str
    name: str | None
    arn: str | None
    rules: list[AwsFragment]  # BackupPlan Rules
    region: str
    # Absent from inventories kept before selections were read; selections_error: they could not be read
    selections: NotRequired[list[BackupSelection]]
    selections_error: NotRequired[str]


class BackupVault(TypedDict):
    name: str
    arn: str | None
    locked: bool
    min_retention_days: int | None
    encryption_key_arn: str | None
    region: str
    # kms:DescribeKey's KeyManager ("CUSTOMER" or "AWS") for a key of the scanned account; absent for another
    # account's key, or when no key was reported; key_error: the key could not be described
    key_manager: NotRequired[str | None]
    key_error: NotRequired[str]


class BackupRegion(TypedDict):
    plans: list[BackupPlan]
    vaults: list[BackupVault]
    # DescribeRegionSettings' ResourceTypeOptInPreference ("EBS" -> whether AWS Backup backs up that type in the
    # region at all); absent from inventories kept before it was read; region_settings_error: it could not be read
    opt_in: NotRequired[dict[str, bool]]
    region_settings_error: NotRequired[str]


# --- fsx (file systems) ---------------------------------------------------------------


class FsxFileSystem(TypedDict):
    id: str  # FileSystemId
    arn: str | None
    type: str | None  # WINDOWS, LUSTRE, ONTAP or OPENZFS
    lifecycle: str | None  # AVAILABLE, CREATING, DELETING, ...
    deployment_type: str | None  # the type's DeploymentType (MULTI_AZ_1, SINGLE_AZ_2, PERSISTENT_2, SCRATCH_2, ...)
    copy_tags_to_backups: bool | None  # None: not reported, or the type has no such setting (ONTAP)
    copy_tags_to_volumes: bool | None  # OpenZFS only; None elsewhere or not reported
    subnet_ids: list[str]
    region: str


class FsxRegion(TypedDict):
    file_systems: list[FsxFileSystem]


# --- redshift ------------------------------------------------------------------------


class RedshiftCluster(TypedDict):
    id: str  # ClusterIdentifier
    arn: str  # built from the account and region: DescribeClusters does not return the cluster's ARN
    publicly_accessible: bool
    encrypted: bool
    kms_key_id: str | None
    snapshot_retention_days: int  # AutomatedSnapshotRetentionPeriod; 0: automated snapshots off
    audit_logging: bool  # DescribeLoggingStatus LoggingEnabled
    log_destination: str | None  # LogDestinationType ("s3", "cloudwatch"); None when AWS names none
    log_bucket: str | None
    logging_error: NotRequired[str]
    region: str
    # Absent in inventories collected before they were kept; None when DescribeClusters left them out.
    allow_version_upgrade: NotRequired[bool | None]  # AllowVersionUpgrade: major versions applied in maintenance
    enhanced_vpc_routing: NotRequired[bool | None]  # EnhancedVpcRouting: COPY/UNLOAD traffic kept in the VPC
    master_username: NotRequired[str | None]  # MasterUsername: the admin user made with the cluster
    database_name: NotRequired[str | None]  # DBName: the database created with the cluster ("dev" by default)
    multi_az: NotRequired[str | None]  # MultiAZ: "Enabled" (compute in two Availability Zones) or "Disabled"
    parameter_groups: NotRequired[list[str]]  # ClusterParameterGroups' names (one, in practice)


class RedshiftParameterGroup(TypedDict, total=False):
    require_ssl: bool | None  # the require_ssl parameter; None when the group lists no such parameter
    error: str  # DescribeClusterParameters failed


class RedshiftRegion(TypedDict):
    clusters: list[RedshiftCluster]
    # Each group the region's clusters use, by name; absent in inventories collected before they were read.
    parameter_groups: NotRequired[dict[str, RedshiftParameterGroup]]


# --- opensearch (OpenSearch Service domains, Elasticsearch ones included) ------------------


class SearchDomain(TypedDict):
    name: str
    arn: str | None
    engine_version: str | None  # "OpenSearch_2.11", "Elasticsearch_7.10"
    encrypted_at_rest: bool  # EncryptionAtRestOptions.Enabled
    kms_key_id: str | None
    node_to_node_encryption: bool  # NodeToNodeEncryptionOptions.Enabled
    enforce_https: bool  # DomainEndpointOptions.EnforceHTTPS
    tls_policy: str | None  # DomainEndpointOptions.TLSSecurityPolicy
    vpc_subnet_ids: list[str]  # VPCOptions.SubnetIds; empty: the domain has a public endpoint
    fine_grained_access_control: bool  # AdvancedSecurityOptions.Enabled
    access_policy: PolicyDocument | None  # AccessPolicies; None: the domain has none
    region: str
    # LogPublishingOptions that are enabled: log type (ES_APPLICATION_LOGS, AUDIT_LOGS, SEARCH_SLOW_LOGS,
    # INDEX_SLOW_LOGS) -> its CloudWatch Logs log group ARN. Absent: collected before log publishing was read.
    published_logs: NotRequired[dict[str, str | None]]
    # Absent from inventories collected before they were kept (those domains are not judged on them).
    data_node_count: NotRequired[int | None]  # ClusterConfig.InstanceCount
    zone_awareness: NotRequired[bool]  # ClusterConfig.ZoneAwarenessEnabled
    availability_zone_count: NotRequired[int | None]  # ClusterConfig.ZoneAwarenessConfig.AvailabilityZoneCount
    dedicated_master: NotRequired[bool]  # ClusterConfig.DedicatedMasterEnabled
    dedicated_master_count: NotRequired[int | None]  # ClusterConfig.DedicatedMasterCount
    internal_user_database: NotRequired[bool]  # AdvancedSecurityOptions.InternalUserDatabaseEnabled
    # "Cognito" (CognitoOptions.Enabled) and/or "SAML" (AdvancedSecurityOptions.SAMLOptions.Enabled): who signs people
    # in to OpenSearch Dashboards; empty: neither.
    dashboards_identity_providers: NotRequired[list[str]]


class OpenSearchRegion(TypedDict):
    domains: list[SearchDomain]


# --- logs (CloudWatch Logs log groups) -------------------------------------------------


class LogGroup(TypedDict):
    name: str
    arn: str | None
    retention_days: int | None  # retentionInDays; None: events never expire
    kms_key_id: str | None
    region: str


class LogResourcePolicy(TypedDict):
    name: str  # policyName: unique in its region, and its resource id
    policy: PolicyDocument | None  # policyDocument
    region: str


class LogsRegion(TypedDict):
    log_groups: list[LogGroup]  # the first ``truncated_at`` by name when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more log groups than were read
    # DescribeResourcePolicies' account-level policies; absent from inventories collected before they were read.
    resource_policies: NotRequired[list[LogResourcePolicy]]
    resource_policies_error: NotRequired[str]  # DescribeResourcePolicies failed: only their check says so


# --- sqs, sns, secretsmanager ----------------------------------------------------------


class Queue(TypedDict):
    url: str
    arn: str | None
    kms_key_id: str | None
    sqs_managed_sse: bool
    policy: PolicyDocument | None
    region: str


class SqsRegion(TypedDict):
    queues: list[Queue]


class Topic(TypedDict):
    arn: str
    kms_key_id: str | None
    policy: PolicyDocument | None
    region: str


class SnsSubscription(TypedDict):
    """A subscription of the account's (ListSubscriptions); the endpoint itself is never kept (it may be an address,
    a phone number or a URL with credentials in it), only an http(s) endpoint's host."""

    arn: str  # SubscriptionArn: an ARN, or "PendingConfirmation" while unconfirmed
    topic_arn: str | None
    protocol: str | None  # "http", "https", "sqs", "lambda", "email", ...
    endpoint_host: str | None  # the host of an http or https endpoint; None for other protocols
    region: str


class SnsRegion(TypedDict):
    topics: list[Topic]
    subscriptions: NotRequired[list[SnsSubscription]]
    subscriptions_error: NotRequired[str]  # ListSubscriptions failed: only the subscription check reports it


class Secret(TypedDict):
    name: str
    arn: str
    rotation_enabled: bool
    rotation_days: int | None
    last_accessed: str | None
    created: str | None
    region: str
    policy: NotRequired[PolicyDocument | None]  # the resource policy; None: none (only IAM policies grant access)
    policy_error: NotRequired[str]  # GetResourcePolicy failed: only the policy check says so


class SecretsManagerRegion(TypedDict):
    collected_at: str
    secrets: list[Secret]


# --- s3 access points (regional) --------------------------------------------------------


class S3AccessPoint(TypedDict):
    name: str
    arn: str
    bucket: str | None
    network_origin: str | None  # "Internet" or "VPC"
    region: str
    public_access_block: NotRequired[AwsFragment | None]  # GetAccessPoint's PublicAccessBlockConfiguration
    describe_error: NotRequired[str]  # GetAccessPoint failed for this access point


class S3MultiRegionAccessPoint(TypedDict):
    """One of ListMultiRegionAccessPoints' reports."""

    name: str
    alias: str | None
    status: str | None  # READY, INCONSISTENT_ACROSS_REGIONS, CREATING, ...
    public_access_block: AwsFragment | None  # PublicAccessBlock: the four settings, fixed at creation
    buckets: list[str]  # the buckets it routes to, one per region


class S3MultiRegionAccessPoints(TypedDict):
    # The account's Multi-Region Access Points (global); always empty outside the aws partition, which has none.
    access_points: list[S3MultiRegionAccessPoint]


class S3AccessPointsRegion(TypedDict):
    access_points: list[S3AccessPoint]
    truncated_at: NotRequired[int]  # the region held more access points than were read


# --- glacier (S3 Glacier vaults) --------------------------------------------------------------


class GlacierVault(TypedDict):
    name: str  # VaultName
    arn: str | None  # VaultARN
    policy: PolicyDocument | None  # GetVaultAccessPolicy; None: the vault has none
    policy_error: NotRequired[str]  # GetVaultAccessPolicy failed: whether it is public is unknown
    region: str


class GlacierRegion(TypedDict):
    vaults: list[GlacierVault]


class StorageInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    ebs: Regional[EbsRegion]
    efs: Regional[EfsRegion]
    dynamodb: Regional[DynamoDbRegion]
    backup: Regional[BackupRegion]
    fsx: Regional[FsxRegion]
    sqs: Regional[SqsRegion]
    sns: Regional[SnsRegion]
    secretsmanager: Regional[SecretsManagerRegion]
    redshift: Regional[RedshiftRegion]
    logs: Regional[LogsRegion]
    opensearch: Regional[OpenSearchRegion]
    s3_access_points: Regional[S3AccessPointsRegion]
    s3_multi_region_access_points: S3MultiRegionAccessPoints
    glacier: Regional[GlacierRegion]
