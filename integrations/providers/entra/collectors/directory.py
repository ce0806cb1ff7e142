"""People: the user list, authentication-method registration, and who holds a directory role.

Read for the checks in ``checks.users`` and ``checks.admins``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes import Member, Registration, Registrations, Role, Roles, Users
from ._common import PAGES, Scope, concurrently, segment, strings


def collect_users(scope: Scope) -> Users:
    return scope.users()


def _registration(raw: Mapping[str, Any]) -> Registration:
    return {
        "id": str(raw["id"]),
        "upn": raw.get("userPrincipalName"),
        "user_type": raw.get("userType"),
        "is_admin": raw.get("isAdmin"),
        "is_mfa_registered": raw.get("isMfaRegistered"),
        "methods": strings(raw.get("methodsRegistered")),
    }


def collect_registration(scope: Scope) -> Registrations:
    """The authentication-methods registration report: one entry per user (Entra ID P1 or P2)."""
    listed = scope.api.get_all("/v1.0/reports/authenticationMethods/userRegistrationDetails", paging=PAGES)
    entries = [_registration(r) for r in listed if isinstance(r, Mapping) and r.get("id")]
    return {"users": {e["id"]: e for e in entries}}


def _member(raw: Mapping[str, Any]) -> Member:
    kind = str(raw.get("@odata.type") or "").rpartition(".")[2] or "unknown"
    return {
        "id": str(raw["id"]),
        "kind": kind,
        "name": raw.get("userPrincipalName") or raw.get("displayName") or raw.get("appId"),
    }


def collect_roles(scope: Scope) -> Roles:
    """The activated directory roles, then each one's members (paged: ``$expand=members`` stops at 20)."""
    listed = scope.api.get_all("/v1.0/directoryRoles", paging=PAGES)
    raws = [r for r in listed if isinstance(r, Mapping) and r.get("id")]

    def read(raw: Mapping[str, Any]) -> Role:
        members = scope.api.get_all(f"/v1.0/directoryRoles/{segment(raw['id'])}/members", paging=PAGES)
        return {
            "id": str(raw["id"]),
            "display_name": raw.get("displayName"),
            "role_template_id": raw.get("roleTemplateId"),
            "members": [_member(m) for m in members if isinstance(m, Mapping) and m.get("id")],
        }

    return {
        "roles": concurrently(read, raws, workers=scope.workers),
        "min_global_admins": scope.min_global_admins,
        "max_global_admins": scope.max_global_admins,
    }
