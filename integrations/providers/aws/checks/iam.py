"""IAM checks: root user, password policy, users, policies, certificates, Access Analyzer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ._common import (
    ACCOUNT,
    as_list,
    aws_check,
    error,
    parse_time,
    regions,
    result,
    scan_time,
    service_data,
    statements,
)

ROOT_ROW = "<root_account>"
USER = "AWS::IAM::User"
POLICY = "AWS::IAM::ManagedPolicy"
CERTIFICATE = "AWS::IAM::ServerCertificate"
PASSWORD_POLICY = "AWS::IAM::AccountPasswordPolicy"


def _iam(inventory: Inventory) -> Mapping[str, Any]:
    return service_data(inventory, "iam")


def _account(inventory: Inventory) -> str:
    return inventory.account_id or "aws-account"


def _report_users(inventory: Inventory) -> Iterable[Mapping[str, Any]]:
    return [row for row in _iam(inventory).get("credential_report", []) if row.get("user") != ROOT_ROW]


def _root_row(inventory: Inventory) -> Mapping[str, Any] | None:
    return next((r for r in _iam(inventory).get("credential_report", []) if r.get("user") == ROOT_ROW), None)


def _summary(inventory: Inventory) -> Mapping[str, Any]:
    return _iam(inventory).get("summary", {})


def _days(delta: timedelta) -> int:
    return int(delta.total_seconds() // 86400)


def _active_keys(row: Mapping[str, Any]) -> list[int]:
    return [n for n in (1, 2) if row.get(f"access_key_{n}_active") is True]


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
    if "summary" not in _iam(inventory):
        return []
    enabled = _summary(inventory).get("AccountMFAEnabled") == 1
    reason = "The root user has MFA enabled" if enabled else "The root user has no MFA device"
    return [result(enabled, _account(inventory), ACCOUNT, reason, AccountMFAEnabled=int(enabled))]


def _root_virtual_devices(inventory: Inventory) -> list[str]:
    return [
        d.get("serial", "")
        for d in _iam(inventory).get("virtual_mfa_devices", [])
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
    if "summary" not in _iam(inventory):
        return []
    enabled = _summary(inventory).get("AccountMFAEnabled") == 1
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
            _account(inventory),
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
    if "summary" not in _iam(inventory):
        return []
    present = int(_summary(inventory).get("AccountAccessKeysPresent") or 0)
    row = _root_row(inventory) or {}
    active = _active_keys(row)
    ok = present == 0 and not active
    reason = "The root user has no access keys" if ok else "The root user has access keys"
    return [result(ok, _account(inventory), ACCOUNT, reason, AccountAccessKeysPresent=present, active_root_keys=active)]


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
    iam = _iam(inventory)
    if "credential_report" not in iam:
        return []
    row = _root_row(inventory)
    if row is None:
        return [error(_account(inventory), ACCOUNT, "The credential report has no row for the root user")]
    now = scan_time(iam)
    uses = {
        field: parse_time(row.get(field))
        for field in ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")
    }
    recent = {field: when for field, when in uses.items() if when and now - when < timedelta(days=90)}
    observed = {field: row.get(field) for field in uses}
    if recent:
        field, when = max(recent.items(), key=lambda item: item[1])
        reason = f"The root user was used {_days(now - when)} days ago ({field.replace('_', ' ')})"
        return [result(False, _account(inventory), ACCOUNT, reason, **observed)]
    return [result(True, _account(inventory), ACCOUNT, "The root user was not used in the last 90 days", **observed)]


# --- password policy -------------------------------------------------------------


def _password_policy_outcome(
    inventory: Inventory, test: Any, describe: Any, fields: tuple[str, ...]
) -> Iterable[Outcome]:
    iam = _iam(inventory)
    if "password_policy" not in iam:
        return []
    policy = iam.get("password_policy")
    if not policy:
        return [
            result(
                False, _account(inventory), PASSWORD_POLICY, "The account has no password policy", password_policy=None
            )
        ]
    observed = {f: policy.get(f) for f in fields}
    return [result(bool(test(policy)), _account(inventory), PASSWORD_POLICY, describe(policy), **observed)]


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


# --- users ------------------------------------------------------------------------


@aws_check(
    id="aws.iam.user_mfa_enabled_console",
    title="Console users have MFA",
    severity=Severity.HIGH,
    service="iam",
    resource_type=USER,
    rationale="A console password without a second factor falls to phishing, reuse and guessing.",
    remediation="Assign an MFA device to every IAM user that has a console password, or remove the password.",
)
def user_mfa_enabled_console(inventory: Inventory) -> Iterable[Outcome]:
    for row in _report_users(inventory):
        if row.get("password_enabled") is not True:
            continue
        user = str(row.get("user"))
        mfa = row.get("mfa_active") is True
        reason = (
            f"User {user} has a console password and MFA" if mfa else f"User {user} has a console password but no MFA"
        )
        yield result(mfa, user, USER, reason, password_enabled=True, mfa_active=mfa)


@aws_check(
    id="aws.iam.user_no_initial_access_key",
    title="No unused access keys created with console users",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=USER,
    rationale='Keys handed out at user creation "just in case" are rarely needed, never used and '
    "easily forgotten, yet they stay valid.",
    remediation="Delete access keys that were never used; create keys only when a user actually needs "
    "programmatic access.",
)
def user_no_initial_access_key(inventory: Inventory) -> Iterable[Outcome]:
    for row in _report_users(inventory):
        if row.get("password_enabled") is not True:
            continue
        user = str(row.get("user"))
        unused = [n for n in _active_keys(row) if parse_time(row.get(f"access_key_{n}_last_used_date")) is None]
        observed = {
            f"access_key_{n}_{field}": row.get(f"access_key_{n}_{field}")
            for n in (1, 2)
            for field in ("active", "last_rotated", "last_used_date")
        }
        if unused:
            reason = f"User {user} has active access key(s) {', '.join(map(str, unused))} that were never used"
        else:
            reason = f"User {user} has no active access key that was never used"
        yield result(not unused, user, USER, reason, **observed)


@aws_check(
    id="aws.iam.user_unused_credentials_45_days",
    title="No credentials unused for more than 45 days",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=USER,
    rationale="Credentials nobody uses only add attack surface; disabling them costs nothing.",
    remediation="Remove the console password or deactivate the access keys that have not been used for 45 days.",
)
def user_unused_credentials_45_days(inventory: Inventory) -> Iterable[Outcome]:
    now = scan_time(_iam(inventory))
    limit = timedelta(days=45)
    for row in _report_users(inventory):
        user = str(row.get("user"))
        stale: list[str] = []
        has_credentials = False
        if row.get("password_enabled") is True:
            has_credentials = True
            since = parse_time(row.get("password_last_used")) or parse_time(row.get("password_last_changed"))
            if since and now - since > limit:
                stale.append(f"password idle {_days(now - since)} days")
        for n in _active_keys(row):
            has_credentials = True
            since = parse_time(row.get(f"access_key_{n}_last_used_date")) or parse_time(
                row.get(f"access_key_{n}_last_rotated")
            )
            if since and now - since > limit:
                stale.append(f"access key {n} idle {_days(now - since)} days")
        if not has_credentials:
            continue
        reason = (
            f"User {user} has unused credentials: {', '.join(stale)}"
            if stale
            else (f"User {user} used all of its credentials in the last 45 days")
        )
        observed = {
            field: row.get(field)
            for field in (
                "password_enabled",
                "password_last_used",
                "access_key_1_active",
                "access_key_1_last_used_date",
                "access_key_2_active",
                "access_key_2_last_used_date",
            )
        }
        yield result(not stale, user, USER, reason, **observed)


@aws_check(
    id="aws.iam.user_one_active_access_key",
    title="Users have at most one active access key",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=USER,
    rationale="A second key is meant only for the rotation window; two long-lived keys double the "
    "exposure and hide which one is really in use.",
    remediation="Finish the rotation: move callers to one key and deactivate and delete the other.",
)
def user_one_active_access_key(inventory: Inventory) -> Iterable[Outcome]:
    for row in _report_users(inventory):
        user = str(row.get("user"))
        active = _active_keys(row)
        reason = f"User {user} has {len(active)} active access key{'s' if len(active) != 1 else ''}"
        yield result(len(active) <= 1, user, USER, reason, active_access_keys=len(active))


@aws_check(
    id="aws.iam.access_keys_rotated_90_days",
    title="Active access keys are younger than 90 days",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=USER,
    rationale="Rotating keys limits how long a leaked key stays valid.",
    remediation="Create a new key, switch callers to it, then deactivate and delete the old one.",
)
def access_keys_rotated_90_days(inventory: Inventory) -> Iterable[Outcome]:
    now = scan_time(_iam(inventory))
    for row in _report_users(inventory):
        active = _active_keys(row)
        if not active:
            continue
        user = str(row.get("user"))
        ages: dict[int, int] = {}
        for n in active:
            rotated = parse_time(row.get(f"access_key_{n}_last_rotated"))
            if rotated is not None:
                ages[n] = _days(now - rotated)
        old = {n: age for n, age in ages.items() if age > 90}
        if old:
            reason = f"User {user} has access keys older than 90 days: " + ", ".join(
                f"key {n} is {age} days old" for n, age in sorted(old.items())
            )
        else:
            reason = f"User {user}'s active access keys are at most 90 days old"
        yield result(not old, user, USER, reason, key_age_days={str(n): a for n, a in ages.items()})


@aws_check(
    id="aws.iam.user_no_attached_policies",
    title="Users get permissions only through groups or roles",
    severity=Severity.LOW,
    service="iam",
    resource_type=USER,
    rationale="Permissions granted user by user drift apart and are hard to review; groups and roles "
    "keep access consistent and auditable.",
    remediation="Move the user's policies to a group (or role) and add the user to it, then detach the "
    "user's own managed and inline policies.",
)
def user_no_attached_policies(inventory: Inventory) -> Iterable[Outcome]:
    for user in _iam(inventory).get("users", []):
        name = str(user.get("name"))
        attached = list(user.get("attached_policies", []))
        inline = list(user.get("inline_policies", []))
        if attached or inline:
            parts = []
            if attached:
                parts.append(f"managed {', '.join(a.rsplit('/', 1)[-1] for a in attached)}")
            if inline:
                parts.append(f"inline {', '.join(inline)}")
            reason = f"User {name} has policies attached directly: {'; '.join(parts)}"
        else:
            reason = f"User {name} has no directly attached policies"
        yield result(
            not attached and not inline, name, USER, reason, attached_policies=attached, inline_policies=inline
        )


# --- policies, roles, certificates -------------------------------------------


def _grants_everything(statement: Mapping[str, Any]) -> bool:
    return (
        statement.get("Effect") == "Allow"
        and "*" in as_list(statement.get("Action"))
        and "*" in as_list(statement.get("Resource"))
    )


@aws_check(
    id="aws.iam.no_full_admin_policies",
    title="No customer-managed policy grants full administrative access",
    severity=Severity.HIGH,
    service="iam",
    resource_type=POLICY,
    rationale="A policy allowing every action on every resource defeats least privilege and is usually "
    "granted more widely than intended.",
    remediation="Replace the policy with one that lists only the actions and resources actually needed; "
    "keep full administration to a small break-glass role.",
)
def no_full_admin_policies(inventory: Inventory) -> Iterable[Outcome]:
    for policy in _iam(inventory).get("policies", []):
        arn = str(policy.get("arn"))
        offending = [s for s in statements(policy.get("document")) if _grants_everything(s)]
        name = policy.get("name")
        if offending:
            reason = f'Policy {name} allows "*" actions on "*" resources'
        else:
            reason = f'Policy {name} does not allow "*" on "*"'
        yield result(
            not offending,
            arn,
            POLICY,
            reason,
            attachment_count=policy.get("attachment_count", 0),
            offending_statements=offending,
        )


@aws_check(
    id="aws.iam.support_role_exists",
    title="A role exists for AWS Support access",
    severity=Severity.LOW,
    service="iam",
    resource_type=ACCOUNT,
    rationale="A dedicated support role lets the right people open and manage support cases during an "
    "incident without handing out broader permissions.",
    remediation="Create an IAM role that trusted users can assume and attach the AWS managed policy AWSSupportAccess.",
)
def support_role_exists(inventory: Inventory) -> Iterable[Outcome]:
    iam = _iam(inventory)
    if "roles" not in iam:
        return []
    roles = [
        str(r.get("name"))
        for r in iam.get("roles", [])
        if any(str(a).endswith(":iam::aws:policy/AWSSupportAccess") for a in r.get("attached_policies", []))
    ]
    reason = f"Role(s) {', '.join(roles)} have AWSSupportAccess" if roles else "No role has AWSSupportAccess attached"
    return [result(bool(roles), _account(inventory), ACCOUNT, reason, support_roles=roles)]


@aws_check(
    id="aws.iam.server_certificates_not_expired",
    title="No expired IAM server certificates",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=CERTIFICATE,
    rationale="An expired certificate deployed by mistake breaks clients or trains users to click through "
    "warnings; stored expired certificates serve no purpose.",
    remediation="Delete expired server certificates from IAM (and use ACM, which renews automatically).",
)
def server_certificates_not_expired(inventory: Inventory) -> Iterable[Outcome]:
    iam = _iam(inventory)
    now = scan_time(iam)
    for cert in iam.get("server_certificates", []):
        name = str(cert.get("name"))
        expiry: datetime | None = parse_time(cert.get("expiration"))
        expired = expiry is not None and expiry <= now
        reason = (
            f"Server certificate {name} expired on {expiry.date().isoformat()}"
            if expired and expiry
            else f"Server certificate {name} has not expired"
        )
        yield result(not expired, name, CERTIFICATE, reason, expiration=cert.get("expiration"))


@aws_check(
    id="aws.accessanalyzer.enabled",
    title="IAM Access Analyzer is active in every scanned region",
    severity=Severity.MEDIUM,
    service="accessanalyzer",
    resource_type=ACCOUNT,
    rationale="Access Analyzer continuously reports resources shared outside the account, catching "
    "accidental public or cross-account access.",
    remediation="Create an account (or organization) analyzer in every region you use.",
)
def access_analyzer_enabled(inventory: Inventory) -> Iterable[Outcome]:
    for region, data in regions(inventory, "accessanalyzer"):
        analyzers = list(data.get("analyzers", []))
        active = [a.get("name") for a in analyzers if a.get("status") == "ACTIVE"]
        reason = (
            f"Access Analyzer {', '.join(map(str, active))} is active in {region}"
            if active
            else f"No active Access Analyzer in {region}"
        )
        yield result(
            bool(active),
            _account(inventory),
            ACCOUNT,
            reason,
            region=region,
            analyzers=[{"name": a.get("name"), "status": a.get("status")} for a in analyzers],
        )
