"""Helpers shared by the Entra ID check modules (no Graph calls happen here)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from integrations.providers._saas_checks import collected_at, days_between, parse_time, service_data  # noqa: F401 - the checks' shared reads
from integrations.registry import Inventory, checks_of, error_outcome, outcome

from ..shapes import ConditionalAccess, Policy, Role, Roles, User, Users

INTEGRATION_TYPE = "entra"

TENANT = "Entra::Tenant"
USER = "Entra::User"
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
    """User id -> the directory roles the user holds directly (group members of a role are not expanded)."""
    held: dict[str, list[str]] = {}
    for role in roles(inventory):
        for member in role.get("members", []):
            if member.get("kind") == "user":
                held.setdefault(member["id"], []).append(role_name(role))
    return {user_id: sorted(set(names)) for user_id, names in held.items()}


def conditional_access(inventory: Inventory) -> ConditionalAccess:
    return cast(ConditionalAccess, service_data(inventory, "conditional_access"))


def enabled_policies(inventory: Inventory) -> list[Policy]:
    return [p for p in conditional_access(inventory).get("policies", []) if p.get("state") == "enabled"]


def policy_label(policy: Mapping[str, Any]) -> str:
    return f"'{policy.get('name') or policy.get('id')}'"
