"""Linux host checks.  Importing this package registers every host check with the registry."""

from . import accounts, monitoring, pam, ssh, sudo, system

__all__ = ["accounts", "monitoring", "pam", "ssh", "sudo", "system"]
