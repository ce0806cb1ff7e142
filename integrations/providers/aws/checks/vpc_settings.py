"""Checks on VPC settings that decide exposure by default: subnets handing out public IPv4 addresses, transit
gateways accepting attachments shared with them without review, and Client VPN endpoints letting people in without
a record of who connected."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_ec2 import ClientVpnEndpoint, Subnet, TransitGateway
from ._common import aws_check, items, result

SUBNET = "AWS::EC2::Subnet"
TRANSIT_GATEWAY = "AWS::EC2::TransitGateway"
CLIENT_VPN_ENDPOINT = "AWS::EC2::ClientVpnEndpoint"


@aws_check(
    id="aws.ec2.subnet_no_auto_public_ip",
    title="Subnets do not assign public IPv4 addresses on launch",
    severity=Severity.MEDIUM,
    service="ec2",
    requires=("subnets",),
    resource_type=SUBNET,
    rationale="In a subnet that maps public IPv4 addresses on launch, every instance started without an explicit "
    "choice gets an address reachable from the internet, so one mistake in a security group exposes it. Public "
    "addresses should be asked for where they are meant, not handed out by default.",
    remediation="Turn off 'auto-assign public IPv4 address' on the subnet (ModifySubnetAttribute "
    "MapPublicIpOnLaunch false) and give public addresses, or better a load balancer, only to what must be reached "
    "from the internet. Default subnets map public addresses until changed.",
)
def subnet_no_auto_public_ip(inventory: Inventory) -> Iterable[Outcome]:
    subnet: Subnet
    for subnet in items(inventory, "subnets", "subnets"):
        label = f"Subnet {subnet['id']}" + (" (a default subnet)" if subnet["default_for_az"] else "")
        maps = subnet["map_public_ip_on_launch"]
        if maps:
            reason = f"{label} assigns a public IPv4 address to every instance launched in it"
        else:
            reason = f"{label} does not assign public IPv4 addresses on launch"
        yield result(
            not maps,
            subnet["id"],
            SUBNET,
            reason,
            region=subnet["region"],
            vpc_id=subnet["vpc_id"],
            default_for_az=subnet["default_for_az"],
            map_public_ip_on_launch=maps,
        )


@aws_check(
    id="aws.ec2.transit_gateway_no_auto_accept",
    title="Transit gateways do not accept shared attachments automatically",
    severity=Severity.HIGH,
    service="ec2",
    requires=("transit_gateways",),
    resource_type=TRANSIT_GATEWAY,
    rationale="A transit gateway shared through Resource Access Manager that auto-accepts attachments lets any "
    "account it is shared with connect a VPC, and so route traffic to every network on the gateway, without anyone "
    "in the owning account approving it.",
    remediation="Set AutoAcceptSharedAttachments to disable (ModifyTransitGateway) and accept each attachment "
    "request after review.",
)
def transit_gateway_no_auto_accept(inventory: Inventory) -> Iterable[Outcome]:
    gateway: TransitGateway
    for gateway in items(inventory, "transit_gateways", "transit_gateways"):
        setting = gateway["auto_accept_shared_attachments"]
        # AWS's default is disable; only an explicit enable accepts without review.
        accepts = setting == "enable"
        if accepts:
            reason = f"Transit gateway {gateway['id']} accepts attachments shared with it automatically"
        else:
            reason = f"Transit gateway {gateway['id']} waits for each shared attachment to be accepted"
        yield result(
            not accepts,
            gateway["id"],
            TRANSIT_GATEWAY,
            reason,
            region=gateway["region"],
            auto_accept_shared_attachments=setting,
        )


@aws_check(
    id="aws.ec2.client_vpn_connection_logging",
    title="Client VPN endpoints log client connections",
    severity=Severity.MEDIUM,
    service="ec2",
    requires=("client_vpn_endpoints",),
    resource_type=CLIENT_VPN_ENDPOINT,
    rationale="A Client VPN endpoint lets people into the VPC from anywhere. Connection logging records each attempt "
    "(who, from which address, when, accepted or refused, and how long the session lasted) in CloudWatch Logs; "
    "without it there is no trail to tell a stolen certificate or password being used from a colleague working "
    "late.",
    remediation="Turn on client connection logging on the endpoint to a CloudWatch Logs log group "
    "(ModifyClientVpnEndpoint ConnectionLogOptions Enabled true, CloudwatchLogGroup).",
)
def client_vpn_connection_logging(inventory: Inventory) -> Iterable[Outcome]:
    endpoint: ClientVpnEndpoint
    for endpoint in items(inventory, "client_vpn_endpoints", "client_vpn_endpoints"):
        label = f"Client VPN endpoint {endpoint['id']}" + (
            f" ({endpoint['description']})" if endpoint["description"] else ""
        )
        logged = endpoint["connection_logging"]
        if logged:
            reason = f"{label} logs client connections" + (
                f" to log group {endpoint['log_group']}" if endpoint["log_group"] else ""
            )
        else:
            reason = f"{label} does not log client connections"
        yield result(
            logged,
            endpoint["id"],
            CLIENT_VPN_ENDPOINT,
            reason,
            region=endpoint["region"],
            connection_logging=logged,
            log_group=endpoint["log_group"],
        )
