"""VPC settings collection (regional): subnets' public addressing on launch, transit gateways' attachment
acceptance and Client VPN endpoints' connection logging.

Each is its own inventory service, so a refused DescribeSubnets, DescribeTransitGateways or DescribeClientVpnEndpoints
fails only its own check.
"""

from __future__ import annotations

from ..shapes_ec2 import ClientVpnEndpointsRegion, SubnetsRegion, TransitGatewaysRegion
from ._common import Scope, paginate, plain

# Both listings carry every setting judged, 1,000 a page at most: they are read whole, with no per-resource calls.
_PAGE_SIZE = 1_000
# A transit gateway or Client VPN endpoint on its way out accepts nothing more.
_GONE = frozenset({"deleting", "deleted"})
# DescribeClientVpnEndpoints gives at most 1,000 a page.
_VPN_PAGE_SIZE = 1_000


def collect_subnets(scope: Scope) -> SubnetsRegion:
    subnets = paginate(scope.client("ec2"), "describe_subnets", "Subnets", PaginationConfig={"PageSize": _PAGE_SIZE})
    return plain(
        {
            "subnets": [
                {
                    "id": s["SubnetId"],
                    "arn": s.get("SubnetArn"),
                    "vpc_id": s.get("VpcId"),
                    "availability_zone": s.get("AvailabilityZone"),
                    "default_for_az": s.get("DefaultForAz") is True,
                    "map_public_ip_on_launch": s.get("MapPublicIpOnLaunch") is True,
                    "region": scope.region,
                }
                for s in subnets
            ]
        }
    )


def collect_transit_gateways(scope: Scope) -> TransitGatewaysRegion:
    gateways = paginate(
        scope.client("ec2"),
        "describe_transit_gateways",
        "TransitGateways",
        PaginationConfig={"PageSize": _PAGE_SIZE},
    )
    return plain(
        {
            "transit_gateways": [
                {
                    "id": g["TransitGatewayId"],
                    "arn": g.get("TransitGatewayArn"),
                    "state": g.get("State"),
                    "auto_accept_shared_attachments": (g.get("Options") or {}).get("AutoAcceptSharedAttachments"),
                    "region": scope.region,
                }
                for g in gateways
                if g.get("State") not in _GONE
            ]
        }
    )


def collect_client_vpn_endpoints(scope: Scope) -> ClientVpnEndpointsRegion:
    endpoints = paginate(
        scope.client("ec2"),
        "describe_client_vpn_endpoints",
        "ClientVpnEndpoints",
        PaginationConfig={"PageSize": _VPN_PAGE_SIZE},
    )
    found = []
    for e in endpoints:
        status = (e.get("Status") or {}).get("Code")
        if status in _GONE:
            continue
        logging = e.get("ConnectionLogOptions") or {}
        found.append(
            {
                "id": e["ClientVpnEndpointId"],
                "description": e.get("Description") or None,
                "status": status,
                "connection_logging": logging.get("Enabled") is True,
                "log_group": logging.get("CloudwatchLogGroup"),
                "region": scope.region,
            }
        )
    return plain({"client_vpn_endpoints": found})
