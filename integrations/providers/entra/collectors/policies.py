"""Tenant policies: security defaults, conditional access and the authorization policy.

Read for the checks in ``checks.conditional_access`` and ``checks.authorization``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._rest import RestHttpError
from ..shapes import AuthorizationPolicy, ConditionalAccess, Policy
from ._common import PAGES, Scope, strings


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _policy(raw: Mapping[str, Any]) -> Policy:
    conditions = _mapping(raw.get("conditions"))
    users = _mapping(conditions.get("users"))
    apps = _mapping(conditions.get("applications"))
    grant = _mapping(raw.get("grantControls"))
    strength = _mapping(grant.get("authenticationStrength"))
    return {
        "id": str(raw["id"]),
        "name": raw.get("displayName"),
        "state": raw.get("state"),
        "include_users": strings(users.get("includeUsers")),
        "exclude_users": strings(users.get("excludeUsers")),
        "include_roles": strings(users.get("includeRoles")),
        "exclude_roles": strings(users.get("excludeRoles")),
        "include_groups": strings(users.get("includeGroups")),
        "include_applications": strings(apps.get("includeApplications")),
        "client_app_types": strings(conditions.get("clientAppTypes")),
        "user_risk_levels": strings(conditions.get("userRiskLevels")),
        "sign_in_risk_levels": strings(conditions.get("signInRiskLevels")),
        "grant_operator": grant.get("operator"),
        "built_in_controls": strings(grant.get("builtInControls")),
        "authentication_strength": (strength.get("displayName") or strength.get("id")) if strength else None,
    }


def collect_conditional_access(scope: Scope) -> ConditionalAccess:
    defaults = _mapping(scope.api.get_json("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy"))
    enabled = defaults.get("isEnabled")
    unreadable: str | None = None
    policies: list[Policy] = []
    try:
        listed = scope.api.get_all("/v1.0/identity/conditionalAccess/policies", paging=PAGES)
    except RestHttpError as exc:
        # Security defaults were readable, so the permission is there: a 403 here is a tenant without
        # conditional access (no Entra ID P1), where security defaults are the only protection to judge.
        if exc.status != 403:
            raise
        unreadable = f"Graph refused to list conditional access policies ({exc}); they need Entra ID P1"
    else:
        policies = [_policy(p) for p in listed if isinstance(p, Mapping) and p.get("id")]
    return {
        "security_defaults": enabled if isinstance(enabled, bool) else None,
        "policies": policies,
        "policies_unreadable": unreadable,
    }


def collect_authorization_policy(scope: Scope) -> AuthorizationPolicy:
    raw = scope.api.get_json("/v1.0/policies/authorizationPolicy")
    # v1.0 answers the tenant's one policy; beta (and old v1.0) wrapped it in a collection.
    if isinstance(raw, Mapping) and isinstance(raw.get("value"), list):
        raw = next(iter(raw["value"]), {})
    policy = _mapping(raw)
    defaults = _mapping(policy.get("defaultUserRolePermissions"))
    return {
        "id": policy.get("id"),
        "allow_invites_from": policy.get("allowInvitesFrom"),
        "guest_user_role_id": policy.get("guestUserRoleId"),
        "allowed_to_create_apps": defaults.get("allowedToCreateApps"),
    }
