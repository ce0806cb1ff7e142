"""What the PostgreSQL connector reads, one module per group of services (mirroring ``checks``).

Each collector reads one service through the scan's open read-only connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import psycopg

from . import access, server
from ._common import PostgresConnectorError

Collector = Callable[[psycopg.Connection], Mapping[str, Any]]

COLLECTORS: dict[str, Collector] = {
    "settings": server.collect_settings,
    "hba": access.collect_hba,
    "roles": access.collect_roles,
    "schemas": access.collect_schemas,
    "databases": server.collect_databases,
}

__all__ = ["COLLECTORS", "Collector", "PostgresConnectorError"]
