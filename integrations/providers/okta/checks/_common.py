"""Helpers shared by the Okta check modules (no Okta calls happen here)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from integrations.providers._saas_checks import collected_at, days_between, parse_time, service_data  # noqa: F401 - the checks' shared reads
from integrations.registry import Inventory, checks_of, error_outcome, outcome

from ..shapes import Policies, Policy, Rule, User, Users

INTEGRATION_TYPE = "okta"

ORG = "Okta::Org"
USER = "Okta::User"
POLICY = "Okta::Policy"
POLICY_RULE = "Okta::PolicyRule"
APP = "Okta::App"
API_TOKEN = "Okta::ApiToken"

# Users who can sign in, now or once unlocked or past a password reset.
SIGN_IN_STATUSES = frozenset({"ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY"})

okta_check = checks_of(INTEGRATION_TYPE)
result = outcome
error = error_outcome


def org_name(inventory: Inventory) -> str:
    return inventory.account_id or "okta-org"


def users_data(inventory: Inventory) -> Users:
    return cast(Users, service_data(inventory, "users"))


def users(inventory: Inventory, statuses: frozenset[str] | None = None) -> Iterator[User]:
    for user in users_data(inventory).get("users", []):
        if statuses is None or user.get("status") in statuses:
            yield user


def user_label(user: Mapping[str, Any]) -> str:
    return str(user.get("login") or user.get("id"))


def policies(inventory: Inventory, policy_type: str) -> list[Policy]:
    """The active policies of a type, highest priority first."""
    data = cast(Policies, service_data(inventory, "policies"))
    listed = data.get("by_type", {}).get(policy_type, [])
    return sorted(
        (p for p in listed if p.get("status") == "ACTIVE"),
        key=lambda p: (p.get("priority") or 0, str(p.get("id"))),
    )


def active_rules(policy: Policy) -> list[Rule]:
    return [r for r in policy.get("rules", []) if r.get("status") == "ACTIVE"]


def dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def policy_label(policy: Mapping[str, Any]) -> str:
    return f"policy '{policy.get('name') or policy.get('id')}'"


def rule_label(policy: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    return f"rule '{rule.get('name') or rule.get('id')}' of {policy_label(policy)}"
