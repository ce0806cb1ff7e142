"""Who can connect to the PostgreSQL server, for access reviews: the roles that can log in.

Only the superuser flag, LOGIN and the password expiry are collected: CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS and
role memberships are not, so they cannot be shown (nor counted towards ``admin``) yet.  PostgreSQL keeps no last
login time.
"""

from __future__ import annotations

from collections.abc import Iterator

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import roles_data


def accounts(inventory: Inventory) -> Iterator[Account]:
    data = roles_data(inventory)
    for role in data.get("roles", []) if data is not None else []:
        # A NOLOGIN role is a group of privileges, not someone with access; its members are listed on their own.
        if not role.get("can_login"):
            continue
        name = str(role.get("name"))
        superuser = bool(role.get("superuser"))
        yield Account(
            id=name,
            name=name,
            kind=AccountKind.DATABASE_ROLE,
            privileges=("superuser",) if superuser else (),
            admin=superuser,
            # Past its VALID UNTIL the role's password is refused (other authentication methods may still let it in).
            active=not role.get("expired"),
        )


SOURCE = register_accounts(integration_type="postgres", services=("roles",), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (PostgreSQL)",
    resource_type="PostgreSQL::Role",
)
