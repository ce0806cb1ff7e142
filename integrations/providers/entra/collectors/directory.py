"""People: the user list, authentication-method registration, and who holds a directory role.

Read for the checks in ``checks.users`` and ``checks.admins``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._rest import RestError
from ..shapes import Member, Registration, Registrations, Role, Roles, Users
from ._common import PAGES, Scope, concurrently, segment, strings

USER_TYPE = "#microsoft.graph.user"


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

    found = concurrently(read, raws, workers=scope.workers)
    # A role given to a (role-assignable) group is held by each of its users; such a group cannot hold other
    # groups, so its direct members are all. Reading them needs GroupMember.Read.All: without it the group is
    # named, with the reason, for the checks to report.
    groups = sorted({m["id"] for role in found for m in role["members"] if m["kind"] == "group"})

    names: dict[str, str] = {}

    def users_of(group_id: str) -> tuple[str, list[str] | None, str]:
        path, fields = f"/v1.0/groups/{segment(group_id)}/members", {"$select": "id,userPrincipalName"}
        try:
            listed = scope.api.get_all(path, fields, paging=PAGES)
        except RestError as exc:
            return group_id, None, str(exc)
        users = [
            m for m in listed if isinstance(m, Mapping) and m.get("id") and m.get("@odata.type", USER_TYPE) == USER_TYPE
        ]
        names.update({str(m["id"]): str(m.get("userPrincipalName") or m["id"]) for m in users})
        return group_id, sorted({str(m["id"]) for m in users}), ""

    members = concurrently(users_of, groups, workers=scope.workers)
    return {
        "roles": found,
        "group_members": {group_id: users for group_id, users, _ in members if users is not None},
        "group_member_names": names,
        "unresolved_groups": {group_id: why for group_id, users, why in members if users is None},
        "min_global_admins": scope.min_global_admins,
        "max_global_admins": scope.max_global_admins,
    }
