"""Groups and who is in them: what grants access to applications, for the access review's privileges.

Read for ``accounts`` only; no check needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes import Group, Groups
from ._common import PAGES, Scope, concurrently, segment

GROUPS_LIMIT = 200
MEMBERS_LIMIT = 200
# Okta's "Everyone" group holds every user: listing it as a privilege of each would tell a reviewer nothing.
BUILT_IN = "BUILT_IN"


def _name(raw: Mapping[str, Any]) -> str | None:
    profile = raw.get("profile")
    name = profile.get("name") if isinstance(profile, Mapping) else None
    return str(name) if name else None


def collect_groups(scope: Scope) -> Groups:
    """GET /api/v1/groups, then each group's members (ids only), a few groups at a time."""
    listed = scope.api.get_all("/api/v1/groups", {"limit": GROUPS_LIMIT}, paging=PAGES)
    wanted = [g for g in listed if isinstance(g, Mapping) and g.get("id") and g.get("type") != BUILT_IN]

    def read(raw: Mapping[str, Any]) -> Group:
        members = scope.api.get_all(
            f"/api/v1/groups/{segment(raw['id'])}/users", {"limit": MEMBERS_LIMIT}, paging=PAGES
        )
        ids = [str(m["id"]) for m in members if isinstance(m, Mapping) and m.get("id")]
        return {"id": str(raw["id"]), "name": _name(raw), "type": raw.get("type"), "members": sorted(set(ids))}

    return {"groups": concurrently(read, wanted, workers=scope.workers)}
