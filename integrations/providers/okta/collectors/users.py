"""People: the user list, each user's enrolled factors, and who holds an administrator role.

Read for the checks in ``checks.users``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..._rest import NextLinkPaging
from ..shapes import Admin, Admins, Factor, Factors, Users
from ._common import PAGES, SIGN_IN_STATUSES, Scope, concurrently, segment

# GET /api/v1/iam/assignees/users answers {"value": [...], "_links": {"next": {"href": ...}}}.
ASSIGNEES = NextLinkPaging(items_key="value", next_path=("_links", "next", "href"))


def collect_users(scope: Scope) -> Users:
    return {
        "users": scope.users(),
        "inactive_days": scope.inactive_days,
        "stuck_days": scope.stuck_days,
        "collected_at": scope.collected_at,
    }


def _factor(raw: Mapping[str, object]) -> Factor:
    return {
        "id": raw.get("id"),  # type: ignore[typeddict-item]
        "factor_type": raw.get("factorType"),  # type: ignore[typeddict-item]
        "provider": raw.get("provider"),  # type: ignore[typeddict-item]
        "status": raw.get("status"),  # type: ignore[typeddict-item]
    }


def collect_factors(scope: Scope) -> Factors:
    """One GET /api/v1/users/{id}/factors per user who can sign in, a few at a time."""
    ids = [u["id"] for u in scope.users() if u.get("status") in SIGN_IN_STATUSES]

    def read(user_id: str) -> list[Factor]:
        factors = scope.api.get_all(f"/api/v1/users/{segment(user_id)}/factors", paging=PAGES)
        return [_factor(f) for f in factors if isinstance(f, Mapping)]

    return {"users": dict(zip(ids, concurrently(read, ids, workers=scope.workers), strict=True))}


def collect_admins(scope: Scope) -> Admins:
    """The users with a role assignment (one listing), then each one's roles, direct or through a group."""
    listed = scope.api.get_all("/api/v1/iam/assignees/users", {"limit": 100}, paging=ASSIGNEES)
    ids = list(dict.fromkeys(str(a["id"]) for a in listed if isinstance(a, Mapping) and a.get("id")))
    logins = {u["id"]: u.get("login") for u in scope.users()}

    def read(user_id: str) -> Admin:
        roles = scope.api.get_all(f"/api/v1/users/{segment(user_id)}/roles", paging=PAGES)
        types = [
            str(r.get("type"))
            for r in roles
            if isinstance(r, Mapping) and r.get("type") and r.get("status", "ACTIVE") == "ACTIVE"
        ]
        return {"user_id": user_id, "login": logins.get(user_id), "roles": sorted(set(types))}

    admins = [a for a in concurrently(read, ids, workers=scope.workers) if a["roles"]]
    return {
        "admins": admins,
        "min_super_admins": scope.min_super_admins,
        "max_super_admins": scope.max_super_admins,
    }
