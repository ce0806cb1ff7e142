"""What the Entra ID connector reads, one module per group of services.

``COLLECTORS`` maps each inventory service to how it is read.  The user list serves the
``users`` service and is read once per scan through the :class:`Scope`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import directory, groups, policies
from ._common import Scope

ServiceCollector = Callable[[Scope], Any]


@dataclass(frozen=True)
class Collector:
    """How one inventory service is read, and the Graph application permission it needs."""

    # What a user reads in an error: "could not read <label> of contoso.onmicrosoft.com".
    label: str
    read: ServiceCollector
    permission: str


COLLECTORS: dict[str, Collector] = {
    "users": Collector("the users", directory.collect_users, "User.Read.All (and AuditLog.Read.All)"),
    "registration": Collector(
        "the authentication-methods registration report", directory.collect_registration, "AuditLog.Read.All"
    ),
    "roles": Collector(
        "the directory roles and their members", directory.collect_roles, "RoleManagement.Read.Directory"
    ),
    "groups": Collector("the groups and their members", groups.collect_groups, "GroupMember.Read.All"),
    "conditional_access": Collector(
        "security defaults and the conditional access policies", policies.collect_conditional_access, "Policy.Read.All"
    ),
    "authorization_policy": Collector(
        "the authorization policy", policies.collect_authorization_policy, "Policy.Read.All"
    ),
}

__all__ = ["COLLECTORS", "Collector", "Scope"]
