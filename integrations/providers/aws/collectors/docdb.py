"""DocumentDB collection (regional): each DocumentDB cluster's encryption, backups, log exports, deletion protection,
tag copying and zones, and each manual cluster snapshot's encryption and sharing. DocumentDB's management API is
RDS's, as Neptune's is: the same reads, filtered to the ``docdb`` engine."""

from __future__ import annotations

from ..shapes_databases import DocDbRegion
from ._common import Scope
from .neptune import engine_clusters

DOCDB_ENGINE = "docdb"


def collect_docdb(scope: Scope) -> DocDbRegion:
    return engine_clusters(scope, "docdb", DOCDB_ENGINE)
