"""People: MFA enrolment, administrators, inactive and stuck accounts, leavers still assigned to apps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Admins, Apps, Factor
from ._common import (
    ORG,
    SIGN_IN_STATUSES,
    USER,
    collected_at,
    days_between,
    error,
    okta_check,
    org_name,
    parse_time,
    result,
    service_data,
    user_label,
    users,
    users_data,
)

# Knowledge factors are not a second factor besides a password.
NOT_MFA = frozenset({"password", "question"})
# An app assignment in one of these states gives no access any more.
ENDED_ASSIGNMENTS = frozenset({"DEPROVISIONED", "INACTIVE", "UNASSIGNED"})


def _mfa_factors(factors: Iterable[Factor]) -> list[str]:
    return sorted(
        {
            str(f.get("factor_type"))
            for f in factors
            if f.get("status") == "ACTIVE" and f.get("factor_type") not in NOT_MFA
        }
    )


def _factors_of(inventory: Inventory) -> Mapping[str, list[Factor]]:
    collected = service_data(inventory, "factors").get("users")
    return collected if isinstance(collected, Mapping) else {}


@okta_check(
    id="okta.factors.users_mfa_enrolled",
    title="Every user who can sign in has an MFA factor enrolled",
    severity=Severity.HIGH,
    service="factors",
    resource_type=USER,
    requires=("users", "factors"),
    rationale="A policy requiring MFA protects only users who enrolled a factor; an account with a password alone "
    "falls to phishing or credential stuffing.",
    remediation="Have the user enrol a factor (Okta Verify, a security key) or require enrolment in the "
    "authenticator enrolment policy; reset the user's factors if the device was lost.",
)
def users_mfa_enrolled(inventory: Inventory) -> Iterable[Outcome]:
    factors = _factors_of(inventory)
    outcomes: list[Outcome] = []
    for user in users(inventory, SIGN_IN_STATUSES):
        label = user_label(user)
        if user["id"] not in factors:
            outcomes.append(error(label, USER, f"No factors were collected for {label}"))
            continue
        enrolled = _mfa_factors(factors[user["id"]])
        reason = f"{label} has {', '.join(enrolled)} enrolled" if enrolled else f"{label} has no MFA factor enrolled"
        outcomes.append(result(bool(enrolled), label, USER, reason, user_id=user["id"], factors=enrolled))
    return outcomes


@okta_check(
    id="okta.admins.mfa_enrolled",
    title="Every administrator has an MFA factor enrolled",
    severity=Severity.CRITICAL,
    service="admins",
    resource_type=USER,
    requires=("admins", "factors"),
    rationale="An administrator's account controls every other account and application; taking it over with a "
    "password alone hands over the whole identity provider.",
    remediation="Have the administrator enrol a phishing-resistant factor (Okta Verify with number challenge, "
    "FIDO2) and require MFA for the Okta Admin Console.",
)
def admins_mfa_enrolled(inventory: Inventory) -> Iterable[Outcome]:
    admins = cast(Admins, service_data(inventory, "admins"))
    factors = _factors_of(inventory)
    outcomes: list[Outcome] = []
    for admin in admins.get("admins", []):
        label = str(admin.get("login") or admin["user_id"])
        if admin["user_id"] not in factors:
            outcomes.append(
                error(label, USER, f"No factors were collected for administrator {label} (the account cannot sign in)")
            )
            continue
        enrolled = _mfa_factors(factors[admin["user_id"]])
        roles = ", ".join(admin.get("roles", []))
        reason = (
            f"Administrator {label} ({roles}) has {', '.join(enrolled)} enrolled"
            if enrolled
            else f"Administrator {label} ({roles}) has no MFA factor enrolled"
        )
        outcomes.append(result(bool(enrolled), label, USER, reason, roles=admin.get("roles", []), factors=enrolled))
    return outcomes


@okta_check(
    id="okta.admins.super_admin_count",
    title="Super administrators are few, but more than one",
    severity=Severity.MEDIUM,
    service="admins",
    resource_type=ORG,
    rationale="Every super administrator can do anything in the org, so their number should stay small; a single "
    "one is a single point of failure when that person is away or locked out.",
    remediation="Give day-to-day administrators a narrower role (org, app, help desk or read-only administrator) "
    "and keep two to four super administrators.",
)
def super_admin_count(inventory: Inventory) -> Iterable[Outcome]:
    admins = cast(Admins, service_data(inventory, "admins"))
    if not admins:
        return []
    supers = sorted(
        str(a.get("login") or a["user_id"]) for a in admins.get("admins", []) if "SUPER_ADMIN" in a["roles"]
    )
    low, high = admins.get("min_super_admins", 2), admins.get("max_super_admins", 4)
    org = org_name(inventory)
    count = len(supers)
    if count < low:
        reason = f"{org} has {count} super administrator{'s' if count != 1 else ''} (at least {low} expected)"
    elif count > high:
        reason = f"{org} has {count} super administrators (at most {high} allowed)"
    else:
        reason = f"{org} has {count} super administrators ({low} to {high} accepted)"
    return [result(low <= count <= high, org, ORG, reason, super_admins=supers, minimum=low, maximum=high)]


@okta_check(
    id="okta.users.inactive_users_deactivated",
    title="No active user has gone without signing in for longer than allowed (90 days by default)",
    severity=Severity.MEDIUM,
    service="users",
    resource_type=USER,
    rationale="An account nobody uses is a leaver nobody removed or a forgotten test account; it keeps access and "
    "nobody would notice it being used by someone else.",
    remediation="Confirm with the user's manager whether the account is still needed; suspend or deactivate it if "
    "not, and automate deactivation from the HR system.",
)
def inactive_users_deactivated(inventory: Inventory) -> Iterable[Outcome]:
    data = users_data(inventory)
    now = collected_at(data)
    limit = int(data.get("inactive_days", 90))
    outcomes: list[Outcome] = []
    for user in users(inventory, SIGN_IN_STATUSES):
        label = user_label(user)
        last = parse_time(user.get("last_login"))
        since = last or parse_time(user.get("activated")) or parse_time(user.get("created"))
        if since is None:
            outcomes.append(error(label, USER, f"Okta gives no sign-in or creation time for {label}"))
            continue
        days = days_between(since, now)
        if last is None:
            reason = f"{label} has never signed in, {days} days after activation"
        else:
            reason = f"{label} last signed in {days} days ago"
        ok = days <= limit
        reason += "" if ok else f" (more than {limit} days)"
        outcomes.append(result(ok, label, USER, reason, last_login=user.get("last_login"), days=days, limit=limit))
    return outcomes


@okta_check(
    id="okta.users.not_stuck_locked_or_expired",
    title="No user stays locked out or with an expired password for long (30 days by default)",
    severity=Severity.LOW,
    service="users",
    resource_type=USER,
    rationale="An account left locked out or with an expired password for weeks is usually one its owner no "
    "longer needs; it still holds its app assignments and comes back with a reset.",
    remediation="Unlock or reset the account if the person still needs it, else deactivate it.",
)
def not_stuck(inventory: Inventory) -> Iterable[Outcome]:
    data = users_data(inventory)
    now = collected_at(data)
    limit = int(data.get("stuck_days", 30))
    outcomes: list[Outcome] = []
    for user in users(inventory, SIGN_IN_STATUSES):
        label, status = user_label(user), str(user.get("status"))
        if status not in ("LOCKED_OUT", "PASSWORD_EXPIRED"):
            outcomes.append(result(True, label, USER, f"{label} is {status}", status=status))
            continue
        changed = parse_time(user.get("status_changed"))
        days = days_between(changed, now) if changed else None
        ok = days is not None and days <= limit
        when = f"for {days} days" if days is not None else "since an unknown time"
        reason = f"{label} has been {status} {when}" + ("" if ok else f" (more than {limit} days)")
        outcomes.append(result(ok, label, USER, reason, status=status, days=days, limit=limit))
    return outcomes


@okta_check(
    id="okta.users.deprovisioned_without_app_access",
    title="Deprovisioned users are no longer assigned to applications",
    severity=Severity.HIGH,
    service="apps",
    resource_type=USER,
    requires=("users", "apps"),
    rationale="A leaver's remaining app assignment can keep an account alive in the application (when it is not "
    "provisioned by Okta) and restores access the moment the Okta account is reactivated.",
    remediation="Remove the deactivated user's app assignments (directly or by removing the user from the "
    "assigning group) and deactivate the account in each application.",
)
def deprovisioned_without_app_access(inventory: Inventory) -> Iterable[Outcome]:
    apps = cast(Apps, service_data(inventory, "apps"))
    assigned = apps.get("deprovisioned_assignments", {})
    outcomes: list[Outcome] = []
    for user in users(inventory, frozenset({"DEPROVISIONED"})):
        label = user_label(user)
        live = [a for a in assigned.get(user["id"], []) if a.get("status") not in ENDED_ASSIGNMENTS]
        labels = sorted(str(a.get("app_label") or a.get("app_id")) for a in live)
        reason = (
            f"Deprovisioned user {label} is still assigned to {', '.join(labels)}"
            if labels
            else f"Deprovisioned user {label} has no remaining app assignment"
        )
        outcomes.append(result(not labels, label, USER, reason, apps=labels))
    return outcomes
