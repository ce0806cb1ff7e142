"""Okta checks.  Importing this package registers every Okta check with the registry."""

from . import apps, org, policies, users

__all__ = ["apps", "org", "policies", "users"]
