"""The inventory shapes of the account's own AMIs, instance and launch template user data, subnets, transit
gateways, Client VPN endpoints, network interfaces and EC2's regional account settings.

Split from ``shapes`` (same conventions) to keep each module short.  ``Inventory.data`` holds ``images``,
``instance_user_data``, ``subnets``, ``transit_gateways``, ``client_vpn_endpoints``, ``network_interfaces``,
``vpc_endpoint_services``, ``snapshot_block_public_access``, ``image_block_public_access``,
``instance_metadata_defaults`` and ``serial_console_access`` as ``Regional[...]`` of their region shape.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class Image(TypedDict):
    """An AMI the account owns (DescribeImages, Owners self)."""

    id: str
    name: str | None
    public: bool  # DescribeImages' Public: launch permission granted to the "all" group
    state: str | None
    region: str


class ImagesRegion(TypedDict):
    images: list[Image]


class SecretFinding(TypedDict):
    """Where user data holds something that looks like a credential: its kind and line, never the value."""

    kind: str  # see collectors/user_data.py SECRET_KINDS
    line: int  # 1-based, in the decoded user data


class NamedSecretFinding(TypedDict):
    """A named setting (an argument, a stage variable, an environment property, a path in a JSON document) that holds
    something looking like a credential: its name and the kinds found, never the value."""

    name: str
    kinds: list[str]  # see collectors/user_data.py SECRET_KINDS


class UserData(TypedDict):
    """What was found in one instance's or launch template version's user data (the text itself is not kept)."""

    present: bool  # False: no user data at all
    findings: list[SecretFinding]  # at most collectors/user_data.py MAX_FINDINGS, in line order
    finding_count: int  # every finding, including those beyond MAX_FINDINGS
    scanned_bytes: int  # the size of the decoded (and, when gzip-compressed, decompressed) text scanned
    unreadable: NotRequired[str]  # why the user data could not be scanned (not base64, too large unpacked, ...)


class InstanceUserData(TypedDict):
    id: str
    state: str | None
    user_data: NotRequired[UserData]  # absent when describe_error is set
    describe_error: NotRequired[str]  # DescribeInstanceAttribute userData failed for this instance
    region: str


class InstanceUserDataRegion(TypedDict):
    instances: list[InstanceUserData]
    truncated_at: NotRequired[int]  # set when the region held more instances than were read


class Subnet(TypedDict):
    id: str
    arn: str | None
    vpc_id: str | None
    availability_zone: NotRequired[str | None]  # absent from inventories stored before it was collected
    default_for_az: bool
    map_public_ip_on_launch: bool
    region: str


class SubnetsRegion(TypedDict):
    subnets: list[Subnet]


class TransitGateway(TypedDict):
    id: str
    arn: str | None
    state: str | None
    auto_accept_shared_attachments: str | None  # "enable" or "disable"
    region: str


class TransitGatewaysRegion(TypedDict):
    transit_gateways: list[TransitGateway]


class ClientVpnEndpoint(TypedDict):
    """A Client VPN endpoint (DescribeClientVpnEndpoints, not deleting or deleted)."""

    id: str  # cvpn-endpoint-...
    description: str | None
    status: str | None  # Status.Code: "pending-associate", "available", ...
    connection_logging: bool  # ConnectionLogOptions.Enabled
    log_group: str | None  # ConnectionLogOptions.CloudwatchLogGroup
    region: str


class ClientVpnEndpointsRegion(TypedDict):
    client_vpn_endpoints: list[ClientVpnEndpoint]


class NetworkInterface(TypedDict):
    """An elastic network interface (DescribeNetworkInterfaces): which security groups it carries."""

    id: str
    group_ids: list[str]  # Groups[].GroupId
    interface_type: str | None  # "interface", "lambda", "nat_gateway", "vpc_endpoint", ...
    status: str | None  # "in-use", "available", ...
    region: str


class NetworkInterfacesRegion(TypedDict):
    network_interfaces: list[NetworkInterface]


class EndpointService(TypedDict):
    """A VPC endpoint service (PrivateLink) the account offers (DescribeVpcEndpointServiceConfigurations)."""

    id: str  # vpce-svc-...
    name: str | None  # com.amazonaws.vpce.<region>.vpce-svc-...
    state: str | None  # ServiceState
    acceptance_required: bool  # AcceptanceRequired: connection requests wait for the owner's approval
    allowed_principals: list[str]  # DescribeVpcEndpointServicePermissions' principals ("*", ARNs)
    permissions_error: NotRequired[str]  # DescribeVpcEndpointServicePermissions failed for this service
    region: str


class EndpointServicesRegion(TypedDict):
    services: list[EndpointService]


# EC2's account settings, one read each per region (each its own inventory service, so a refused read fails only its
# own check).


class SnapshotBlockPublicAccessRegion(TypedDict):
    state: str | None  # GetSnapshotBlockPublicAccessState: "block-all-sharing", "block-new-sharing" or "unblocked"
    managed_by: str | None  # "account", or "declarative-policy" when an organization policy sets it


class ImageBlockPublicAccessRegion(TypedDict):
    state: str | None  # GetImageBlockPublicAccessState: "block-new-sharing" or "unblocked"
    managed_by: str | None


class InstanceMetadataDefaultsRegion(TypedDict):
    """GetInstanceMetadataDefaults' AccountLevel: what new instances get when their launch does not say."""

    http_tokens: str | None  # "required" (IMDSv2 only) or "optional"; None when the account set no default
    http_endpoint: str | None  # "enabled" or "disabled"; None when no default
    hop_limit: int | None  # HttpPutResponseHopLimit
    tokens_enforced: str | None  # HttpTokensEnforced: "enabled" refuses launches asking for IMDSv1
    managed_by: str | None


class SerialConsoleAccessRegion(TypedDict):
    enabled: bool  # GetSerialConsoleAccessStatus' SerialConsoleAccessEnabled
    managed_by: str | None
