"""Administrator roles and who holds them (Directory API role management), members of role-holding groups included.

Read for the checks in ``checks.admins``. A role may be assigned to a group: its users, those of groups nested
in it too (``includeDerivedMembership``), hold the role. A group whose members cannot be read (the credential
lacks the group member scope) is named with the reason, so the checks report it instead of passing over it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..._rest import RestError, TokenPaging
from ..shapes import Admins, Assignment, Role
from ._common import Scope, concurrently, segment

ITEMS = TokenPaging(items_key="items")
MEMBERS = TokenPaging(items_key="members")
# The largest pages roles.list, roleAssignments.list and members.list serve.
ROLES_PAGE = 100
ASSIGNMENTS_PAGE = 200
MEMBERS_PAGE = 200
GROUP = "group"
# members.list types: a user, a nested group (expanded by includeDerivedMembership), the whole account.
USER_MEMBER, EVERYONE_MEMBER = "USER", "CUSTOMER"


def _group_members(scope: Scope, group_id: str) -> tuple[str, list[str] | None, bool, str]:
    """(group id, its users' ids or None when unreadable, whether it holds the whole account, why unreadable)."""
    try:
        members = scope.api.get_all(
            f"/admin/directory/v1/groups/{segment(group_id)}/members",
            {"includeDerivedMembership": "true", "maxResults": MEMBERS_PAGE},
            paging=MEMBERS,
        )
    except RestError as exc:
        return group_id, None, False, str(exc)
    kinds = [m for m in members if isinstance(m, Mapping) and m.get("id")]
    users = sorted({str(m["id"]) for m in kinds if m.get("type") == USER_MEMBER})
    return group_id, users, any(m.get("type") == EVERYONE_MEMBER for m in kinds), ""


def collect_admins(scope: Scope) -> Admins:
    base = f"/admin/directory/v1/customer/{segment(scope.customer)}"
    roles: list[Role] = [
        {"id": str(r["roleId"]), "name": r.get("roleName"), "is_super_admin": r.get("isSuperAdminRole") is True}
        for r in scope.api.get_all(f"{base}/roles", {"maxResults": ROLES_PAGE}, paging=ITEMS)
        if isinstance(r, Mapping) and r.get("roleId")
    ]
    assignments: list[Assignment] = [
        {
            "id": a.get("roleAssignmentId"),
            "role_id": str(a["roleId"]),
            "assigned_to": str(a["assignedTo"]),
            "assignee_type": a.get("assigneeType"),
            "scope_type": a.get("scopeType"),
        }
        for a in scope.api.get_all(f"{base}/roleassignments", {"maxResults": ASSIGNMENTS_PAGE}, paging=ITEMS)
        if isinstance(a, Mapping) and a.get("roleId") and a.get("assignedTo")
    ]
    groups = sorted({a["assigned_to"] for a in assignments if (a["assignee_type"] or "").lower() == GROUP})
    read = concurrently(lambda group_id: _group_members(scope, group_id), groups, workers=scope.workers)
    return {
        "roles": roles,
        "assignments": assignments,
        "group_members": {group_id: users for group_id, users, _, _ in read if users is not None},
        "everyone_groups": [group_id for group_id, _, everyone, _ in read if everyone],
        "unresolved_groups": {group_id: why for group_id, users, _, why in read if users is None},
        "min_super_admins": scope.min_super_admins,
        "max_super_admins": scope.max_super_admins,
    }
