"""Network addressing collection (regional): Elastic IP addresses.

Kept apart from ``ec2`` so that a refused DescribeAddresses fails only the checks that read it.
"""

from __future__ import annotations

from ..shapes_network import EipRegion
from ._common import Scope, plain


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
