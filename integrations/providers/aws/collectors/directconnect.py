"""AWS Direct Connect collection (regional): the region's connections with their state and location."""

from __future__ import annotations

from ..shapes_delivery import DirectConnectRegion
from ._common import Scope, plain

# Connections that no longer carry, nor will carry, traffic: not counted towards redundancy.
_GONE = frozenset({"deleting", "deleted", "rejected"})


def collect_directconnect(scope: Scope) -> DirectConnectRegion:
    # DescribeConnections is not paginated: one answer holds every connection of the region.
    listed = scope.client("directconnect").describe_connections().get("connections", [])
    connections = [
        {
            "id": c["connectionId"],
            "name": c.get("connectionName"),
            "state": c.get("connectionState"),
            "location": c.get("location"),
            "bandwidth": c.get("bandwidth"),
            "lag_id": c.get("lagId"),
            "region": scope.region,
        }
        for c in listed
        if c.get("connectionState") not in _GONE
    ]
    return plain({"connections": sorted(connections, key=lambda c: c["id"])})
