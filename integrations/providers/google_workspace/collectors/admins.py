"""Administrator roles and who holds them (Directory API role management).

Read for the checks in ``checks.admins``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..._rest import TokenPaging
from ..shapes import Admins, Assignment, Role
from ._common import Scope, segment

ITEMS = TokenPaging(items_key="items")
# The largest pages roles.list and roleAssignments.list serve.
ROLES_PAGE = 100
ASSIGNMENTS_PAGE = 200


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
    return {
        "roles": roles,
        "assignments": assignments,
        "min_super_admins": scope.min_super_admins,
        "max_super_admins": scope.max_super_admins,
    }
