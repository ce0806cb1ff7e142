"""The AWS inventory: what the collectors put in ``Inventory.data[service]`` and the checks read.

At runtime the inventory stays plain, JSON-ready dicts (it is stored with the scan); these
types only describe them.  Timestamps are ISO 8601 strings by the time a check sees them.
Fragments kept as AWS returned them (a security group's ``IpPermissions``, a password
policy, ...) are :data:`AwsFragment`: AWS's own field names, as its API reference documents.

A global service (``iam``, ``s3``) stores its shape directly; a regional service stores
``{"regions": {region: <its shape>}}`` (:class:`Regional`).  Checks still read with
``.get()`` and defaults: a service that was not asked for, or failed, is simply absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, NotRequired, TypedDict, TypeVar

if TYPE_CHECKING:  # the RDS settings' shapes live beside the other databases' (which import this module)
    from .shapes_databases import RdsEventSubscription, RdsParameterGroup

# A response fragment kept as AWS returned it (JSON-ready), with AWS's field names.
AwsFragment = dict[str, Any]
# An IAM or S3 policy document as AWS stores it; an S3 policy that is not JSON is ``{"unparsable": text}``.
PolicyDocument = dict[str, Any]

RegionT = TypeVar("RegionT")


class Regional(TypedDict, Generic[RegionT]):
    """A regional service's data: one shape per scanned region."""

    regions: dict[str, RegionT]
    # Scanned regions where AWS does not offer the service (botocore's endpoint data), not collected; absent when
    # every scanned region offers it.
    not_offered: NotRequired[list[str]]


# --- iam (global) and accessanalyzer ---------------------------------------------

# One row of the IAM credential report, keyed by its CSV header ("user", "password_enabled",
# "access_key_1_last_used_date", ...); "true"/"false" cells are booleans, every other cell the
# text AWS wrote ("N/A", "no_information" and ISO dates included).
CredentialReportRow = dict[str, str | bool]


class IamSummary(TypedDict):
    AccountMFAEnabled: int
    AccountAccessKeysPresent: int


class VirtualMfaDevice(TypedDict):
    serial: str
    user_arn: str


class IamUser(TypedDict):
    name: str
    arn: str
    created: str | None
    groups: list[str]
    attached_policies: list[str]  # managed policy ARNs
    inline_policies: list[str]  # inline policy names


class IamRole(TypedDict):
    name: str
    arn: str
    attached_policies: list[str]  # managed policy ARNs
    trust_policy: NotRequired[PolicyDocument]  # AssumeRolePolicyDocument
    last_used: NotRequired[str | None]  # RoleLastUsed.LastUsedDate, ISO 8601
    created: NotRequired[str | None]  # CreateDate, ISO 8601


class IamGroup(TypedDict):
    name: str
    arn: str
    attached_policies: list[str]  # managed policy ARNs


class IamInlinePolicy(TypedDict):
    """A policy embedded in one user, group or role, with its document."""

    owner_type: str  # "user", "group" or "role"
    owner: str  # the user, group or role name
    owner_arn: str
    name: str
    document: PolicyDocument


class IamPolicy(TypedDict):
    """A customer-managed policy, or an AWS-managed one attached somewhere, with its default version's document."""

    name: str
    arn: str
    attachment_count: int
    default_version: str | None
    document: PolicyDocument
    aws_managed: NotRequired[bool]  # absent or False: customer-managed


class ServerCertificate(TypedDict):
    name: str
    arn: str
    expiration: str | None


