"""PostgreSQL checks.  Importing this package registers every PostgreSQL check with the registry."""

from . import access, server

__all__ = ["access", "server"]
