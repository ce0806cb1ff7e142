"""Who has access to the Google Workspace account, for access reviews: every user and the admin roles they hold,
directly or through a group (nested groups included).

Other group memberships are not collected, so the privileges are the administrator roles only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import is_active, is_admin, parse_time, roles_by_user, users

# Google writes the Unix epoch as the last login of a user who never signed in.
NEVER_YEAR = 1970


def _last_login(value: Any) -> datetime | None:
    moment = parse_time(value)
    return None if moment is None or moment.year <= NEVER_YEAR else moment


def accounts(inventory: Inventory) -> Iterator[Account]:
    held = roles_by_user(inventory)
    for user in users(inventory):
        user_id = str(user.get("id"))
        email = str(user.get("email") or "")
        privileges = {name for name, _ in held.get(user_id, [])}
        # The flags say what the role assignments may not show (a super admin made before role management).
        if user.get("is_admin"):
            privileges.add("super_admin")
        elif user.get("is_delegated_admin") and not privileges:
            privileges.add("delegated_admin")
        yield Account(
            id=user_id,
            name=email or user_id,
            kind=AccountKind.USER,
            email=email,
            privileges=tuple(sorted(privileges)),
            admin=is_admin(user, held),
            active=is_active(user),
            last_activity=_last_login(user.get("last_login")),
            created=parse_time(user.get("created")),
        )


SOURCE = register_accounts(integration_type="google_workspace", services=("users", "admins"), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Google Workspace)",
    resource_type="GoogleWorkspace::User",
)