class Iam(TypedDict):
    collected_at: str
    partition: str
    summary: IamSummary
    virtual_mfa_devices: list[VirtualMfaDevice]
    password_policy: AwsFragment | None  # GetAccountPasswordPolicy's PasswordPolicy; None: the account has none
    credential_report: list[CredentialReportRow]
    users: list[IamUser]
    roles: list[IamRole]
    groups: NotRequired[list[IamGroup]]
    identity_providers: NotRequired[list[str]]  # SAML and OpenID Connect provider ARNs
    inline_policies: NotRequired[list[IamInlinePolicy]]
    policies: list[IamPolicy]
    server_certificates: list[ServerCertificate]
    # ListMFADevices' serial numbers, read only for console users to whom a virtual device is assigned (the others'
    # MFA, if any, is all hardware); a failed read is kept per user name. Absent from older inventories.
    user_mfa_devices: NotRequired[dict[str, list[str]]]
    user_mfa_device_errors: NotRequired[dict[str, str]]


class AnalyzerFinding(TypedDict):
    id: str | None
    resource_type: str | None
    resource: str | None


class Analyzer(TypedDict):
    name: str | None
    arn: str | None
    type: str | None
    status: str | None
    region: str
    # Only on active external-access analyzers: the ACTIVE findings' count and the first few,
    # or the error that kept them from being read.
    active_findings: NotRequired[int]
    findings: NotRequired[list[AnalyzerFinding]]
    findings_error: NotRequired[str]


class AccessAnalyzerRegion(TypedDict):
    analyzers: list[Analyzer]


# --- account (global) ------------------------------------------------------------


class AlternateContact(TypedDict):
    """Which parts of an alternate contact are filled in (the contact's own details are not kept)."""

    type: str  # "SECURITY", "BILLING" or "OPERATIONS"
    has_name: bool
    has_email: bool
    has_phone: bool
    # The security contact only: the other types (BILLING, OPERATIONS) registered with the same e-mail address
    # (compared case-insensitively at collection; the addresses are not kept).
    shares_email_with: NotRequired[list[str]]


class ContactInformation(TypedDict):
    """Which parts of the account's primary contact are filled in (the name, number and address are not kept)."""

    has_full_name: bool
    has_phone: bool
    has_address: bool  # address line 1, city and country code


class Account(TypedDict):
    security_contact: AlternateContact | None  # None: no security contact registered
    # Absent from inventories collected before they were read, or when reading them failed (then the error is kept).
    billing_contact: NotRequired[AlternateContact | None]
    operations_contact: NotRequired[AlternateContact | None]
    alternate_contacts_error: NotRequired[str]
    # Absent from inventories collected before it was read; None: AWS holds no primary contact.
    contact_information: NotRequired[ContactInformation | None]
    contact_information_error: NotRequired[str]  # the read failed (typically account:GetContactInformation denied)


# --- s3 (global) ----------------------------------------------------------------


class BucketVersioning(TypedDict):
    status: str  # "Enabled", "Suspended" or "Disabled"
    mfa_delete: str  # "Enabled" or "Disabled"


class Bucket(TypedDict):
    """One bucket: either its settings, or ``error`` when they could not be read."""

    name: str
    region: str
    created: str | None
    public_access_block: NotRequired[AwsFragment | None]  # PublicAccessBlockConfiguration
    encryption_rules: NotRequired[list[AwsFragment] | None]  # ServerSideEncryptionConfiguration's Rules
    versioning: NotRequired[BucketVersioning]
    policy: NotRequired[PolicyDocument | None]
    logging: NotRequired[AwsFragment | None]  # GetBucketLogging's LoggingEnabled
    error: NotRequired[str]
    # Data protection reads: each may fail on its own, recorded in read_errors.
    acl_grants: NotRequired[list[AwsFragment]]  # GetBucketAcl's Grants
    ownership_rules: NotRequired[list[AwsFragment]]  # GetBucketOwnershipControls' Rules ([]: no ownership controls)
    replication_rules: NotRequired[list[AwsFragment] | None]  # ReplicationConfiguration's Rules; None: none
    object_lock: NotRequired[AwsFragment | None]  # ObjectLockConfiguration; None: not configured
    lifecycle_rules: NotRequired[list[AwsFragment] | None]  # GetBucketLifecycleConfiguration's Rules
    # GetBucketNotificationConfiguration: TopicConfigurations, QueueConfigurations, LambdaFunctionConfigurations and
    # EventBridgeConfiguration (present, {}, when events go to EventBridge); {}: no destination
    notification_configuration: NotRequired[AwsFragment]
    read_errors: NotRequired[dict[str, str]]  # field name -> why that one read failed


