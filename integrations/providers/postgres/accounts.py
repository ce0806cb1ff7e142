"""Who can connect to the PostgreSQL server, for access reviews: the roles that can log in.

Only the superuser flag, LOGIN and the password expiry are collected: CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS and
role memberships are not, so they cannot be shown (nor counted towards ``admin``) yet.  PostgreSQL keeps no last
login time.
"""

from __future__ import annotations

from collections.abc import Iterator

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import roles_data

# Role attributes beyond superuser that an access reviewer must see, as the collector names them.
ATTRIBUTES = ("create_role", "create_db", "replication", "bypass_rls")


def accounts(inventory: Inventory) -> Iterator[Account]:
    data = roles_data(inventory)
    for role in data.get("roles", []) if data is not None else []:
        # A NOLOGIN role is a group of privileges, not someone with access; its members are listed on their own.
        if not role.get("can_login"):
            continue
        name = str(role.get("name"))
        superuser = bool(role.get("superuser"))
        flags = [flag for flag in ATTRIBUTES if role.get(flag)]
        yield Account(
            id=name,
            name=name,
            kind=AccountKind.DATABASE_ROLE,
            privileges=tuple(
                sorted(["superuser"] * superuser + flags + [f"member of {g}" for g in role.get("member_of", [])])
            ),
            # CREATEROLE can grant itself almost any role (before PostgreSQL 16, any but superuser): an administrator.
            admin=superuser or bool(role.get("create_role")),
            # Past its VALID UNTIL the role's password is refused (other authentication methods may still let it in).
            active=not role.get("expired"),
        )


SOURCE = register_accounts(integration_type="postgres", services=("roles",), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (PostgreSQL)",
    resource_type="PostgreSQL::Role",
)
