"""Amazon DocumentDB clusters and instances on moto's RDS backend, which refuses the ``docdb`` engine in moto 5.2.

DocumentDB's management API is RDS's (botocore's ``docdb`` client sends the same actions to the same endpoint, with
``Engine=docdb``), so moto's own RDS models serve it once they accept the engine: these additions add ``docdb`` to
the engines moto's clusters and instances take, with DocumentDB's defaults where moto looks one up by engine (engine
version 5.0.0, port 27017, storage managed by the cluster, the ``default.docdb5.0`` cluster parameter group). Every
other behaviour (backup retention, log exports, deletion protection, Multi-AZ from the members' zones, cluster
snapshots and their restore attribute) is moto's, as for Aurora and Neptune.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.rds.models import DBCluster, DBInstance, RDSBackend
from moto.rds.utils import ClusterEngine, DbInstanceEngine

ENGINE = "docdb"
VERSION = "5.0.0"
PORT = 27017
PARAMETER_GROUP = "default.docdb5.0"


def _with_docdb(listed: Callable[[], list[str]]) -> Any:
    return classmethod(lambda cls: sorted({*listed(), ENGINE}))


def _engine_default(original: Callable[..., Any], value: Any) -> Any:
    def default(engine: str, *args: Any, **kwargs: Any) -> Any:
        return value if engine == ENGINE else original(engine, *args, **kwargs)

    return staticmethod(default)


def _with_parameter_group(create: Callable[[RDSBackend, dict[str, Any]], DBCluster]) -> Any:
    def create_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        cluster = create(self, kwargs)
        if cluster.engine == ENGINE and not kwargs.get("db_cluster_parameter_group_name"):
            cluster.parameter_group = PARAMETER_GROUP  # moto's default is Aurora's
        return cluster

    return create_db_cluster


def install() -> None:
    ClusterEngine.list_cluster_engines = _with_docdb(ClusterEngine.list_cluster_engines)  # type: ignore[method-assign]
    DbInstanceEngine.valid_db_instance_engine = _with_docdb(  # type: ignore[method-assign]
        DbInstanceEngine.valid_db_instance_engine
    )
    DBCluster.default_engine_version = _engine_default(DBCluster.default_engine_version, VERSION)  # type: ignore[method-assign]
    DBCluster.default_port = _engine_default(DBCluster.default_port, PORT)  # type: ignore[method-assign]
    DBCluster.default_allocated_storage = _engine_default(DBCluster.default_allocated_storage, 0)  # type: ignore[method-assign]
    DBInstance.default_port = _engine_default(DBInstance.default_port, PORT)  # type: ignore[method-assign]
    DBInstance.default_allocated_storage = _engine_default(DBInstance.default_allocated_storage, 0)  # type: ignore[method-assign]
    DBInstance.default_engine_versions = {**DBInstance.default_engine_versions, ENGINE: VERSION}
    # Wrapped as installed, so another addition wrapping the same method keeps its part.
    RDSBackend.create_db_cluster = _with_parameter_group(RDSBackend.create_db_cluster)  # type: ignore[method-assign]
