"""GitHub checks.  Importing this package registers every GitHub check with the registry."""

from . import access, actions, branch_rules, branches, disclosure, organization, ownership, security, upkeep

__all__ = [
    "access",
    "actions",
    "branch_rules",
    "branches",
    "disclosure",
    "organization",
    "ownership",
    "security",
    "upkeep",
]
