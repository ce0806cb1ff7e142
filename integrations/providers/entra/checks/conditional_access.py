"""Conditional access (and security defaults): MFA for everyone and for admins, legacy authentication, risk.

Each check judges the tenant as a whole: it passes when at least one *enabled* policy does
the job for all users (or the admin roles) and all cloud apps.  Report-only policies do not
count (they enforce nothing) but are named in the reason.  Exclusions (break-glass
accounts) are accepted and listed in the observed values.  Security defaults, where on,
stand in for the MFA and legacy-authentication policies, not for the risk-based ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Policy
from ._common import (
    GLOBAL_ADMIN,
    TENANT,
    conditional_access,
    enabled_policies,
    entra_check,
    error,
    policy_label,
    result,
    tenant_name,
)

REPORT_ONLY = "enabledForReportingButNotEnforced"
LEGACY_CLIENTS = frozenset({"exchangeActiveSync", "other"})


def requires_mfa(policy: Policy) -> bool:
    """Grants access only with MFA: the built-in 'mfa' control or an authentication strength (all MFA-grade)."""
    controls = policy.get("built_in_controls", [])
    if "block" in controls:
        return False
    # With OR, another control (a compliant device) could be satisfied instead of MFA.
    if policy.get("grant_operator") == "OR" and [c for c in controls if c != "mfa"]:
        return False
    return "mfa" in controls or bool(policy.get("authentication_strength"))


def blocks(policy: Policy) -> bool:
    return "block" in policy.get("built_in_controls", [])


def all_users(policy: Policy) -> bool:
    return "All" in policy.get("include_users", [])


def all_apps(policy: Policy) -> bool:
    return "All" in policy.get("include_applications", [])


def _judge(
    inventory: Inventory,
    what: str,
    matches: Callable[[Policy], bool],
    *,
    defaults_count: bool,
) -> list[Outcome]:
    """One tenant outcome: pass when security defaults (if they count) or an enabled policy matching does it."""
    data = conditional_access(inventory)
    if not data:
        return []
    tenant = tenant_name(inventory)
    if defaults_count and data.get("security_defaults"):
        return [result(True, tenant, TENANT, f"Security defaults {what} in {tenant}", security_defaults=True)]
    unreadable = data.get("policies_unreadable")
    if unreadable:
        why = "security defaults are off" if defaults_count else "security defaults do not cover this"
        reason = f"Cannot tell whether a policy {what} in {tenant}: {unreadable}, and {why}"
        return [error(tenant, TENANT, reason, security_defaults=bool(data.get("security_defaults")))]
    enforcing = [p for p in enabled_policies(inventory) if matches(p)]
    if enforcing:
        names = ", ".join(policy_label(p) for p in enforcing)
        excluded = sorted({u for p in enforcing for u in p.get("exclude_users", [])})
        reason = f"Conditional access policy {names} {what} in {tenant}"
        return [result(True, tenant, TENANT, reason, policies=[p["id"] for p in enforcing], excluded_users=excluded)]
    trial = [
        p for p in data.get("policies", []) if p.get("state") == REPORT_ONLY and matches({**p, "state": "enabled"})
    ]
    reason = f"No enabled conditional access policy {what} in {tenant}"
    if trial:
        reason += f" (report-only, not enforced: {', '.join(policy_label(p) for p in trial)})"
    if defaults_count:
        reason += " and security defaults are off"
    return [result(False, tenant, TENANT, reason, security_defaults=bool(data.get("security_defaults")))]


@entra_check(
    id="entra.conditional_access.mfa_all_users",
    title="Multifactor authentication is required of all users (conditional access or security defaults)",
    severity=Severity.HIGH,
    service="conditional_access",
    resource_type=TENANT,
    rationale="A password alone falls to phishing, spraying and reuse; requiring a second factor for every user "
    "on every app stops most account takeovers.",
    remediation="Create a conditional access policy for All users (excluding break-glass accounts) and All cloud "
    "apps granting access only with 'Require multifactor authentication', or turn on security defaults.",
)
def mfa_all_users(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "requires MFA of all users",
        lambda p: all_users(p) and all_apps(p) and requires_mfa(p),
        defaults_count=True,
    )


@entra_check(
    id="entra.conditional_access.mfa_admins",
    title="Multifactor authentication is required of administrators (Global Administrator at least)",
    severity=Severity.CRITICAL,
    service="conditional_access",
    resource_type=TENANT,
    rationale="Administrators are the accounts attackers want most; a policy aimed at the admin roles keeps them "
    "protected even when the all-users policy carries exclusions or is relaxed.",
    remediation="Create a conditional access policy including the directory roles (Global Administrator and the "
    "other privileged roles) and All cloud apps, requiring MFA or a phishing-resistant authentication strength.",
)
def mfa_admins(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "requires MFA of Global Administrators",
        lambda p: (
            (all_users(p) or GLOBAL_ADMIN in p.get("include_roles", []))
            and GLOBAL_ADMIN not in p.get("exclude_roles", [])
            and all_apps(p)
            and requires_mfa(p)
        ),
        defaults_count=True,
    )


@entra_check(
    id="entra.conditional_access.legacy_auth_blocked",
    title="Legacy authentication (Exchange ActiveSync and other basic-auth clients) is blocked",
    severity=Severity.HIGH,
    service="conditional_access",
    resource_type=TENANT,
    rationale="Legacy protocols (IMAP, POP, SMTP AUTH, older Office clients) cannot do MFA, so they let a stolen "
    "or sprayed password in past every MFA policy.",
    remediation="Create a conditional access policy for All users and All cloud apps with the client apps "
    "condition 'Exchange ActiveSync clients' and 'Other clients', granting 'Block access'.",
)
def legacy_auth_blocked(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "blocks legacy authentication",
        lambda p: all_users(p) and all_apps(p) and blocks(p) and set(p.get("client_app_types", [])) >= LEGACY_CLIENTS,
        defaults_count=True,
    )


@entra_check(
    id="entra.conditional_access.sign_in_risk_policy",
    title="Risky sign-ins are challenged or blocked (a sign-in risk policy)",
    severity=Severity.MEDIUM,
    service="conditional_access",
    resource_type=TENANT,
    rationale="Entra ID Protection scores each sign-in (anonymous IP, impossible travel, password spray); a policy "
    "acting on medium and high risk stops an attacker holding valid credentials in the act.",
    remediation="Create a conditional access policy for All users and All cloud apps with the sign-in risk "
    "condition (medium and high) requiring MFA or blocking access (needs Entra ID P2).",
)
def sign_in_risk_policy(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "acts on sign-in risk",
        lambda p: all_users(p) and bool(p.get("sign_in_risk_levels")) and (requires_mfa(p) or blocks(p)),
        defaults_count=False,
    )


@entra_check(
    id="entra.conditional_access.user_risk_policy",
    title="Users at risk must change their password or are blocked (a user risk policy)",
    severity=Severity.MEDIUM,
    service="conditional_access",
    resource_type=TENANT,
    rationale="A user flagged at high risk (leaked credentials, confirmed compromise) keeps signing in with a "
    "password the attacker knows until a policy forces a secure change or blocks the account.",
    remediation="Create a conditional access policy for All users and All cloud apps with the user risk condition "
    "(high) requiring a password change with MFA, or blocking access (needs Entra ID P2).",
)
def user_risk_policy(inventory: Inventory) -> Iterable[Outcome]:
    return _judge(
        inventory,
        "acts on user risk",
        lambda p: (
            all_users(p)
            and bool(p.get("user_risk_levels"))
            and ("passwordChange" in p.get("built_in_controls", []) or blocks(p))
        ),
        defaults_count=False,
    )
