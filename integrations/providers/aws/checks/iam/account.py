"""IAM account checks: the root user and the password policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from .._common import ACCOUNT, aws_check, error, parse_time, result, scan_time
from ._data import PASSWORD_POLICY, account_id, active_keys, days, iam_data, root_row, summary

# --- root user -------------------------------------------------------------------


@aws_check(
    id="aws.iam.root_mfa_enabled",
    title="Root user has multi-factor authentication",
    severity=Severity.CRITICAL,
    service="iam",
    resource_type=ACCOUNT,
    rationale="The root user can do anything in the account, including closing it; a password alone is "
    "one phishing e-mail away from a full takeover.",
    remediation="Sign in as the root user, open Security credentials and assign an MFA device.",
)
def root_mfa_enabled(inventory: Inventory) -> Iterable[Outcome]:
    if "summary" not in iam_data(inventory):
        return []
    enabled = summary(inventory).get("AccountMFAEnabled") == 1
    reason = "The root user has MFA enabled" if enabled else "The root user has no MFA device"
    return [result(enabled, account_id(inventory), ACCOUNT, reason, AccountMFAEnabled=int(enabled))]


def _root_virtual_devices(inventory: Inventory) -> list[str]:
    return [
        d.get("serial", "")
        for d in iam_data(inventory).get("virtual_mfa_devices", [])
        if str(d.get("serial", "")).endswith(":mfa/root-account-mfa-device")
        or str(d.get("user_arn", "")).endswith(":root")
    ]


@aws_check(
    id="aws.iam.root_hardware_mfa_enabled",
    title="Root user MFA is a hardware device",
    severity=Severity.HIGH,
    service="iam",
    resource_type=ACCOUNT,
    rationale="A virtual MFA app lives on a phone that is also used for everyday things; a dedicated "
    "hardware key kept offline is much harder to steal or clone.",
    remediation="Register a hardware TOTP token or FIDO security key for the root user and remove the virtual device.",
)
def root_hardware_mfa_enabled(inventory: Inventory) -> Iterable[Outcome]:
    if "summary" not in iam_data(inventory):
        return []
    enabled = summary(inventory).get("AccountMFAEnabled") == 1
    virtual = _root_virtual_devices(inventory)
    if not enabled:
        reason = "The root user has no MFA device at all"
    elif virtual:
        reason = f"The root user's MFA is a virtual device ({', '.join(virtual)})"
    else:
        reason = "The root user's MFA is a hardware device"
    return [
        result(
            enabled and not virtual,
            account_id(inventory),
            ACCOUNT,
            reason,
            AccountMFAEnabled=int(enabled),
            virtual_mfa_devices=virtual,
        )
    ]


@aws_check(
    id="aws.iam.root_no_access_keys",
    title="Root user has no access keys",
    severity=Severity.CRITICAL,
    service="iam",
    resource_type=ACCOUNT,
    rationale="Root access keys grant unrestricted API access that no policy can limit, and keys leak "
    "through code, CI logs and laptops.",
    remediation="Delete the root user's access keys and use IAM roles or users with scoped permissions instead.",
)
def root_no_access_keys(inventory: Inventory) -> Iterable[Outcome]:
    if "summary" not in iam_data(inventory):
        return []
    present = int(summary(inventory).get("AccountAccessKeysPresent") or 0)
    row = root_row(inventory) or {}
    active = active_keys(row)
    ok = present == 0 and not active
    reason = "The root user has no access keys" if ok else "The root user has access keys"
    return [
        result(ok, account_id(inventory), ACCOUNT, reason, AccountAccessKeysPresent=present, active_root_keys=active)
    ]


@aws_check(
    id="aws.iam.root_not_used_recently",
    title="Root user not used in the last 90 days",
    severity=Severity.HIGH,
    service="iam",
    resource_type=ACCOUNT,
    rationale="Day-to-day work should run under least-privilege identities; recent root activity means "
    "the most powerful credential is being exposed routinely.",
    remediation="Find out who used the root user and why, move that task to an IAM role, and keep root "
    "for the few tasks that require it.",
)
def root_not_used_recently(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    if "credential_report" not in iam:
        return []
    row = root_row(inventory)
    if row is None:
        return [error(account_id(inventory), ACCOUNT, "The credential report has no row for the root user")]
    now = scan_time(iam)
    uses = {
        field: parse_time(row.get(field))
        for field in ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")
    }
    recent = {field: when for field, when in uses.items() if when and now - when < timedelta(days=90)}
    observed: dict[str, Any] = {field: row.get(field) for field in uses}
    if recent:
        field, when = max(recent.items(), key=lambda item: item[1])
        reason = f"The root user was used {days(now - when)} days ago ({field.replace('_', ' ')})"
        return [result(False, account_id(inventory), ACCOUNT, reason, **observed)]
    return [result(True, account_id(inventory), ACCOUNT, "The root user was not used in the last 90 days", **observed)]


# --- password policy -------------------------------------------------------------


def _password_policy_outcome(
    inventory: Inventory, test: Any, describe: Any, fields: tuple[str, ...]
) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    if "password_policy" not in iam:
        return []
    policy = iam.get("password_policy")
    if not policy:
        return [
            result(
                False,
                account_id(inventory),
                PASSWORD_POLICY,
                "The account has no password policy",
                password_policy=None,
            )
        ]
    observed: dict[str, Any] = {f: policy.get(f) for f in fields}
    return [result(bool(test(policy)), account_id(inventory), PASSWORD_POLICY, describe(policy), **observed)]


@aws_check(
    id="aws.iam.password_policy_min_length",
    title="Password policy requires at least 14 characters",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=PASSWORD_POLICY,
    rationale="Length is the main factor in how long a password resists guessing and cracking.",
    remediation="Set the account password policy's minimum password length to 14 or more.",
)
def password_policy_min_length(inventory: Inventory) -> Iterable[Outcome]:
    return _password_policy_outcome(
        inventory,
        lambda p: (p.get("MinimumPasswordLength") or 0) >= 14,
        lambda p: f"Minimum password length is {p.get('MinimumPasswordLength')} (14 required)",
        ("MinimumPasswordLength",),
    )


@aws_check(
    id="aws.iam.password_policy_reuse_prevention",
    title="Password policy prevents reuse of the last 24 passwords",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=PASSWORD_POLICY,
    rationale="Without reuse prevention a forced rotation can be undone by switching back to a password "
    "that may already be known to an attacker.",
    remediation="Set the account password policy to remember 24 previous passwords.",
)
def password_policy_reuse_prevention(inventory: Inventory) -> Iterable[Outcome]:
    return _password_policy_outcome(
        inventory,
        lambda p: (p.get("PasswordReusePrevention") or 0) >= 24,
        lambda p: (
            f"Password reuse prevention remembers {p.get('PasswordReusePrevention') or 0} passwords (24 required)"
        ),
        ("PasswordReusePrevention",),
    )


@aws_check(
    id="aws.iam.password_policy_max_age",
    title="Passwords expire within 90 days",
    severity=Severity.LOW,
    service="iam",
    resource_type=PASSWORD_POLICY,
    rationale="An expiry bounds how long a silently leaked password stays useful.",
    remediation="Enable password expiration in the account password policy with a maximum age of 90 days or less.",
)
def password_policy_max_age(inventory: Inventory) -> Iterable[Outcome]:
    def ok(policy: Mapping[str, Any]) -> bool:
        age = policy.get("MaxPasswordAge") or 0
        return bool(policy.get("ExpirePasswords")) and 0 < age <= 90

    def describe(policy: Mapping[str, Any]) -> str:
        if not policy.get("ExpirePasswords"):
            return "Passwords never expire"
        return f"Passwords expire after {policy.get('MaxPasswordAge')} days (90 or fewer required)"

    return _password_policy_outcome(inventory, ok, describe, ("ExpirePasswords", "MaxPasswordAge"))


_COMPLEXITY = {
    "RequireUppercaseCharacters": "an upper-case letter",
    "RequireLowercaseCharacters": "a lower-case letter",
    "RequireNumbers": "a number",
    "RequireSymbols": "a symbol",
}


@aws_check(
    id="aws.iam.password_policy_complexity",
    title="Password policy requires upper, lower, number and symbol",
    severity=Severity.LOW,
    service="iam",
    resource_type=PASSWORD_POLICY,
    rationale="Mixing character classes enlarges the search space and rules out the most common short passwords.",
    remediation="Require upper-case letters, lower-case letters, numbers and symbols in the account password policy.",
)
def password_policy_complexity(inventory: Inventory) -> Iterable[Outcome]:
    def describe(policy: Mapping[str, Any]) -> str:
        missing = [text for field, text in _COMPLEXITY.items() if not policy.get(field)]
        if missing:
            return f"Passwords are not required to contain {', '.join(missing)}"
        return "Passwords must contain upper, lower, number and symbol characters"

    return _password_policy_outcome(
        inventory, lambda p: all(p.get(f) for f in _COMPLEXITY), describe, tuple(_COMPLEXITY)
    )
