"""GitHub checks.  Importing this package registers every GitHub check with the registry."""

from . import access, branches, organization, security

__all__ = ["access", "branches", "organization", "security"]
