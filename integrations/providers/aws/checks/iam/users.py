"""IAM user checks, read from the credential report and the users' policies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from .._common import aws_check, error, parse_time, result, scan_time
from ._data import USER, active_keys, days, iam_data, report_users


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
    for row in report_users(inventory):
        if row.get("password_enabled") is not True:
            continue
        user = str(row.get("user"))
        mfa = row.get("mfa_active") is True
        reason = (
            f"User {user} has a console password and MFA" if mfa else f"User {user} has a console password but no MFA"
        )
        yield result(mfa, user, USER, reason, password_enabled=True, mfa_active=mfa)


@aws_check(
    id="aws.iam.user_hardware_mfa_console",
    title="Console users have a hardware MFA device",
    severity=Severity.MEDIUM,
    service="iam",
    resource_type=USER,
    rationale="A virtual MFA app shares a phone with everyday use, and its seed can be copied with the phone's "
    "backups; a hardware token or FIDO security key cannot be cloned or phished remotely the same way.",
    remediation="Register a hardware TOTP token or a FIDO security key for the user (IAM allows several MFA devices "
    "per user), then remove the virtual device if it is no longer needed.",
)
def user_hardware_mfa_console(inventory: Inventory) -> Iterable[Outcome]:
    iam = iam_data(inventory)
    # Inventories stored before the console users' devices were read are not judged.
    if "user_mfa_devices" not in iam:
        return
    devices = iam.get("user_mfa_devices", {})
    failures = iam.get("user_mfa_device_errors", {})
    virtual_by_user: dict[str, set[str]] = {}
    for device in iam.get("virtual_mfa_devices", []):
        virtual_by_user.setdefault(str(device.get("user_arn")), set()).add(str(device.get("serial")))
    for row in report_users(inventory):
        if row.get("password_enabled") is not True:
            continue
        user = str(row.get("user"))
        virtual = virtual_by_user.get(str(row.get("arn")), set())
        if row.get("mfa_active") is not True:
            yield result(False, user, USER, f"User {user} has a console password and no MFA device at all")
            continue
        if not virtual:
            # MFA is active and no virtual device is the user's: every device it has is hardware (or a security key).
            reason = f"User {user}'s MFA is a hardware device (no virtual device is assigned to it)"
            yield result(True, user, USER, reason, virtual_devices=[])
            continue
        if user in failures:
            yield error(user, USER, f"The MFA devices of user {user} could not be read: {failures[user]}")
            continue
        if user not in devices:
            continue  # the user was deleted while its devices were being read
        hardware = sorted(set(devices[user]) - virtual)
        reason = (
            f"User {user} has a hardware MFA device besides its virtual one(s)"
            if hardware
            else f"User {user}'s only MFA is virtual ({', '.join(sorted(virtual))})"
        )
        yield result(bool(hardware), user, USER, reason, virtual_devices=sorted(virtual), hardware_devices=hardware)


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
    for row in report_users(inventory):
        if row.get("password_enabled") is not True:
            continue
        user = str(row.get("user"))
        unused = [n for n in active_keys(row) if parse_time(row.get(f"access_key_{n}_last_used_date")) is None]
        observed: dict[str, Any] = {
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
    now = scan_time(iam_data(inventory))
    limit = timedelta(days=45)
    for row in report_users(inventory):
        user = str(row.get("user"))
        stale: list[str] = []
        has_credentials = False
        if row.get("password_enabled") is True:
            has_credentials = True
            since = parse_time(row.get("password_last_used")) or parse_time(row.get("password_last_changed"))
            if since and now - since > limit:
                stale.append(f"password idle {days(now - since)} days")
        for n in active_keys(row):
            has_credentials = True
            since = parse_time(row.get(f"access_key_{n}_last_used_date")) or parse_time(
                row.get(f"access_key_{n}_last_rotated")
            )
            if since and now - since > limit:
                stale.append(f"access key {n} idle {days(now - since)} days")
        if not has_credentials:
            continue
        reason = (
            f"User {user} has unused credentials: {', '.join(stale)}"
            if stale
            else (f"User {user} used all of its credentials in the last 45 days")
        )
        observed: dict[str, Any] = {
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
    for row in report_users(inventory):
        user = str(row.get("user"))
        active = active_keys(row)
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
    now = scan_time(iam_data(inventory))
    for row in report_users(inventory):
        active = active_keys(row)
        if not active:
            continue
        user = str(row.get("user"))
        ages: dict[int, int] = {}
        for n in active:
            rotated = parse_time(row.get(f"access_key_{n}_last_rotated"))
            if rotated is not None:
                ages[n] = days(now - rotated)
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
    for user in iam_data(inventory).get("users", []):
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
