"""Helpers shared by the PostgreSQL collector modules."""

from __future__ import annotations


class PostgresConnectorError(Exception):
    """A collection problem that is not a psycopg error."""
