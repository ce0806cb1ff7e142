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

import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from integrations.providers._saas_checks import parse_time
from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import accounts_data, has_login_shell, host_name, logins_data, ssh_keys_data, sudo_data
from .shapes import Sudo, SudoRule

# The groups whose members distributions let use sudo (Debian/Ubuntu: sudo, admin; RHEL, SUSE, Arch: wheel).
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})


# Run-as entries that let a command run as root: root itself, or anyone.
ROOT_RUNAS = frozenset({"root", "#0", "ALL"})
# Alias chains longer than this are a loop (visudo rejects both).
MAX_ALIAS_DEPTH = 32


class _SudoPolicy:
    """Which sudoers rules apply to a user on this host, aliases and negations resolved as sudo does."""

    def __init__(self, data: Sudo, host: str, group_names: Mapping[int, str]) -> None:
        self.rules: list[SudoRule] = data.get("rules", [])
        self.aliases = data.get("aliases", {})
        self.host = host.lower()
        self.group_names = group_names

    def _members(self, kind: str, item: str, depth: int) -> list[str] | None:
        if depth < MAX_ALIAS_DEPTH and item in self.aliases.get(kind, {}):
            return self.aliases[kind][item]
        return None

    def _list_matches(self, kind: str, items: Sequence[str], matches: Any, depth: int = 0) -> bool:
        # The last item that matches decides: "ALL, !bob" is everyone but bob.
        decided = False
        for raw in items:
            negated = raw.startswith("!")
            item = raw.lstrip("!").strip()
            members = self._members(kind, item, depth)
            hit = self._list_matches(kind, members, matches, depth + 1) if members is not None else matches(item)
            if hit:
                decided = not negated
        return decided

    def _user_matches(self, item: str, user: Mapping[str, Any], groups: set[str]) -> bool:
        if item == "ALL":
            return True
        if item.startswith("%#"):
            return item[2:].isdigit() and int(item[2:]) in {user.get("gid"), *self._gids(groups)}
        if item.startswith("%:"):
            # A group from outside the host's files (sssd, Active Directory): not resolvable here.
            return False
        if item.startswith("%"):
            return item[1:] in groups
        if item.startswith("#"):
            return item[1:].isdigit() and int(item[1:]) == user.get("uid")
        # Netgroups (+name) are not resolved here: they live in NIS or LDAP, not in these files.
        return item == user.get("name")

    def _gids(self, groups: set[str]) -> set[int]:
        return {gid for gid, name in self.group_names.items() if name in groups}

    def _host_matches(self, item: str) -> bool:
        if item == "ALL":
            return True
        short = self.host.split(".", 1)[0]
        pattern = item.lower()
        if any(char in pattern for char in "*?["):
            return fnmatch.fnmatch(self.host, pattern) or fnmatch.fnmatch(short, pattern)
        if pattern[:1].isdigit() or pattern.startswith("+") or ":" in pattern:
            # An address, a network or a netgroup: not known from the files, so the rule is taken to apply
            # (listing a privilege the host may not give beats hiding one it does).
            return True
        return pattern in (self.host, short)

    def privileges(self, user: Mapping[str, Any], groups: set[str]) -> tuple[set[str], bool]:
        """The ``sudo:`` privileges the rules give this user here, and whether one is every command as root."""
        granted: set[str] = set()
        admin = False
        for rule in self.rules:
            if not self._list_matches("User_Alias", rule["users"], lambda i: self._user_matches(i, user, groups)):
                continue
            if not self._list_matches("Host_Alias", rule["hosts"], self._host_matches):
                continue
            for command in rule["commands"]:
                if command["negated"]:
                    continue
                runas = command["runas"] or "root"
                tag = "NOPASSWD: " if "NOPASSWD" in command["tags"] else ""
                granted.add(f"sudo:({runas}) {tag}{command['command']}")
                every_command = self._list_matches("Cmnd_Alias", [command["command"]], lambda i: i == "ALL")
                admin = admin or (every_command and self._as_root(command["runas"]))
        return granted, admin

    def _as_root(self, runas: str) -> bool:
        if not runas:
            return True
        # "(:wheel)" changes only the group: the command runs as the user who called sudo.
        users = [item.strip() for item in runas.split(":", 1)[0].split(",") if item.strip()]
        return self._list_matches("Runas_Alias", users, lambda item: item in ROOT_RUNAS)


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
    policy = _SudoPolicy(sudo, host_name(inventory), group_names) if sudo and sudo.get("installed") else None
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