class S3(TypedDict):
    account_public_access_block: AwsFragment | None  # PublicAccessBlockConfiguration; None: not set
    buckets: list[Bucket]


# --- ec2 and vpc ------------------------------------------------------------------


class Volume(TypedDict):
    id: str
    encrypted: bool
    kms_key_id: str | None
    state: str | None
    region: str
    tags: NotRequired[dict[str, str]]  # DescribeVolumes' Tags; absent from inventories kept before they were


class SecurityGroup(TypedDict):
    id: str
    name: str | None
    vpc_id: str | None
    ingress: list[AwsFragment]  # IpPermissions
    egress: list[AwsFragment]  # IpPermissionsEgress
    region: str


class NetworkAcl(TypedDict):
    id: str
    vpc_id: str | None
    is_default: bool
    entries: list[AwsFragment]  # NetworkAclEntry
    subnet_ids: NotRequired[list[str]]  # associated subnets; absent from inventories collected before it was added
    region: str


class Instance(TypedDict):
    """A running or stopped instance (terminated ones are left out)."""

    id: str
    state: str | None
    metadata_options: AwsFragment  # InstanceMetadataOptionsResponse
    public_ip: NotRequired[str | None]  # PublicIpAddress; absent from inventories collected before it was added
    instance_profile: NotRequired[str | None]  # IamInstanceProfile.Arn; absent from older inventories
    monitoring: NotRequired[str | None]  # Monitoring.State: "enabled" is detailed monitoring; absent from older ones
    vpc_id: NotRequired[str | None]  # absent from older inventories
    # The groups of the instance and of its network interfaces, and those interfaces' IPv6 addresses; absent from
    # inventories collected before they were kept.
    security_group_ids: NotRequired[list[str]]
    ipv6_addresses: NotRequired[list[str]]
    launch_time: NotRequired[str | None]  # LaunchTime (ISO 8601); absent from older inventories
    state_transition_reason: NotRequired[str | None]  # StateTransitionReason; absent from older inventories
    virtualization_type: NotRequired[str | None]  # VirtualizationType: "hvm" or "paravirtual"; absent from older ones
    # The attached interfaces: {"id", "subnet_id", "type"} (InterfaceType "interface", "efa", ...); absent from older
    # inventories.
    network_interfaces: NotRequired[list[AwsFragment]]
    region: str


class Ec2Region(TypedDict):
    collected_at: NotRequired[str]  # absent from inventories collected before it was added
    ebs_encryption_by_default: bool
    volumes: list[Volume]
    security_groups: list[SecurityGroup]
    network_acls: list[NetworkAcl]
    instances: list[Instance]


class Vpc(TypedDict):
    id: str
    is_default: bool
    region: str


class FlowLog(TypedDict):
    id: str | None
    resource_id: str | None
    traffic_type: str | None
    status: str | None
    destination_type: str | None
    region: str


class VpcEndpoint(TypedDict):
    id: str | None
    vpc_id: str | None
    service_name: str | None  # "com.amazonaws.<region>.s3", ...
    type: str | None  # "Gateway", "Interface", "GatewayLoadBalancer"
    state: str | None
    private_dns_enabled: NotRequired[bool | None]  # Interface endpoints; absent from older inventories
    subnet_ids: NotRequired[list[str]]  # Interface endpoints' subnets; absent from older inventories
    policy: NotRequired[PolicyDocument | None]  # the endpoint policy; absent from older inventories
    region: str


class VpcRegion(TypedDict):
    vpcs: list[Vpc]
    flow_logs: list[FlowLog]
    endpoints: NotRequired[list[VpcEndpoint]]  # absent from inventories collected before it was added


# --- cloudwatch -------------------------------------------------------------------


