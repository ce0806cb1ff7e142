"""DAX nodes placed in Availability Zones as AWS places them; moto 5.2 puts every node in the region's zone "a".

CreateCluster keeps moto's own cluster and then sets each node's zone: from ``AvailabilityZones`` when given (one per
node, as AWS requires), otherwise spread over the region's zones in turn, as DAX spreads them when none is named.
"""

from __future__ import annotations

import json
from typing import Any

from moto.dax.responses import DAXResponse

_ZONE_LETTERS = "abc"
_moto_create_cluster = DAXResponse.create_cluster


class DaxResponses:
    """Methods set on moto's ``DAXResponse``."""

    def create_cluster(self: Any) -> str:
        _moto_create_cluster(self)
        params = json.loads(self.body)
        cluster = self.dax_backend.clusters[params["ClusterName"]]
        zones = params.get("AvailabilityZones") or []
        for index, node in enumerate(cluster.nodes):
            spread = f"{self.region}{_ZONE_LETTERS[index % len(_ZONE_LETTERS)]}"
            node.availability_zone = zones[index] if index < len(zones) else spread
        return json.dumps({"Cluster": cluster.to_json()})


def install() -> None:
    DAXResponse.create_cluster = DaxResponses.create_cluster  # type: ignore[method-assign]
