"""Who has access to the Okta org, for access reviews: every user (deprovisioned ones included), their admin roles
and the groups they belong to (what grants access to applications).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import SIGN_IN_STATUSES, parse_time, service_data, users
from .shapes import Admins, Groups

GROUP_PREFIX = "group:"


def _admin_roles(inventory: Inventory) -> dict[str, list[str]]:
    data = cast(Admins, service_data(inventory, "admins"))
    held: dict[str, list[str]] = {}
    for admin in data.get("admins", []):
        held.setdefault(str(admin.get("user_id")), []).extend(str(r) for r in admin.get("roles", []))
    return held


def _groups(inventory: Inventory) -> dict[str, set[str]]:
    # Read only when collected: see ``SOURCE`` for why groups are optional.
    data = cast(Groups | None, inventory.data.get("groups"))
    held: dict[str, set[str]] = {}
    for group in data.get("groups", []) if data else []:
        label = f"{GROUP_PREFIX}{group.get('name') or group.get('id')}"
        for member in group.get("members", []):
            held.setdefault(str(member), set()).add(label)
    return held


def accounts(inventory: Inventory) -> Iterator[Account]:
    roles = _admin_roles(inventory)
    groups = _groups(inventory)
    for user in users(inventory):
        user_id = str(user.get("id"))
        login = str(user.get("login") or "")
        held = tuple(sorted(set(roles.get(user_id, []))))
        yield Account(
            id=user_id,
            name=login or user_id,
            kind=AccountKind.USER,
            email=login if "@" in login else "",
            privileges=held + tuple(sorted(groups.get(user_id, ()))),
            # A group grants app access, not administration: only a role makes an admin.
            admin=bool(held),
            # Locked out, or with an expired password, the user is one reset away from signing in again; only a
            # suspended, deprovisioned or never activated user cannot.
            active=user.get("status") in SIGN_IN_STATUSES,
            last_activity=parse_time(user.get("last_login")),
            created=parse_time(user.get("created")),
        )


# Groups are optional: collected on every scan but read only when present, so a token without permission to read
# them never freezes the account list (the users are then listed with their roles only).
SOURCE = register_accounts(
    integration_type="okta", optional_services=("groups",), services=("users", "admins"), extract=accounts
)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Okta)",
    resource_type="Okta::User",
)
