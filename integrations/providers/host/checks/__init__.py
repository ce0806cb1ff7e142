"""Linux host checks.  Importing this package registers every host check with the registry."""

from . import accounts, ssh, system

__all__ = ["accounts", "ssh", "system"]
