"""Applications: the Okta Admin Console's sign-in requires MFA."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Apps, Policies
from ._common import APP, active_rules, dig, error, okta_check, result, service_data

# Okta's internal name of its Admin Console application.
ADMIN_CONSOLE = "saasure"


@okta_check(
    id="okta.apps.admin_console_requires_mfa",
    title="Signing in to the Okta Admin Console requires two factors",
    severity=Severity.CRITICAL,
    service="apps",
    resource_type=APP,
    requires=("apps", "policies"),
    rationale="The Admin Console is where every account, policy and application is changed; its authentication "
    "policy decides whether a password alone opens it.",
    remediation="In Security → Authentication Policies, give the Okta Admin Console a policy whose every allowing "
    "rule requires 'Password + Another factor' (or a phishing-resistant factor).",
)
def admin_console_requires_mfa(inventory: Inventory) -> Iterable[Outcome]:
    apps = cast(Apps, service_data(inventory, "apps"))
    policies = cast(Policies, service_data(inventory, "policies"))
    console = next((a for a in apps.get("apps", []) if a.get("name") == ADMIN_CONSOLE), None)
    if console is None:
        return [error("Okta Admin Console", APP, "The Okta Admin Console application was not listed")]
    resource = str(console.get("id"))
    if "ACCESS_POLICY" in policies.get("unsupported", []):
        return [
            error(
                resource,
                APP,
                "This org runs Okta Classic Engine, where the Admin Console's MFA setting (Security → "
                "Administrators) is not readable through the API",
            )
        ]
    policy = next(
        (p for p in policies.get("by_type", {}).get("ACCESS_POLICY", []) if p.get("id") == console["access_policy_id"]),
        None,
    )
    if policy is None:
        return [error(resource, APP, "The Okta Admin Console's authentication policy was not found")]
    allowing = [r for r in active_rules(policy) if dig(r, "actions", "appSignOn", "access") == "ALLOW"]
    weak = sorted(
        str(r.get("name") or r.get("id"))
        for r in allowing
        if dig(r, "actions", "appSignOn", "verificationMethod", "factorMode") != "2FA"
    )
    name = policy.get("name") or policy.get("id")
    if weak:
        reason = f"The Okta Admin Console's policy '{name}' lets rule(s) {', '.join(weak)} in with one factor"
    else:
        reason = f"Every rule of the Okta Admin Console's policy '{name}' requires two factors"
    return [result(not weak, resource, APP, reason, policy=name, one_factor_rules=weak)]
