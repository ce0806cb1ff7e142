"""People: 2-Step Verification enrolled and enforced, inactive accounts, accounts never used."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ._common import (
    USER,
    active_users,
    collected_at,
    days_between,
    error,
    label,
    parse_time,
    result,
    users_data,
    workspace_check,
)


@workspace_check(
    id="google_workspace.users.enrolled_in_2sv",
    title="Every active user is enrolled in 2-Step Verification",
    severity=Severity.HIGH,
    service="users",
    resource_type=USER,
    rationale="An account protected by a password alone falls to phishing, password reuse and credential "
    "stuffing; 2-Step Verification protects only the users who enrolled.",
    remediation="Have the user enrol (a security key or Google prompt) and enforce 2-Step Verification for their "
    "organisational unit (Security → Authentication → 2-step verification) with a short enrolment period.",
)
def enrolled_in_2sv(inventory: Inventory) -> Iterable[Outcome]:
    outcomes: list[Outcome] = []
    for user in active_users(inventory):
        name = label(user)
        ok = bool(user.get("enrolled_2sv"))
        reason = f"{name} is {'' if ok else 'not '}enrolled in 2-Step Verification"
        outcomes.append(result(ok, name, USER, reason, user_id=user["id"], enrolled=ok))
    return outcomes


@workspace_check(
    id="google_workspace.users.2sv_enforced",
    title="2-Step Verification is enforced for every active user",
    severity=Severity.HIGH,
    service="users",
    resource_type=USER,
    rationale="Where 2-Step Verification is allowed but not enforced, a user may turn it off or never enrol, "
    "and the account is back to a password alone.",
    remediation="Turn on enforcement for every organisational unit (Security → Authentication → 2-step "
    "verification → Enforcement: On), and exempt nobody but break-glass accounts held in a group you review.",
)
def enforced_2sv(inventory: Inventory) -> Iterable[Outcome]:
    outcomes: list[Outcome] = []
    for user in active_users(inventory):
        name = label(user)
        ok = bool(user.get("enforced_2sv"))
        where = f" (organisational unit {user.get('org_unit')})" if user.get("org_unit") else ""
        reason = (
            f"2-Step Verification is enforced for {name}"
            if ok
            else f"2-Step Verification is not enforced for {name}{where}"
        )
        outcomes.append(result(ok, name, USER, reason, user_id=user["id"], org_unit=user.get("org_unit")))
    return outcomes


@workspace_check(
    id="google_workspace.users.inactive_users_suspended",
    title="No active user has gone without signing in for longer than allowed (90 days by default)",
    severity=Severity.MEDIUM,
    service="users",
    resource_type=USER,
    rationale="An account nobody uses is a leaver nobody removed or a forgotten test account; it keeps its mail, "
    "files and app access, and nobody would notice someone else using it.",
    remediation="Confirm with the user's manager whether the account is still needed; suspend it (or archive "
    "it) if not, and automate suspension from the HR system.",
)
def inactive_users_suspended(inventory: Inventory) -> Iterable[Outcome]:
    data = users_data(inventory)
    now = collected_at(inventory)
    limit = int(data.get("inactive_days", 90))
    outcomes: list[Outcome] = []
    for user in active_users(inventory):
        name = label(user)
        last = parse_time(user.get("last_login"))
        since = last or parse_time(user.get("created"))
        if since is None:
            outcomes.append(error(name, USER, f"Google gives no sign-in or creation time for {name}"))
            continue
        days = days_between(since, now)
        reason = f"{name} last signed in {days} days ago" if last else f"{name} has never signed in ({days} days old)"
        ok = days <= limit
        reason += "" if ok else f" (more than {limit} days)"
        outcomes.append(result(ok, name, USER, reason, last_login=user.get("last_login"), days=days, limit=limit))
    return outcomes


@workspace_check(
    id="google_workspace.users.never_signed_in",
    title="No active account stays unused long after its creation (30 days by default)",
    severity=Severity.LOW,
    service="users",
    resource_type=USER,
    rationale="An account created but never used is an onboarding that did not happen or an account made for "
    "someone else's use; its initial password may still be the one that was shared to create it.",
    remediation="Ask the requester whether the account is needed; suspend or delete it if not, and create "
    "accounts only once a start date is confirmed.",
)
def never_signed_in(inventory: Inventory) -> Iterable[Outcome]:
    data = users_data(inventory)
    now = collected_at(inventory)
    limit = int(data.get("never_signed_in_days", 30))
    outcomes: list[Outcome] = []
    for user in active_users(inventory):
        name = label(user)
        if user.get("last_login"):
            outcomes.append(result(True, name, USER, f"{name} has signed in", last_login=user.get("last_login")))
            continue
        created = parse_time(user.get("created"))
        if created is None:
            outcomes.append(error(name, USER, f"Google gives no creation time for {name}"))
            continue
        days = days_between(created, now)
        ok = days <= limit
        reason = f"{name} was created {days} days ago and has never signed in" + (
            "" if ok else f" (more than {limit} days)"
        )
        outcomes.append(result(ok, name, USER, reason, created=user.get("created"), days=days, limit=limit))
    return outcomes
