"""Google Workspace checks.  Importing this package registers every Google Workspace check with the registry."""

from . import admins, tokens, users

__all__ = ["admins", "tokens", "users"]
