"""Helpers shared by the Entra ID check modules (no Graph calls happen here)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from integrations.providers._saas_checks import collected_at, days_between, parse_time, service_data  # noqa: F401 - the checks' shared reads
from integrations.registry import Inventory, Outcome, checks_of, error_outcome, outcome

from ..shapes import ConditionalAccess, Policy, Role, Roles, User, Users

INTEGRATION_TYPE = "entra"

TENANT = "Entra::Tenant"
USER = "Entra::User"
GROUP = "Entra::Group"
POLICY = "Entra::AuthorizationPolicy"

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"

entra_check = checks_of(INTEGRATION_TYPE)
result = outcome
error = error_outcome


def tenant_name(inventory: Inventory) -> str:
    return inventory.account_id or "entra-tenant"


def users_data(inventory: Inventory) -> Users:
    return cast(Users, service_data(inventory, "users"))


def enabled_users(inventory: Inventory, user_type: str | None = None) -> Iterator[User]:
    """Accounts that can sign in, of one type ("Member", "Guest") or all."""
    for user in users_data(inventory).get("users", []):
        if user.get("enabled") is False:
            continue
        if user_type is None or str(user.get("user_type") or "Member").lower() == user_type.lower():
            yield user


def is_guest(user: Mapping[str, Any]) -> bool:
    return str(user.get("user_type") or "").lower() == "guest"


def user_label(user: Mapping[str, Any]) -> str:
    return str(user.get("upn") or user.get("id"))


def roles(inventory: Inventory) -> list[Role]:
    return cast(Roles, service_data(inventory, "roles")).get("roles", [])


def role_name(role: Mapping[str, Any]) -> str:
    return str(role.get("display_name") or role.get("role_template_id") or role.get("id"))


def user_roles(inventory: Inventory) -> dict[str, list[str]]:
    """User id -> the directory roles the user holds, directly or through a role-assignable group."""
    data = cast(Roles, service_data(inventory, "roles"))
    members = data.get("group_members", {}) if data else {}
    held: dict[str, list[str]] = {}
    for role in roles(inventory):
        for member in role.get("members", []):
            if member.get("kind") == "user":
                held.setdefault(member["id"], []).append(role_name(role))
            elif member.get("kind") == "group":
                for user_id in members.get(member["id"], []):
                    held.setdefault(user_id, []).append(role_name(role))
    return {user_id: sorted(set(names)) for user_id, names in held.items()}


def unreadable_role_groups(inventory: Inventory, *, template_id: str | None = None) -> list[Outcome]:
    """An error outcome per group holding a directory role (of ``template_id``, if given) whose members could not
    be read: who holds the role through it is unknown, so a check over role holders names it."""
    data = cast(Roles, service_data(inventory, "roles"))
    unresolved = data.get("unresolved_groups", {}) if data else {}
    outcomes: list[Outcome] = []
    holding: dict[str, tuple[str, set[str]]] = {}
    for role in roles(inventory):
        if template_id not in (None, role.get("role_template_id")):
            continue
        for m in role.get("members", []):
            if m.get("kind") == "group" and m["id"] in unresolved:
                holding.setdefault(m["id"], (str(m.get("name") or m["id"]), set()))[1].add(role_name(role))
    for group_id, (name, names) in sorted(holding.items()):
        held = sorted(names)
        reason = (
            f"The members of group {name}, which holds {', '.join(held)}, could not be read ({unresolved[group_id]}); "
            "grant GroupMember.Read.All so they are judged"
        )
        outcomes.append(error(name, GROUP, reason, roles=held, group_id=group_id))
    return outcomes


def conditional_access(inventory: Inventory) -> ConditionalAccess:
    return cast(ConditionalAccess, service_data(inventory, "conditional_access"))


def enabled_policies(inventory: Inventory) -> list[Policy]:
    return [p for p in conditional_access(inventory).get("policies", []) if p.get("state") == "enabled"]


def policy_label(policy: Mapping[str, Any]) -> str:
    return f"'{policy.get('name') or policy.get('id')}'"
