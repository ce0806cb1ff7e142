"""People: MFA registration, and accounts that go unused (members, guests, never signed in)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Registration, Registrations
from ._common import (
    TENANT,
    USER,
    collected_at,
    days_between,
    enabled_users,
    entra_check,
    error,
    is_guest,
    parse_time,
    result,
    service_data,
    tenant_name,
    user_label,
    users_data,
)


def registrations(inventory: Inventory) -> Mapping[str, Registration]:
    return cast(Registrations, service_data(inventory, "registration")).get("users", {})


def mfa_outcome(label: str, entry: Registration | None, who: str) -> Outcome:
    """Pass when the registration report shows a strong method registered for multifactor authentication."""
    if entry is None:
        return error(label, USER, f"The registration report has no entry for {who} {label} (it lags for new users)")
    methods = entry.get("methods", [])
    if entry.get("is_mfa_registered"):
        reason = f"{who.capitalize()} {label} is registered for MFA ({', '.join(methods) or 'methods not listed'})"
    else:
        reason = f"{who.capitalize()} {label} has no MFA method registered"
        reason += f" (only {', '.join(methods)})" if methods else ""
    return result(bool(entry.get("is_mfa_registered")), label, USER, reason, methods=methods)


@entra_check(
    id="entra.users.mfa_registered",
    title="Every enabled member user is registered for multifactor authentication",
    severity=Severity.HIGH,
    service="registration",
    resource_type=USER,
    requires=("users", "registration"),
    rationale="Conditional access or security defaults can only demand a second factor a user has registered; "
    "until then the account signs in, or is registered by whoever first holds its password.",
    remediation="Run a registration campaign (Authentication methods → Registration campaign) or require "
    "registration through an 'MFA registration' conditional access policy; follow up on the listed users.",
)
def users_mfa_registered(inventory: Inventory) -> Iterable[Outcome]:
    found = registrations(inventory)
    return [mfa_outcome(user_label(u), found.get(u["id"]), "user") for u in enabled_users(inventory, "Member")]


def _sign_in_unknown(inventory: Inventory) -> list[Outcome] | None:
    """One error outcome when Graph gave no sign-in activity: an unknown time is never a pass."""
    data = users_data(inventory)
    if data.get("sign_in_activity", True):
        return None
    why = data.get("sign_in_unavailable") or "Graph returned no sign-in activity"
    tenant = tenant_name(inventory)
    return [error(tenant, TENANT, f"Sign-in times of {tenant} are unknown: {why}")]


def _inactive(inventory: Inventory, user_type: str, limit_key: str) -> list[Outcome]:
    unknown = _sign_in_unknown(inventory)
    if unknown is not None:
        return unknown
    data = users_data(inventory)
    now = collected_at(data)
    limit = int(data.get(limit_key, 90))  # type: ignore[call-overload]
    outcomes: list[Outcome] = []
    for user in enabled_users(inventory, user_type):
        last = parse_time(user.get("last_sign_in"))
        if last is None:
            # Never signed in: judged by entra.users.never_signed_in, which measures from creation.
            continue
        label = user_label(user)
        days = days_between(last, now)
        ok = days <= limit
        reason = f"{label} last signed in {days} days ago" + ("" if ok else f" (more than {limit} days)")
        outcomes.append(result(ok, label, USER, reason, last_sign_in=user.get("last_sign_in"), days=days, limit=limit))
    return outcomes


@entra_check(
    id="entra.users.inactive_disabled",
    title="No enabled member user has gone without signing in for longer than allowed (90 days by default)",
    severity=Severity.MEDIUM,
    service="users",
    resource_type=USER,
    rationale="An account nobody uses is a leaver nobody disabled or a forgotten test account; it keeps its "
    "access and nobody would notice someone else using it.",
    remediation="Confirm with the user's manager whether the account is still needed; block sign-in or delete "
    "it if not, and schedule access reviews for inactive users.",
)
def users_inactive_disabled(inventory: Inventory) -> Iterable[Outcome]:
    return _inactive(inventory, "Member", "inactive_days")


@entra_check(
    id="entra.guests.inactive_disabled",
    title="No enabled guest has gone without signing in for longer than allowed (90 days by default)",
    severity=Severity.MEDIUM,
    service="users",
    resource_type=USER,
    rationale="Guests are invited for a project and rarely removed when it ends; an idle guest keeps access to "
    "the teams, sites and apps it was given, governed by another organisation's account lifecycle.",
    remediation="Remove guests that no longer collaborate, and set up an access review of guest users "
    "(Identity Governance → Access reviews) that removes denied or unanswered guests.",
)
def guests_inactive_disabled(inventory: Inventory) -> Iterable[Outcome]:
    return _inactive(inventory, "Guest", "guest_inactive_days")


@entra_check(
    id="entra.users.never_signed_in",
    title="No enabled account stays unused long after it was created (30 days by default)",
    severity=Severity.LOW,
    service="users",
    resource_type=USER,
    rationale="An account created and never used is provisioning nobody followed up (a hire who did not start, "
    "an invitation not accepted); it holds a working initial password or invitation and its access.",
    remediation="Delete or block accounts nobody claimed; resend an invitation only when the collaboration is "
    "still wanted.",
)
def users_never_signed_in(inventory: Inventory) -> Iterable[Outcome]:
    unknown = _sign_in_unknown(inventory)
    if unknown is not None:
        return unknown
    data = users_data(inventory)
    now = collected_at(data)
    limit = int(data.get("never_signed_in_days", 30))
    outcomes: list[Outcome] = []
    for user in enabled_users(inventory):
        label = user_label(user)
        kind = "guest" if is_guest(user) else "user"
        if user.get("last_sign_in"):
            outcomes.append(result(True, label, USER, f"The {kind} {label} has signed in", signed_in=True))
            continue
        created = parse_time(user.get("created"))
        if created is None:
            outcomes.append(error(label, USER, f"Graph gives no creation time for {label}, who never signed in"))
            continue
        age = days_between(created, now)
        ok = age <= limit
        reason = f"The {kind} {label} has never signed in, {age} days after creation" + (
            "" if ok else f" (more than {limit} days)"
        )
        outcomes.append(result(ok, label, USER, reason, signed_in=False, age_days=age, limit=limit))
    return outcomes
