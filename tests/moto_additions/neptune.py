"""Neptune clusters with IAM database authentication, which moto 5.2 refuses for every engine but Aurora's.

Neptune supports IAM database authentication (EnableIAMDatabaseAuthentication on CreateDBCluster); moto raises
InvalidParameterCombination for it. CreateDBCluster is wrapped so a Neptune cluster takes the setting, and moto answers
it back in DescribeDBClusters' IAMDatabaseAuthenticationEnabled as it does for Aurora. Other engines are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.rds.models import DBCluster, RDSBackend

ENGINE = "neptune"
_SETTING = "enable_iam_database_authentication"


def _with_iam_auth(create: Callable[[RDSBackend, dict[str, Any]], DBCluster]) -> Any:
    def create_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        if kwargs.get("engine") != ENGINE or not kwargs.get(_SETTING):
            return create(self, kwargs)
        cluster = create(self, {**kwargs, _SETTING: False})
        cluster.iam_auth = True
        return cluster

    return create_db_cluster


def install() -> None:
    # Wrapped as installed, so another addition wrapping the same method keeps its part.
    RDSBackend.create_db_cluster = _with_iam_auth(RDSBackend.create_db_cluster)  # type: ignore[method-assign]
