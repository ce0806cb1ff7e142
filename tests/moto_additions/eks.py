"""EKS cluster deletion protection, which moto 5.2 does not keep.

CreateCluster and UpdateClusterConfig are wrapped: the ``deletionProtection`` they are given is kept on moto's
cluster, where DescribeCluster's answer picks it up (EKS reports false for a cluster made without it). Everything else
is moto's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.eks.responses import EKSResponse


def _keeping_deletion_protection(operation: Callable[[Any], Any], *, default: bool | None) -> Callable[[Any], Any]:
    def answer(self: Any) -> Any:
        name = self._get_param("name")
        wanted = self._get_param("deletionProtection")
        if wanted is None and default is not None:
            wanted = default
        found = operation(self)
        if wanted is not None:
            self.eks_backend.clusters[name].deletion_protection = bool(wanted)
        return found

    return answer


def install() -> None:
    EKSResponse.create_cluster = _keeping_deletion_protection(EKSResponse.create_cluster, default=False)  # type: ignore[method-assign]
    EKSResponse.update_cluster_config = _keeping_deletion_protection(  # type: ignore[method-assign]
        EKSResponse.update_cluster_config, default=None
    )
