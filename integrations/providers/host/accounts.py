"""Who can log in to the host, for access reviews: its local accounts with a login shell or a password.

/etc/passwd, /etc/shadow's password states, /etc/group (ids and supplementary members), sudo's policy
(/etc/sudoers and what it includes), each user's last login (lastlog, lastlog2) and the keys of their
authorized_keys files are collected. An administrator is an account with user id 0, one in sudo, wheel or
admin (as its primary group or a supplementary one: ``usermod -aG sudo``, the usual way on Debian and Ubuntu),
or one a sudoers rule lets run every command as root on this host. Every sudoers rule that applies to an
account is listed among its privileges, as ``sudo:(run-as) [NOPASSWD: ]commands``, and so is every authorized
SSH key, as ``ssh-key:type SHA256:fingerprint comment``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from integrations.providers._saas_checks import parse_time
from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from . import sudoers
from .checks._common import accounts_data, has_login_shell, host_name, logins_data, ssh_keys_data, sudo_data

# The groups whose members distributions let use sudo (Debian/Ubuntu: sudo, admin; RHEL, SUSE, Arch: wheel).
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})


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
    ssh_keys = ssh_keys_data(inventory)
    keys = ssh_keys.get("keys", {}) if ssh_keys else {}
    logins = logins_data(inventory)
    last_logins = logins.get("last", {}) if logins and logins.get("sources") else {}
    sudo = sudo_data(inventory)
    policy = sudoers.Policy(sudo, host_name(inventory), group_names) if sudo and sudo.get("installed") else None
    for user in data.get("users", []):
        name = str(user.get("name"))
        uid, gid = user.get("uid"), user.get("gid")
        login_shell = has_login_shell(user)
        has_password = passwords.get(name) in ("set", "empty")
        if not (login_shell or has_password or uid == 0):
            continue
        member_of = supplementary.get(name, set())
        privileges = {f"group:{group_names.get(gid, gid)}"} if gid is not None else set()
        privileges |= {f"group:{group}" for group in member_of}
        if uid == 0:
            privileges.add("uid:0")
        # Each key that lets someone in as this account, so a reviewer can ask whose it is.
        privileges |= {f"ssh-key:{k['type']} {k['fingerprint']} {k['comment']}".rstrip() for k in keys.get(name, [])}
        sudo_admin = False
        if policy is not None:
            in_groups = member_of | ({group_names[gid]} if gid in group_names else set())
            granted, sudo_admin = policy.privileges(user, in_groups)
            privileges |= granted
        yield Account(
            id=name,
            name=name,
            kind=AccountKind.USER,
            privileges=tuple(sorted(privileges)),
            admin=uid == 0 or gid in admin_gids or bool(member_of & ADMIN_GROUPS) or sudo_admin,
            # A locked password does not close the account: whoever holds an authorized SSH key still gets the
            # shell.  Only taking the shell away does.
            active=login_shell,
            last_activity=parse_time(last_logins[name]["at"]) if name in last_logins else None,
        )


SOURCE = register_accounts(
    integration_type="host", services=("accounts",), optional_services=("sudo", "logins", "ssh_keys"), extract=accounts
)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (Linux host)",
    resource_type="Host::Account",
)
