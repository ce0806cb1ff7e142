"""Who has access to the Entra ID tenant, for access reviews: every member and guest user, with the directory roles
they hold (directly or through a role-assignable group) and the groups they belong to.

A user in a group nested in another is listed with both groups: the outer group's access reaches them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import is_guest, parse_time, user_roles, users_data
from .shapes import Groups

GROUP_PREFIX = "group:"


def _members(inventory: Inventory) -> dict[str, tuple[str, list[str]]]:
    """Group id -> (its name, its user members); empty when groups were not collected."""
    # Read only when collected: see ``SOURCE`` for why groups are optional.
    data = cast(Groups | None, inventory.data.get("groups"))
    return {
        g["id"]: (str(g.get("display_name") or g["id"]), g.get("members", []))
        for g in (data.get("groups", []) if data else [])
    }


def _held(inventory: Inventory, members: dict[str, tuple[str, list[str]]]) -> dict[str, set[str]]:
    """User id -> the directory roles and ``group:`` names the user holds."""
    # Roles held through a role-assignable group are among them: the roles collector reads such groups' members.
    held = {user_id: set(names) for user_id, names in user_roles(inventory).items()}
    for name, user_ids in members.values():
        for user_id in user_ids:
            held.setdefault(user_id, set()).add(f"{GROUP_PREFIX}{name}")
    return held


def accounts(inventory: Inventory) -> Iterator[Account]:
    held = _held(inventory, _members(inventory))
    for user in users_data(inventory).get("users", []):
        user_id = str(user.get("id"))
        names = held.get(user_id, set())
        directory_roles = tuple(sorted(n for n in names if not n.startswith(GROUP_PREFIX)))
        yield Account(
            id=user_id,
            name=str(user.get("upn") or user.get("display_name") or user_id),
            kind=AccountKind.GUEST if is_guest(user) else AccountKind.USER,
            privileges=directory_roles + tuple(sorted(n for n in names if n.startswith(GROUP_PREFIX))),
            # Every directory role administers part of the tenant; the admin checks treat each holder as an admin.
            # A group membership alone grants app access, not administration.
            admin=bool(directory_roles),
            # Unknown (None) counts as enabled: a revoked account must never pass on a missing field.
            active=user.get("enabled") is not False,
            last_activity=parse_time(user.get("last_sign_in")),
            created=parse_time(user.get("created")),
        )


# Groups are optional: collected on every scan but read only when present, so a token without permission to read
# them never freezes the account list (the users are then listed with their roles only).
SOURCE = register_accounts(
    integration_type="entra", optional_services=("groups",), services=("users", "roles"), extract=accounts
)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Entra ID)",
    resource_type="Entra::User",
)
