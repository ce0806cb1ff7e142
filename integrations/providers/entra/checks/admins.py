"""Privilege: administrators' MFA registration, the number of Global Administrators, guests holding roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Roles
from ._common import (
    GLOBAL_ADMIN,
    TENANT,
    USER,
    entra_check,
    is_guest,
    result,
    roles,
    service_data,
    tenant_name,
    unreadable_role_groups,
    user_label,
    user_roles,
    users_data,
)
from .users import mfa_outcome, registrations


@entra_check(
    id="entra.admins.mfa_registered",
    title="Every administrator is registered for multifactor authentication",
    severity=Severity.CRITICAL,
    service="roles",
    resource_type=USER,
    requires=("users", "roles", "registration"),
    rationale="A directory role holder controls other accounts, policies or applications; taking that account "
    "over with a password alone hands over the tenant.",
    remediation="Have each administrator register a phishing-resistant method (FIDO2 key, Windows Hello, "
    "Authenticator passkey) and require it for admin roles with an authentication strength policy.",
)
def admins_mfa_registered(inventory: Inventory) -> Iterable[Outcome]:
    found = registrations(inventory)
    held = user_roles(inventory)
    # The report's own isAdmin also catches role holders through a role-assignable group.
    admin_ids = set(held) | {uid for uid, entry in found.items() if entry.get("is_admin")}
    labels = {u["id"]: user_label(u) for u in users_data(inventory).get("users", [])}
    outcomes = []
    for user_id in sorted(admin_ids, key=lambda uid: labels.get(uid, uid)):
        registered = found.get(user_id)
        label = labels.get(user_id) or str((registered and registered.get("upn")) or user_id)
        entry = mfa_outcome(label, registered, "administrator")
        entry.observed["roles"] = held.get(user_id, [])
        outcomes.append(entry)
    return outcomes


@entra_check(
    id="entra.admins.global_admin_count",
    title="Global Administrators are few, but more than one (2 to 4 by default)",
    severity=Severity.MEDIUM,
    service="roles",
    resource_type=TENANT,
    rationale="Every Global Administrator can do anything in the tenant and the Microsoft 365 services behind "
    "it, so their number should stay small; a single one is a single point of failure.",
    remediation="Give day-to-day administrators narrower roles (User, Exchange, Security Administrator), keep "
    "two to four Global Administrators including a break-glass account, and make others eligible through PIM.",
)
def global_admin_count(inventory: Inventory) -> Iterable[Outcome]:
    data = cast(Roles, service_data(inventory, "roles"))
    if not data:
        return []
    members = [m for r in roles(inventory) if r.get("role_template_id") == GLOBAL_ADMIN for m in r.get("members", [])]
    # Holders through a role-assignable group count like direct ones (each person once).
    through, known = data.get("group_members", {}), data.get("group_member_names", {})
    names = {m["id"]: str(m.get("name") or m["id"]) for m in members if m.get("kind") == "user"}
    for m in members:
        if m.get("kind") == "group":
            names.update({uid: names.get(uid) or known.get(uid, uid) for uid in through.get(m["id"], [])})
    admins = sorted(names.values())
    groups = sorted(str(m.get("name") or m["id"]) for m in members if m.get("kind") == "group")
    low, high = data.get("min_global_admins", 2), data.get("max_global_admins", 4)
    tenant = tenant_name(inventory)
    count = len(admins)
    plural = "s" if count != 1 else ""
    if count < low:
        reason = f"{tenant} has {count} Global Administrator{plural} (at least {low} expected)"
    elif count > high:
        reason = f"{tenant} has {count} Global Administrators (at most {high} allowed)"
    else:
        reason = f"{tenant} has {count} Global Administrator{plural} ({low} to {high} accepted)"
    if groups:
        reason += f"; the role is also held through group{'s' if len(groups) > 1 else ''} {', '.join(groups)}"
    ok = low <= count <= high
    return [
        *unreadable_role_groups(inventory, template_id=GLOBAL_ADMIN),
        result(ok, tenant, TENANT, reason, global_admins=admins, groups=groups, minimum=low, maximum=high),
    ]


@entra_check(
    id="entra.guests.no_admin_roles",
    title="No guest user holds a directory role",
    severity=Severity.HIGH,
    service="roles",
    resource_type=USER,
    requires=("users", "roles"),
    rationale="A guest's account, password and MFA are managed by another organisation; an administrator role "
    "on it puts the tenant's control in hands outside its own joiner-mover-leaver process.",
    remediation="Remove the role from the guest and, if the person administers the tenant, give them a member "
    "account of this tenant, ideally with an eligible (PIM) rather than an active assignment.",
)
def guests_no_admin_roles(inventory: Inventory) -> Iterable[Outcome]:
    held = user_roles(inventory)
    outcomes = unreadable_role_groups(inventory)
    for user in users_data(inventory).get("users", []):
        if not is_guest(user):
            continue
        label, names = user_label(user), held.get(user["id"], [])
        reason = f"Guest {label} holds {', '.join(names)}" if names else f"Guest {label} holds no directory role"
        outcomes.append(result(not names, label, USER, reason, roles=names, enabled=user.get("enabled")))
    return outcomes
