"""MemoryDB clusters without replicas, which moto 5.2 cannot make: it reads NumReplicasPerShard 0 as "not given" and
puts one replica in each shard, so every cluster is Multi-AZ.

CreateCluster is wrapped: when the request asks for no replicas, the cluster moto made is set back to none, its shards
rebuilt with one node each and its AvailabilityMode SingleAZ, as MemoryDB reports such a cluster. Everything else is
moto's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.memorydb.responses import MemoryDBResponse


def _create_cluster(create_cluster: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def answer(self: Any) -> Any:
        created = create_cluster(self)
        params = json.loads(self.body)
        if params.get("NumReplicasPerShard") != 0:
            return created
        cluster = self.memorydb_backend.clusters[params["ClusterName"]]
        cluster.num_replicas_per_shard = 0
        cluster.shards = cluster.get_shard_details()
        cluster.availability_mode = "SingleAZ"
        return type(created)({"Cluster": cluster.to_dict()})

    return answer


def install() -> None:
    MemoryDBResponse.create_cluster = _create_cluster(MemoryDBResponse.create_cluster)  # type: ignore[method-assign]