class MetricRef(TypedDict):
    name: str | None
    namespace: str | None


class MetricFilter(TypedDict):
    name: str | None
    log_group: str | None
    pattern: str
    metrics: list[MetricRef]
    region: str


class Alarm(TypedDict):
    name: str | None
    arn: str | None
    metric: str | None
    namespace: str | None
    actions_enabled: bool
    alarm_actions: list[str]
    region: str


class CloudWatchRegion(TypedDict):
    metric_filters: list[MetricFilter]
    alarms: list[Alarm]
    topic_subscriptions: dict[str, int]  # SNS topic ARN -> confirmed subscriptions


# --- data stores: rds, kms ------------------------------------------------------------


class DbInstance(TypedDict):
    id: str
    arn: str | None
    engine: str | None
    storage_encrypted: bool
    auto_minor_version_upgrade: bool
    publicly_accessible: bool
    region: str
    backup_retention_period: NotRequired[int]  # days; 0: automated backups off
    deletion_protection: NotRequired[bool]
    multi_az: NotRequired[bool]
    iam_auth: NotRequired[bool]
    cluster_id: NotRequired[str | None]  # set for Aurora members, whose backups live on the cluster
    cloudwatch_logs_exports: NotRequired[list[str]]  # EnabledCloudwatchLogsExports: log types sent to Logs
    monitoring_interval: NotRequired[int]  # seconds between Enhanced Monitoring samples; 0: off
    copy_tags_to_snapshot: NotRequired[bool]
    master_username: NotRequired[str | None]  # MasterUsername
    parameter_group: NotRequired[str | None]  # the name of its DB parameter group (DBParameterGroups' first)
    tags: NotRequired[dict[str, str]]  # TagList; absent from inventories kept before tags were
    replica_of: NotRequired[str | None]  # ReadReplicaSourceDBInstanceIdentifier: the source of a read replica
    port: NotRequired[int | None]  # Endpoint.Port (or DbInstancePort); absent from inventories kept before it was


class DbSnapshot(TypedDict):
    """A manual DB snapshot (automated ones cannot be shared)."""

    id: str
    arn: str | None
    encrypted: bool
    restore_shared_with: list[str]  # "restore" attribute values; "all" means public
    attributes_error: NotRequired[str]
    region: str


# The engines of the DB clusters RDS's own checks judge: Aurora (MySQL and PostgreSQL; "aurora" is Aurora MySQL 1's
# name) and Multi-AZ DB clusters of MySQL and PostgreSQL. Neptune and DocumentDB clusters share the API but not these
# checks. A member instance of such a cluster has its storage, backups and authentication set on the cluster.
RDS_CLUSTER_ENGINES: frozenset[str] = frozenset({"aurora", "aurora-mysql", "aurora-postgresql", "mysql", "postgres"})


class DbCluster(TypedDict):
    """An Aurora or Multi-AZ DB cluster (engine in RDS_CLUSTER_ENGINES)."""

    id: str  # DBClusterIdentifier
    arn: str | None
    engine: str | None
    status: str | None
    storage_encrypted: bool
    kms_key_id: str | None
    backup_retention_period: int  # days of automated backups (at least 1 on a cluster)
    cloudwatch_logs_exports: list[str]  # EnabledCloudwatchLogsExports
    iam_auth: bool  # IAMDatabaseAuthenticationEnabled
    deletion_protection: bool
    copy_tags_to_snapshot: bool
    multi_az: bool  # MultiAZ: instances in more than one Availability Zone
    members: list[str]  # DBClusterMembers' instance identifiers
    region: str
    master_username: NotRequired[str | None]  # MasterUsername
    parameter_group: NotRequired[str | None]  # DBClusterParameterGroup (its name)
    tags: NotRequired[dict[str, str]]  # TagList; absent from inventories kept before tags were
    port: NotRequired[int | None]  # Port; absent from inventories kept before it was
    # EngineMode (provisioned, serverless, ...) and BacktrackWindow in seconds (0: off); absent from older inventories.
    engine_mode: NotRequired[str | None]
    backtrack_window: NotRequired[int]


