"""VPC peering routing: routes to a peering connection cover only the peer's addresses, not the world."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_network import PeeringRoute, RouteTable
from ._common import aws_check, items, result

ROUTE_TABLE = "AWS::EC2::RouteTable"

# The widest block a single VPC can hold: an IPv4 VPC is at most a /16 and an Amazon-provided IPv6 block is a /56,
# so a peering route wider than that necessarily reaches addresses no peer VPC owns.
WIDEST_PREFIX = {4: 16, 6: 56}


def _route_tables(inventory: Inventory) -> Iterator[RouteTable]:
    return items(inventory, "route_tables", "route_tables")


def _too_broad(route: PeeringRoute) -> bool:
    try:
        network = ipaddress.ip_network(str(route.get("destination")), strict=False)
    except ValueError:
        # A prefix list destination is a managed, named set of ranges; its width is not visible here.
        return False
    return network.prefixlen < WIDEST_PREFIX[network.version]


@aws_check(
    id="aws.vpc.peering_routes_least_access",
    title="Routes to VPC peering connections are narrow",
    severity=Severity.MEDIUM,
    service="vpc",
    resource_type=ROUTE_TABLE,
    rationale="A peering route for 0.0.0.0/0 or another range wider than any VPC sends traffic to the peer that "
    "it has no business receiving and widens what a compromised peer can reach; routes should name only the "
    "peer's subnets.",
    remediation="Replace the broad destination of each peering route with the CIDR blocks of the peer VPC (or "
    "just the subnets that must talk), and delete peering routes nothing needs.",
    requires=("route_tables",),
)
def peering_routes_least_access(inventory: Inventory) -> Iterable[Outcome]:
    # Route tables without a peering route are not judged: the recommendation is about peering routes only.
    for table in _route_tables(inventory):
        routes = table.get("peering_routes", [])
        if not routes:
            continue
        tid = str(table.get("id"))
        broad = [r for r in routes if _too_broad(r)]
        listed = ", ".join(f"{r.get('destination')} -> {r.get('peering_id')}" for r in broad)
        reason = (
            f"Route table {tid} sends broad destinations to VPC peering: {listed}"
            if broad
            else f"Route table {tid} routes only narrow destinations to VPC peering"
        )
        yield result(
            not broad,
            tid,
            ROUTE_TABLE,
            reason,
            region=str(table.get("region", "")),
            vpc_id=table.get("vpc_id"),
            broad_routes=[dict(r) for r in broad],
            peering_routes=len(routes),
        )
