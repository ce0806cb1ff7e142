"""Helpers shared by the Google Workspace check modules (no Google calls happen here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from integrations.providers._saas_checks import days_between, parse_time, service_data  # noqa: F401 - the checks' shared reads
from integrations.registry import Inventory, Outcome, checks_of, error_outcome, outcome

from ..shapes import Admins, Tokens, User, Users

INTEGRATION_TYPE = "google_workspace"

CUSTOMER = "GoogleWorkspace::Customer"
USER = "GoogleWorkspace::User"
GROUP = "GoogleWorkspace::Group"
GROUP_MEMBER_SCOPE = "admin.directory.group.member.readonly"
OAUTH_APP = "GoogleWorkspace::OAuthApp"

workspace_check = checks_of(INTEGRATION_TYPE)
result = outcome
error = error_outcome


def customer_name(inventory: Inventory) -> str:
    return inventory.account_id or "google-workspace"


def users_data(inventory: Inventory) -> Users:
    return cast(Users, service_data(inventory, "users"))


def collected_at(inventory: Inventory) -> datetime:
    return parse_time(users_data(inventory).get("collected_at")) or datetime.now(UTC)


def is_active(user: Mapping[str, Any]) -> bool:
    """Can sign in: neither suspended nor archived."""
    return not user.get("suspended") and not user.get("archived")


def users(inventory: Inventory) -> list[User]:
    return list(users_data(inventory).get("users", []))


def active_users(inventory: Inventory) -> Iterator[User]:
    return (u for u in users(inventory) if is_active(u))


def label(user: Mapping[str, Any]) -> str:
    return str(user.get("email") or user.get("id"))


def admins_data(inventory: Inventory) -> Admins:
    return cast(Admins, service_data(inventory, "admins"))


def _role_table(data: Admins) -> dict[str, tuple[str, bool]]:
    return {r["id"]: (str(r.get("name") or r["id"]), bool(r.get("is_super_admin"))) for r in data.get("roles", [])}


def roles_by_user(inventory: Inventory) -> dict[str, list[tuple[str, bool]]]:
    """User id -> [(role name, is super admin role)]: roles assigned to the user, and to any group the user is in
    (nested groups included; a group holding the whole account gives its roles to every user)."""
    data = admins_data(inventory)
    roles = _role_table(data)
    members = data.get("group_members", {})
    everyone = set(data.get("everyone_groups", []))
    held: dict[str, list[tuple[str, bool]]] = {}
    for assignment in data.get("assignments", []):
        kind, holder = (assignment.get("assignee_type") or "user").lower(), assignment["assigned_to"]
        if kind == "user":
            holders: Iterable[str] = (holder,)
        elif kind == "group":
            holders = (str(u.get("id")) for u in users(inventory)) if holder in everyone else members.get(holder, [])
        else:
            continue
        role = roles.get(assignment["role_id"], (assignment["role_id"], False))
        for user_id in holders:
            if role not in held.setdefault(user_id, []):
                held[user_id].append(role)
    return held


def unreadable_groups(inventory: Inventory, *, super_admin_only: bool = False) -> list[Outcome]:
    """An error outcome per group holding a role whose members could not be read: who it makes an administrator
    is unknown, so a check over administrators names it rather than pass over them."""
    data = admins_data(inventory)
    roles = _role_table(data)
    unresolved = data.get("unresolved_groups", {})
    outcomes: list[Outcome] = []
    for group_id in sorted(unresolved):
        held = {
            roles.get(a["role_id"], (a["role_id"], False))
            for a in data.get("assignments", [])
            if a["assigned_to"] == group_id and (a.get("assignee_type") or "").lower() == "group"
        }
        if super_admin_only and not any(sup for _, sup in held):
            continue
        names = ", ".join(sorted(name for name, _ in held))
        reason = (
            f"The members of group {group_id}, which holds {names}, could not be read ({unresolved[group_id]}); "
            f"delegate {GROUP_MEMBER_SCOPE} to the service account so they are judged"
        )
        outcomes.append(error(group_id, GROUP, reason, roles=sorted(name for name, _ in held)))
    return outcomes


def is_super_admin(user: Mapping[str, Any], held: Mapping[str, list[tuple[str, bool]]]) -> bool:
    # isAdmin is the super administrator flag; a super admin role assignment says the same.
    return bool(user.get("is_admin")) or any(sup for _, sup in held.get(str(user.get("id")), []))


def is_admin(user: Mapping[str, Any], held: Mapping[str, list[tuple[str, bool]]]) -> bool:
    return bool(user.get("is_admin") or user.get("is_delegated_admin")) or bool(held.get(str(user.get("id"))))


def tokens_data(inventory: Inventory) -> Tokens:
    return cast(Tokens, service_data(inventory, "tokens"))
