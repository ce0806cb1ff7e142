"""Helpers shared by the Google Workspace check modules (no Google calls happen here)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from integrations.providers._saas_checks import days_between, parse_time, service_data  # noqa: F401 - the checks' shared reads
from integrations.registry import Inventory, checks_of, error_outcome, outcome

from ..shapes import Admins, Tokens, User, Users

INTEGRATION_TYPE = "google_workspace"

CUSTOMER = "GoogleWorkspace::Customer"
USER = "GoogleWorkspace::User"
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


def roles_by_user(inventory: Inventory) -> dict[str, list[tuple[str, bool]]]:
    """User id -> [(role name, is super admin role)] of the user's direct role assignments."""
    data = admins_data(inventory)
    roles = {r["id"]: r for r in data.get("roles", [])}
    held: dict[str, list[tuple[str, bool]]] = {}
    for assignment in data.get("assignments", []):
        if (assignment.get("assignee_type") or "user") != "user":
            continue
        role = roles.get(assignment["role_id"])
        name = str(role.get("name") if role else assignment["role_id"])
        held.setdefault(assignment["assigned_to"], []).append((name, bool(role and role.get("is_super_admin"))))
    return held


def is_super_admin(user: Mapping[str, Any], held: Mapping[str, list[tuple[str, bool]]]) -> bool:
    # isAdmin is the super administrator flag; a super admin role assignment says the same.
    return bool(user.get("is_admin")) or any(sup for _, sup in held.get(str(user.get("id")), []))


def is_admin(user: Mapping[str, Any], held: Mapping[str, list[tuple[str, bool]]]) -> bool:
    return bool(user.get("is_admin") or user.get("is_delegated_admin")) or bool(held.get(str(user.get("id"))))


def tokens_data(inventory: Inventory) -> Tokens:
    return cast(Tokens, service_data(inventory, "tokens"))