class DbClusterSnapshot(TypedDict):  # manual only: Aurora's and Multi-AZ DB clusters' in ``rds``, Neptune's too
    id: str  # DBClusterSnapshotIdentifier
    arn: str | None
    cluster_id: str | None
    engine: NotRequired[str | None]  # kept since the RDS cluster snapshots were collected
    encrypted: bool  # StorageEncrypted
    restore_shared_with: list[str]  # the "restore" attribute: account ids, or "all" for a public snapshot
    region: str
    attributes_error: NotRequired[str]  # DescribeDBClusterSnapshotAttributes failed: sharing unknown


class RdsRegion(TypedDict):
    db_instances: list[DbInstance]
    snapshots: NotRequired[list[DbSnapshot]]
    snapshots_error: NotRequired[str]
    cluster_snapshots: NotRequired[list[DbClusterSnapshot]]  # manual snapshots of RDS_CLUSTER_ENGINES' clusters
    cluster_snapshots_error: NotRequired[str]
    db_clusters: NotRequired[list[DbCluster]]
    db_clusters_error: NotRequired[str]  # DescribeDBClusters failed: only the cluster checks report it
    parameter_groups: NotRequired[dict[str, RdsParameterGroup]]  # name -> its TLS parameters (rds_settings)
    cluster_parameter_groups: NotRequired[dict[str, RdsParameterGroup]]  # the same for DB cluster parameter groups
    event_subscriptions: NotRequired[list[RdsEventSubscription]]
    event_subscriptions_error: NotRequired[str]  # DescribeEventSubscriptions failed: only that check reports it


class KmsKey(TypedDict):
    id: str
    arn: str | None
    manager: str | None  # "CUSTOMER" or "AWS"
    spec: str | None
    state: str | None
    origin: str | None
    rotation_enabled: bool | None  # None: the key cannot rotate automatically
    region: str
    multi_region: NotRequired[str | None]  # "PRIMARY" or "REPLICA" for a multi-Region key; None: single-Region
    policy: NotRequired[PolicyDocument | None]  # the "default" key policy (customer keys only)
    policy_error: NotRequired[str]


class KmsRegion(TypedDict):
    keys: list[KmsKey]


# --- detection: securityhub, guardduty ------------------------------------------------


class SecurityHubRegion(TypedDict):
    enabled: bool
    hub_arn: str | None
    subscribed_at: str | None


class AwsInventoryData(TypedDict, total=False):
    """``Inventory.data`` of an AWS scan: one entry per collected service."""

    iam: Iam
    s3: S3
    account: Account
    accessanalyzer: Regional[AccessAnalyzerRegion]
    cloudwatch: Regional[CloudWatchRegion]
    ec2: Regional[Ec2Region]
    kms: Regional[KmsRegion]
    rds: Regional[RdsRegion]
    securityhub: Regional[SecurityHubRegion]
    vpc: Regional[VpcRegion]
    # cloudtrail and config: see shapes_logging.py
    # acm, cloudfront, ecr, eip, eks, elb, elbv2, guardduty, inspector2, lambda, macie and organizations: see
    # shapes_network.py
    # sagemaker and emr: see shapes_analytics.py
    # neptune and dms: see shapes_databases.py; stepfunctions, wafv2 and apigatewayv2: see shapes_application.py
    # ecs, elasticache, kinesis and mq: see shapes_containers.py
    # codebuild, ssm, glue and route53: see shapes_devtools.py
    # autoscaling, launch_templates, msk, appsync, transfer and eventbridge: see shapes_platform.py
    # images, instance_user_data, subnets, transit_gateways and vpc_endpoint_services: see shapes_ec2.py
    # efs: see shapes_storage.py
    # firehose and directconnect: see shapes_delivery.py; directoryservice, workspaces and shield: shapes_directory.py
