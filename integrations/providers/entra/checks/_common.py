"""Helpers shared by the Entra ID check modules (no Graph calls happen here)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, cast

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


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any]:
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else {}


def tenant_name(inventory: Inventory) -> str:
    return inventory.account_id or "entra-tenant"


def parse_time(value: Any) -> datetime | None:
    """A Graph timestamp ("2025-01-31T09:00:00Z", sometimes with 7 fractional digits) as an aware datetime."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    # Python 3.11 reads at most 6 fractional digits; Graph may write 7.
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def days_between(earlier: datetime, later: datetime) -> int:
    return max((later - earlier).days, 0)


def collected_at(data: Mapping[str, Any]) -> datetime:
    return parse_time(data.get("collected_at")) or datetime.now(UTC)


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
