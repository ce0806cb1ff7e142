"""Administrators: how many super admins, their 2-Step Verification, dormant admins, leavers keeping roles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ._common import (
    CUSTOMER,
    USER,
    active_users,
    admins_data,
    collected_at,
    customer_name,
    days_between,
    error,
    is_active,
    is_admin,
    is_super_admin,
    label,
    parse_time,
    result,
    roles_by_user,
    unreadable_groups,
    users,
    users_data,
    workspace_check,
)


def _roles(held: Mapping[str, list[tuple[str, bool]]], user: Mapping[str, Any]) -> list[str]:
    names = {name for name, _ in held.get(str(user["id"]), [])}
    if user.get("is_admin"):
        names.add("Super Admin")
    return sorted(names)


def _two_sv(inventory: Inventory, *, supers: bool) -> list[Outcome]:
    held = roles_by_user(inventory)
    outcomes: list[Outcome] = unreadable_groups(inventory, super_admin_only=supers)
    for user in active_users(inventory):
        if is_super_admin(user, held) != supers or not is_admin(user, held):
            continue
        name, kind = label(user), "Super administrator" if supers else "Delegated administrator"
        ok = bool(user.get("enrolled_2sv"))
        reason = f"{kind} {name} is {'' if ok else 'not '}enrolled in 2-Step Verification"
        outcomes.append(result(ok, name, USER, reason, roles=_roles(held, user)))
    return outcomes


@workspace_check(
    id="google_workspace.admins.super_admin_count",
    title="Super administrators are few, but more than one",
    severity=Severity.MEDIUM,
    service="admins",
    resource_type=CUSTOMER,
    requires=("users", "admins"),
    rationale="A super administrator can do anything in the account, including reading every mailbox and "
    "turning off every control, so their number should stay small; a single one is a single point of failure.",
    remediation="Give day-to-day administrators a narrower pre-built or custom role and keep two to four super "
    "administrator accounts, used only for tasks that need them.",
)
def super_admin_count(inventory: Inventory) -> Iterable[Outcome]:
    data = admins_data(inventory)
    held = roles_by_user(inventory)
    supers = sorted(label(u) for u in active_users(inventory) if is_super_admin(u, held))
    low, high = int(data.get("min_super_admins", 2)), int(data.get("max_super_admins", 4))
    name, count = customer_name(inventory), len(supers)
    if count < low:
        reason = f"{name} has {count} active super administrator{'s' if count != 1 else ''} (at least {low} expected)"
    elif count > high:
        reason = f"{name} has {count} active super administrators (at most {high} allowed)"
    else:
        reason = f"{name} has {count} active super administrators ({low} to {high} accepted)"
    return [
        *unreadable_groups(inventory, super_admin_only=True),
        result(low <= count <= high, name, CUSTOMER, reason, super_admins=supers, minimum=low, maximum=high),
    ]


@workspace_check(
    id="google_workspace.admins.super_admins_2sv",
    title="Every super administrator is enrolled in 2-Step Verification",
    severity=Severity.CRITICAL,
    service="admins",
    resource_type=USER,
    requires=("users", "admins"),
    rationale="A super administrator's password alone would hand over every account, mailbox and setting of "
    "the organisation.",
    remediation="Enrol the administrator with a security key and enforce 2-Step Verification (security keys "
    "only) for the organisational unit holding the administrators.",
)
def super_admins_2sv(inventory: Inventory) -> Iterable[Outcome]:
    return _two_sv(inventory, supers=True)


@workspace_check(
    id="google_workspace.admins.delegated_admins_2sv",
    title="Every delegated administrator is enrolled in 2-Step Verification",
    severity=Severity.HIGH,
    service="admins",
    resource_type=USER,
    requires=("users", "admins"),
    rationale="Delegated administrators reset passwords, manage devices or change settings for many users; "
    "their accounts are privileged and need more than a password.",
    remediation="Enrol the administrator in 2-Step Verification and enforce it for their organisational unit.",
)
def delegated_admins_2sv(inventory: Inventory) -> Iterable[Outcome]:
    return _two_sv(inventory, supers=False)


@workspace_check(
    id="google_workspace.admins.2sv_enforced",
    title="2-Step Verification is enforced, not only allowed, for every administrator",
    severity=Severity.HIGH,
    service="admins",
    resource_type=USER,
    requires=("users", "admins"),
    rationale="Enrolment that is not enforced can be turned off by the administrator at any time, and a new "
    "administrator may never enrol.",
    remediation="Put administrators in an organisational unit (or group) where 2-Step Verification is enforced, "
    "preferably with security keys only.",
)
def admins_2sv_enforced(inventory: Inventory) -> Iterable[Outcome]:
    held = roles_by_user(inventory)
    outcomes: list[Outcome] = unreadable_groups(inventory)
    for user in active_users(inventory):
        if not is_admin(user, held):
            continue
        name, ok = label(user), bool(user.get("enforced_2sv"))
        reason = f"2-Step Verification is {'' if ok else 'not '}enforced for administrator {name}"
        outcomes.append(result(ok, name, USER, reason, roles=_roles(held, user), org_unit=user.get("org_unit")))
    return outcomes


@workspace_check(
    id="google_workspace.admins.no_dormant_admins",
    title="No administrator account has gone unused for long (30 days by default)",
    severity=Severity.MEDIUM,
    service="admins",
    resource_type=USER,
    requires=("users", "admins"),
    rationale="An administrator role nobody exercises is privilege without a need; a dormant privileged account "
    "is a prized target whose misuse its owner would not notice.",
    remediation="Remove the role from administrators who no longer use it, or suspend the account; keep "
    "break-glass super administrators but sign in to them on a schedule.",
)
def no_dormant_admins(inventory: Inventory) -> Iterable[Outcome]:
    held = roles_by_user(inventory)
    now = collected_at(inventory)
    limit = int(users_data(inventory).get("admin_inactive_days", 30))
    outcomes: list[Outcome] = unreadable_groups(inventory)
    for user in active_users(inventory):
        if not is_admin(user, held):
            continue
        name = label(user)
        last = parse_time(user.get("last_login"))
        since = last or parse_time(user.get("created"))
        if since is None:
            outcomes.append(error(name, USER, f"Google gives no sign-in or creation time for administrator {name}"))
            continue
        days = days_between(since, now)
        ok = days <= limit
        what = f"last signed in {days} days ago" if last else f"has never signed in ({days} days old)"
        reason = f"Administrator {name} {what}" + ("" if ok else f" (more than {limit} days)")
        outcomes.append(result(ok, name, USER, reason, roles=_roles(held, user), days=days, limit=limit))
    return outcomes


@workspace_check(
    id="google_workspace.admins.suspended_without_roles",
    title="Suspended and archived users hold no administrator role",
    severity=Severity.HIGH,
    service="admins",
    resource_type=USER,
    requires=("users", "admins"),
    rationale="A leaver's administrator role comes back with the account the moment it is restored, and keeps "
    "the organisation's list of privileged people wrong.",
    remediation="Remove the role assignments (Account → Admin roles) of users who left before suspending or "
    "archiving them, as part of the leaver procedure.",
)
def suspended_without_roles(inventory: Inventory) -> Iterable[Outcome]:
    held = roles_by_user(inventory)
    outcomes: list[Outcome] = unreadable_groups(inventory)
    for user in users(inventory):
        if is_active(user):
            continue
        name, roles = label(user), _roles(held, user)
        state = "Archived" if user.get("archived") else "Suspended"
        reason = f"{state} user {name} " + (f"still holds {', '.join(roles)}" if roles else "holds no admin role")
        outcomes.append(result(not roles, name, USER, reason, roles=roles))
    return outcomes
