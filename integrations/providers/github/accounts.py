"""Who has access to the GitHub organisation, for access reviews: its owners, its other members and the
repositories' outside collaborators (anyone granted a repository without being a member)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from integrations.registry import Account, AccountKind, Inventory, register_accounts, revocation_check

from .checks._common import members_data, per_repository

# GitHub's repository permissions, weakest first; a collaborator's role is the strongest one granted.
PERMISSIONS = ("pull", "triage", "push", "maintain", "admin")


def _role(collaborator: Mapping[str, Any]) -> str:
    if collaborator.get("role_name"):
        return str(collaborator["role_name"])
    granted = collaborator.get("permissions") or {}
    return next((p for p in reversed(PERMISSIONS) if granted.get(p)), "none")


def _is_repo_admin(collaborator: Mapping[str, Any]) -> bool:
    return bool((collaborator.get("permissions") or {}).get("admin")) or collaborator.get("role_name") == "admin"


def accounts(inventory: Inventory) -> Iterator[Account]:
    members = members_data(inventory)
    # Logins are case-insensitive on GitHub, and the lowercased one is what a decision is recorded against.
    owners = {str(login).lower(): str(login) for login in members.get("admins", [])}
    plain = {str(login).lower(): str(login) for login in members.get("members", []) if str(login).lower() not in owners}

    grants: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    repo_admin: set[str] = set()
    for full_name, collaborators in sorted(per_repository(inventory, "collaborators").items()):
        for collaborator in collaborators or []:
            login = collaborator.get("login")
            if not login:
                continue
            key = str(login).lower()
            names.setdefault(key, str(login))
            grants.setdefault(key, []).append(f"{full_name}:{_role(collaborator)}")
            if _is_repo_admin(collaborator):
                repo_admin.add(key)

    def repositories(key: str) -> tuple[str, ...]:
        return tuple(sorted(set(grants.get(key, []))))

    for key, login in sorted(owners.items()):
        yield Account(
            id=key, name=login, kind=AccountKind.MEMBER, privileges=("org:admin", *repositories(key)), admin=True
        )
    for key, login in sorted(plain.items()):
        yield Account(
            id=key,
            name=login,
            kind=AccountKind.MEMBER,
            privileges=("org:member", *repositories(key)),
            admin=key in repo_admin,
        )
    for key in sorted(grants):
        if key in owners or key in plain:
            continue
        yield Account(
            id=key,
            name=names[key],
            kind=AccountKind.OUTSIDE_COLLABORATOR,
            privileges=repositories(key),
            # Admin on a repository lets them change its settings and invite others to it.
            admin=key in repo_admin,
        )


SOURCE = register_accounts(integration_type="github", services=("members", "collaborators"), extract=accounts)
REVOCATION_CHECK = revocation_check(
    SOURCE,
    title="Accounts revoked in an access review no longer have access (GitHub)",
    resource_type="GitHub::Account",
)
