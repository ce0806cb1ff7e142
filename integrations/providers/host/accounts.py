"""Who can log in to the host, for access reviews: its local accounts with a login shell or a password.

/etc/passwd, /etc/shadow's password states and /etc/group (ids and supplementary members) are collected; sudoers
rules, authorized SSH keys and last logins are not. So an administrator is recognised by user id 0, or by sudo,
wheel or admin as the primary group or one the user is a supplementary member of (``usermod -aG sudo``, the
usual way on Debian and Ubuntu).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import accounts_data

# Shells that end the session at once: the account exists for a daemon or for file ownership, not for people.
NO_LOGIN_SHELLS = frozenset({"nologin", "false", "sync", "shutdown", "halt"})
# The groups whose members distributions let use sudo (Debian/Ubuntu: sudo, admin; RHEL, SUSE, Arch: wheel).
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})


def _has_login_shell(user: Mapping[str, Any]) -> bool:
    # An empty shell field means /bin/sh.
    shell = str(user.get("shell") or "").strip()
    return not shell or shell.rsplit("/", 1)[-1] not in NO_LOGIN_SHELLS


def accounts(inventory: Inventory) -> Iterator[Account]:
    data = accounts_data(inventory)
    if data is None:
        return
    groups: Mapping[str, int] = data.get("groups") or {}
    group_names: dict[int, str] = {}
    for group, group_id in groups.items():
        group_names.setdefault(group_id, group)
    admin_gids = {group_id for group, group_id in groups.items() if group in ADMIN_GROUPS}
    passwords = {str(row.get("name")): row.get("password") for row in data.get("shadow") or []}
    supplementary: dict[str, set[str]] = {}
    for group, names in (data.get("members") or {}).items():
        for member in names:
            supplementary.setdefault(member, set()).add(group)
    for user in data.get("users", []):
        name = str(user.get("name"))
        uid, gid = user.get("uid"), user.get("gid")
        login_shell = _has_login_shell(user)
        has_password = passwords.get(name) in ("set", "empty")
        if not (login_shell or has_password or uid == 0):
            continue
        member_of = supplementary.get(name, set())
        privileges = {f"group:{group_names.get(gid, gid)}"} if gid is not None else set()
        privileges |= {f"group:{group}" for group in member_of}
        if uid == 0:
            privileges.add("uid:0")
        yield Account(
            id=name,
            name=name,
            kind=AccountKind.USER,
            privileges=tuple(sorted(privileges)),
            admin=uid == 0 or gid in admin_gids or bool(member_of & ADMIN_GROUPS),
            # A locked password does not close the account: whoever holds an authorized SSH key still gets the
            # shell.  Only taking the shell away does.
            active=login_shell,
        )


SOURCE = register_accounts(integration_type="host", services=("accounts",), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Linux host)",
    resource_type="Host::Account",
)
