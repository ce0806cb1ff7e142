"""Linux host checks.  Importing this package registers every host check with the registry."""

from . import accounts, ssh, sudo, system

__all__ = ["accounts", "ssh", "sudo", "system"]
