"""Inventory shapes of the platform services: EC2 Auto Scaling and EC2 launch templates, Amazon MSK, AppSync, AWS
Transfer Family and EventBridge.

Split from ``shapes`` (same conventions) to keep each module short. ``Inventory.data`` holds ``autoscaling``,
``launch_templates``, ``msk``, ``appsync``, ``transfer`` and ``eventbridge`` as ``Regional[...]`` of their region
shape. A read that failed for one resource is kept on it (``describe_error``, ``key_error``) so only that resource's
outcomes are errors.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .shapes import PolicyDocument, Regional
from .shapes_ec2 import UserData

# --- autoscaling (launch configurations and Auto Scaling groups) -------------------------


class LaunchConfiguration(TypedDict):
    name: str
    arn: str
    # MetadataOptions.HttpTokens and HttpEndpoint; None: not set (instances then get the AMI's or the account's
    # default, which is IMDSv1 allowed unless either says otherwise)
    http_tokens: str | None
    http_endpoint: str | None
    # AssociatePublicIpAddress; None: not set (the subnet's own public IP setting decides)
    associate_public_ip: bool | None
    region: str
    spot: NotRequired[bool]  # SpotPrice is set: its instances are Spot Instances (absent from older inventories)
    user_data: NotRequired[UserData]  # what its user data holds (absent from inventories collected before it was kept)


class AutoScalingGroup(TypedDict):
    name: str
    arn: str
    availability_zones: list[str]
    region: str
    # Absent from inventories collected before they were kept (those groups are not judged on them):
    launch_configuration: NotRequired[str | None]  # LaunchConfigurationName
    launch_template: NotRequired[str | None]  # the launch template's name (or id), also from a MixedInstancesPolicy
    # A MixedInstancesPolicy whose OnDemandPercentageAboveBaseCapacity is below 100: part of the group runs on Spot.
    mixed_spot: NotRequired[bool]
    capacity_rebalance: NotRequired[bool]  # CapacityRebalance
    health_check_type: NotRequired[str | None]  # EC2 or ELB (EBS and VPC_LATTICE may be added beside them)
    load_balancers: NotRequired[int]  # how many Classic load balancers and target groups it is attached to


class AutoScalingRegion(TypedDict):
    launch_configurations: list[LaunchConfiguration]
    groups: list[AutoScalingGroup]


# --- launch_templates (EC2 launch templates: their default and latest versions) ----------


class LaunchTemplateVersion(TypedDict):
    number: int
    default: bool  # the template's default version (what a launch naming no version gets)
    latest: bool  # the template's newest version (what "$Latest" resolves to)
    http_tokens: str | None  # LaunchTemplateData.MetadataOptions.HttpTokens; None: not set
    http_endpoint: str | None  # MetadataOptions.HttpEndpoint; None: not set (enabled)
    user_data: UserData  # what in LaunchTemplateData.UserData looks like a credential (never the text itself)
    # True when a network interface of LaunchTemplateData asks for AssociatePublicIpAddress, False when they set it
    # false only, None when none sets it; absent from inventories collected before it was kept.
    associate_public_ip: NotRequired[bool | None]


class LaunchTemplate(TypedDict):
    id: str
    name: str | None
    arn: str
    versions: list[LaunchTemplateVersion]  # the default and the latest version (one entry when they are the same)
    region: str


class LaunchTemplatesRegion(TypedDict):
    launch_templates: list[LaunchTemplate]


# --- msk (Amazon MSK provisioned clusters) ------------------------------------------------


class MskCluster(TypedDict):
    name: str | None
    arn: str
    state: str | None
    # EncryptionInTransit.ClientBroker (TLS, TLS_PLAINTEXT or PLAINTEXT) and InCluster; None: not reported (AWS's
    # defaults are TLS and true)
    client_broker: str | None
    in_cluster: bool | None
    kms_key_id: str | None  # EncryptionAtRest.DataVolumeKMSKeyId; None: not reported (MSK's AWS managed key)
    # KeyManager of that key (CUSTOMER or AWS) when it is the account's own; None: no key, or another account's key
    key_manager: str | None
    public_access: str | None  # ConnectivityInfo.PublicAccess.Type; None: not reported (AWS's default is DISABLED)
    broker_log_destinations: list[str]  # the enabled BrokerLogs destinations: CloudWatchLogs, Firehose, S3
    # ClientAuthentication: the client authentication methods turned on (IAM, SASL/SCRAM, TLS) and whether
    # unauthenticated access is allowed as well; absent from inventories collected before they were kept.
    auth_methods: NotRequired[list[str]]
    unauthenticated_access: NotRequired[bool]
    # EnhancedMonitoring: DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION; None: not reported
    # (AWS's default is DEFAULT); absent from inventories collected before it was kept.
    enhanced_monitoring: NotRequired[str | None]
    region: str
    key_error: NotRequired[str]  # DescribeKey on the cluster's key failed: only the key check reports it


class MskRegion(TypedDict):
    clusters: list[MskCluster]


# --- appsync (GraphQL APIs) -----------------------------------------------------------------


class GraphqlApi(TypedDict):
    id: str
    name: str | None
    arn: str
    field_log_level: str | None  # logConfig.fieldLogLevel (NONE, ERROR, INFO, DEBUG or ALL); None: no logConfig
    authentication_type: str | None  # the default mode: API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS, ...
    additional_authentication_types: list[str]
    region: str


class AppSyncRegion(TypedDict):
    graphql_apis: list[GraphqlApi]


# --- transfer (Transfer Family servers) -----------------------------------------------------


class TransferServer(TypedDict):
    id: str
    arn: str
    state: str | None
    endpoint_type: str | None  # PUBLIC, VPC or VPC_ENDPOINT
    protocols: list[str] | None  # SFTP, FTPS, FTP, AS2; None: not described or not reported (AWS's default is SFTP)
    region: str
    # SecurityPolicyName ("TransferSecurityPolicy-2024-01", ...); None: not reported. Absent: not described, or
    # collected before it was kept.
    security_policy: NotRequired[str | None]
    describe_error: NotRequired[str]  # DescribeServer failed: only the listing's id and ARN are known


class TransferRegion(TypedDict):
    servers: list[TransferServer]  # the first ``truncated_at`` when the region holds more
    truncated_at: NotRequired[int]  # set only when the region held more servers than were read


# --- eventbridge (event buses) --------------------------------------------------------------


class EventBus(TypedDict):
    name: str
    arn: str
    policy: PolicyDocument | None  # the bus's resource policy; None: none
    region: str


class EventBridgeRegion(TypedDict):
    buses: list[EventBus]


class PlatformInventoryData(TypedDict, total=False):
    """The entries of ``Inventory.data`` these services add beside ``shapes.AwsInventoryData``."""

    autoscaling: Regional[AutoScalingRegion]
    launch_templates: Regional[LaunchTemplatesRegion]
    msk: Regional[MskRegion]
    appsync: Regional[AppSyncRegion]
    transfer: Regional[TransferRegion]
    eventbridge: Regional[EventBridgeRegion]
