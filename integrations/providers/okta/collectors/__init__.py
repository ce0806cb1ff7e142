"""What the Okta connector reads, one module per group of services (mirroring ``checks``).

``COLLECTORS`` maps each inventory service to how it is read.  Several services need the
user list (factors per user, admins' logins, deprovisioned users' app assignments); the
:class:`Scope` reads it once per scan, whichever asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import apps, groups, org, policies, users
from ._common import Scope

ServiceCollector = Callable[[Scope], Any]


@dataclass(frozen=True)
class Collector:
    """How one inventory service is read."""

    # What a user reads in an error: "could not read <label> of acme.okta.com".
    label: str
    read: ServiceCollector


COLLECTORS: dict[str, Collector] = {
    "org": Collector("the org settings", org.collect_org),
    "users": Collector("the users", users.collect_users),
    "factors": Collector("the users' enrolled factors", users.collect_factors),
    "admins": Collector("the administrator role assignments", users.collect_admins),
    "groups": Collector("the groups and their members", groups.collect_groups),
    "policies": Collector("the policies and their rules", policies.collect_policies),
    "apps": Collector("the applications and their assignments", apps.collect_apps),
    "api_tokens": Collector("the API tokens", org.collect_api_tokens),
    "threat_insight": Collector("the ThreatInsight configuration", org.collect_threat_insight),
}

__all__ = ["COLLECTORS", "Collector", "Scope"]
