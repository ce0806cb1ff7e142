"""Who has access to the Entra ID tenant, for access reviews: every member and guest user, with the directory roles
they hold.

Roles held through a role-assignable group are not expanded (as in the admin checks), and group memberships are not
collected.
"""

from __future__ import annotations

from collections.abc import Iterator

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import is_guest, parse_time, user_roles, users_data


def accounts(inventory: Inventory) -> Iterator[Account]:
    held = user_roles(inventory)
    for user in users_data(inventory).get("users", []):
        user_id = str(user.get("id"))
        roles = tuple(held.get(user_id, []))
        yield Account(
            id=user_id,
            name=str(user.get("upn") or user.get("display_name") or user_id),
            kind=AccountKind.GUEST if is_guest(user) else AccountKind.USER,
            privileges=roles,
            # Every directory role administers part of the tenant; the admin checks treat each holder as an admin.
            admin=bool(roles),
            # Unknown (None) counts as enabled: a revoked account must never pass on a missing field.
            active=user.get("enabled") is not False,
            last_activity=parse_time(user.get("last_sign_in")),
            created=parse_time(user.get("created")),
        )


SOURCE = register_accounts(integration_type="entra", services=("users", "roles"), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Entra ID)",
    resource_type="Entra::User",
)
