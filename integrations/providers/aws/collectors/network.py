"""Network addressing collection (regional): Elastic IP addresses and the routes to VPC peering connections.

Kept apart from ``ec2`` so that a refused DescribeAddresses or DescribeRouteTables fails only the checks that read it.
"""

from __future__ import annotations

from ..shapes_network import EipRegion, RouteTablesRegion
from ._common import Scope, paginate, plain


def collect_eip(scope: Scope) -> EipRegion:
    # DescribeAddresses is not paginated: it answers every address of the region at once.
    addresses = scope.client("ec2").describe_addresses().get("Addresses", [])
    return plain(
        {
            "addresses": [
                {
                    "allocation_id": a.get("AllocationId"),
                    "public_ip": a.get("PublicIp"),
                    "association_id": a.get("AssociationId") or None,
                    "instance_id": a.get("InstanceId") or None,
                    "network_interface_id": a.get("NetworkInterfaceId") or None,
                    "region": scope.region,
                }
                for a in addresses
            ]
        }
    )


def collect_route_tables(scope: Scope) -> RouteTablesRegion:
    tables = paginate(scope.client("ec2"), "describe_route_tables", "RouteTables")
    return plain(
        {
            "route_tables": [
                {
                    "id": t.get("RouteTableId"),
                    "vpc_id": t.get("VpcId"),
                    "main": any(a.get("Main") for a in t.get("Associations", [])),
                    "subnet_ids": sorted({str(a["SubnetId"]) for a in t.get("Associations", []) if a.get("SubnetId")}),
                    "internet_gateway_route": any(
                        str(r.get("GatewayId", "")).startswith("igw-") for r in t.get("Routes", [])
                    ),
                    "peering_routes": [
                        {
                            "destination": r.get("DestinationCidrBlock")
                            or r.get("DestinationIpv6CidrBlock")
                            or r.get("DestinationPrefixListId"),
                            "peering_id": r["VpcPeeringConnectionId"],
                        }
                        for r in t.get("Routes", [])
                        if r.get("VpcPeeringConnectionId")
                    ],
                    "region": scope.region,
                }
                for t in tables
            ]
        }
    )
