"""VPC settings collection (regional): subnets' public addressing on launch and transit gateways' attachment
acceptance.

Each is its own inventory service, so a refused DescribeSubnets or DescribeTransitGateways fails only its own check.
"""

from __future__ import annotations

from ..shapes_ec2 import SubnetsRegion, TransitGatewaysRegion
from ._common import Scope, paginate, plain

# Both listings carry every setting judged, 1,000 a page at most: they are read whole, with no per-resource calls.
_PAGE_SIZE = 1_000
# A transit gateway on its way out accepts nothing more.
_GONE = frozenset({"deleting", "deleted"})


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
