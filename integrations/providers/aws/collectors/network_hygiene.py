"""Network interface collection (regional): the security groups each elastic network interface carries.

No other collector reads DescribeNetworkInterfaces. It is its own inventory service, so a refused read fails only
the check that needs it (aws.ec2.security_group_in_use); the network ACLs, instances, VPC endpoints and subnets the
other network hygiene checks judge come from the ``ec2``, ``vpc`` and ``subnets`` services.
"""

from __future__ import annotations

from ..shapes_ec2 import NetworkInterfacesRegion
from ._common import Scope, paginate, plain

# The listing carries every interface's groups, 1,000 a page at most: it is read whole, with no per-interface calls.
_PAGE_SIZE = 1_000


def collect_network_interfaces(scope: Scope) -> NetworkInterfacesRegion:
    interfaces = paginate(
        scope.client("ec2"),
        "describe_network_interfaces",
        "NetworkInterfaces",
        PaginationConfig={"PageSize": _PAGE_SIZE},
    )
    return plain(
        {
            "network_interfaces": [
                {
                    "id": n["NetworkInterfaceId"],
                    "group_ids": sorted({str(g["GroupId"]) for g in n.get("Groups", []) if g.get("GroupId")}),
                    "interface_type": n.get("InterfaceType"),
                    "status": n.get("Status"),
                    "region": scope.region,
                }
                for n in interfaces
            ]
        }
    )
