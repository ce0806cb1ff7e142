"""Microsoft Entra ID checks.  Importing this package registers every Entra ID check with the registry."""

from . import admins, authorization, conditional_access, users

__all__ = ["admins", "authorization", "conditional_access", "users"]
