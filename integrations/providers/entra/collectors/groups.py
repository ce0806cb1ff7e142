"""Groups and their members: what grants access to applications, and who holds a role given to a group.

Read for ``accounts`` only; no check needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shapes import Group, Groups
from ._common import PAGES, Scope, concurrently, segment

GROUP_FIELDS = "id,displayName,isAssignableToRole"
USER_TYPE = "#microsoft.graph.user"


def _is_user(raw: Mapping[str, Any]) -> bool:
    # Members may also be nested groups, devices or service principals, none of them a reviewed account; Graph names
    # the type of each item of this mixed list, and an item without one is kept rather than lose a user.
    kind = raw.get("@odata.type")
    return kind is None or kind == USER_TYPE


def collect_groups(scope: Scope) -> Groups:
    """Every group, then each one's users, those of groups nested in it included (``transitiveMembers``), a few
    groups at a time: a user in a nested group has the outer group's access too."""
    listed = scope.api.get_all("/v1.0/groups", {"$select": GROUP_FIELDS}, paging=PAGES)
    raws = [g for g in listed if isinstance(g, Mapping) and g.get("id")]

    def read(raw: Mapping[str, Any]) -> Group:
        members = scope.api.get_all(
            f"/v1.0/groups/{segment(raw['id'])}/transitiveMembers", {"$select": "id"}, paging=PAGES
        )
        ids = {str(m["id"]) for m in members if isinstance(m, Mapping) and m.get("id") and _is_user(m)}
        return {
            "id": str(raw["id"]),
            "display_name": raw.get("displayName"),
            "assignable_to_role": raw.get("isAssignableToRole"),
            "members": sorted(ids),
        }

    return {"groups": concurrently(read, raws, workers=scope.workers)}
