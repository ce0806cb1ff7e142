"""Who has access to the Okta org, for access reviews: every user (deprovisioned ones included) and their admin roles.

Group memberships are not collected, so the privileges are the administrator roles only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import SIGN_IN_STATUSES, parse_time, service_data, users
from .shapes import Admins


def _admin_roles(inventory: Inventory) -> dict[str, list[str]]:
    data = cast(Admins, service_data(inventory, "admins"))
    held: dict[str, list[str]] = {}
    for admin in data.get("admins", []):
        held.setdefault(str(admin.get("user_id")), []).extend(str(r) for r in admin.get("roles", []))
    return held


def accounts(inventory: Inventory) -> Iterator[Account]:
    roles = _admin_roles(inventory)
    for user in users(inventory):
        user_id = str(user.get("id"))
        login = str(user.get("login") or "")
        held = tuple(sorted(set(roles.get(user_id, []))))
        yield Account(
            id=user_id,
            name=login or user_id,
            kind=AccountKind.USER,
            email=login if "@" in login else "",
            privileges=held,
            admin=bool(held),
            # Locked out, or with an expired password, the user is one reset away from signing in again; only a
            # suspended, deprovisioned or never activated user cannot.
            active=user.get("status") in SIGN_IN_STATUSES,
            last_activity=parse_time(user.get("last_login")),
            created=parse_time(user.get("created")),
        )


SOURCE = register_accounts(integration_type="okta", services=("users", "admins"), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Okta)",
    resource_type="Okta::User",
)
