"""GitHub checks.  Importing this package registers every GitHub check with the registry."""

from . import access, branch_rules, branches, disclosure, organization, ownership, security, upkeep

__all__ = ["access", "branch_rules", "branches", "disclosure", "organization", "ownership", "security", "upkeep"]
