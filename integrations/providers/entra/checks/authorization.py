"""Tenant-wide defaults of the authorization policy: guest invitations, guest access, app registrations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import AuthorizationPolicy
from ._common import POLICY, entra_check, error, result, service_data, tenant_name

# guestUserRoleId values: what a guest can see of the directory.
RESTRICTED_GUEST = "2af84b1e-32c8-42b7-82bc-daa82404023b"
LIMITED_GUEST = "10dae51f-b6af-4016-8d66-8c2a99b929b3"
MEMBER_LIKE_GUEST = "a0b1b346-4d3e-4e8b-98f8-753987be4970"
GUEST_ROLES = {
    RESTRICTED_GUEST: "restricted to their own directory objects",
    LIMITED_GUEST: "limited to the properties and memberships of non-hidden groups",
    MEMBER_LIKE_GUEST: "the same access as members",
}
INVITERS = {
    "none": "nobody, administrators included",
    "adminsAndGuestInviters": "administrators and the Guest Inviter role",
    "adminsGuestInvitersAndAllMembers": "administrators, Guest Inviters and all members",
    "everyone": "everyone, guests included",
}


def _policy(inventory: Inventory) -> AuthorizationPolicy | None:
    data = service_data(inventory, "authorization_policy")
    return cast(AuthorizationPolicy, data) if data else None


def _one(inventory: Inventory, ok: bool | None, reason: str, **observed: Any) -> list[Outcome]:
    tenant = tenant_name(inventory)
    resource = f"{tenant}/authorizationPolicy"
    if ok is None:
        return [error(resource, POLICY, reason, **observed)]
    return [result(ok, resource, POLICY, reason, **observed)]


@entra_check(
    id="entra.authorization.guest_invites_restricted",
    title="Guests cannot invite other guests",
    severity=Severity.MEDIUM,
    service="authorization_policy",
    resource_type=POLICY,
    rationale="When everyone may invite, a guest can bring in further outsiders nobody in the organisation "
    "approved, widening access to shared content beyond any review.",
    remediation="In External Identities → External collaboration settings, set guest invite restrictions to "
    "'Only users assigned to specific admin roles' (or at least 'Member users and users assigned to specific "
    "admin roles').",
)
def guest_invites_restricted(inventory: Inventory) -> Iterable[Outcome]:
    policy = _policy(inventory)
    if policy is None:
        return []
    value = policy.get("allow_invites_from")
    if value not in INVITERS:
        return _one(inventory, None, f"The authorization policy names an unknown inviter setting {value!r}")
    reason = f"Guests can be invited by {INVITERS[str(value)]}"
    return _one(inventory, value != "everyone", reason, allow_invites_from=value)


@entra_check(
    id="entra.authorization.guest_role_restricted",
    title="Guest users' access to the directory is limited or restricted",
    severity=Severity.MEDIUM,
    service="authorization_policy",
    resource_type=POLICY,
    rationale="With member-like access a guest can enumerate every user, group and application of the "
    "directory, a map for phishing and privilege escalation handed to outside accounts.",
    remediation="In External Identities → External collaboration settings, set guest user access to 'Guest user "
    "access is restricted to properties and memberships of their own directory objects'.",
)
def guest_role_restricted(inventory: Inventory) -> Iterable[Outcome]:
    policy = _policy(inventory)
    if policy is None:
        return []
    role = str(policy.get("guest_user_role_id") or "").lower()
    if role not in GUEST_ROLES:
        return _one(inventory, None, f"The authorization policy names an unknown guest role {role or 'none'}")
    reason = f"Guests' access to the directory is {GUEST_ROLES[role]}"
    return _one(inventory, role != MEMBER_LIKE_GUEST, reason, guest_user_role_id=role)


@entra_check(
    id="entra.authorization.users_cannot_register_apps",
    title="Ordinary users cannot register applications",
    severity=Severity.MEDIUM,
    service="authorization_policy",
    resource_type=POLICY,
    rationale="An app any user registers can hold credentials and ask colleagues for consent to their data, "
    "outside any review; attackers use such apps for consent phishing and persistence.",
    remediation="In User settings, set 'Users can register applications' to No and grant the Application "
    "Developer role to those who build apps.",
)
def users_cannot_register_apps(inventory: Inventory) -> Iterable[Outcome]:
    policy = _policy(inventory)
    if policy is None:
        return []
    allowed = policy.get("allowed_to_create_apps")
    if allowed is None:
        return _one(inventory, None, "The authorization policy does not say whether users can register apps")
    reason = "Users can register applications" if allowed else "Only administrators and developers can register apps"
    return _one(inventory, not allowed, reason, allowed_to_create_apps=allowed)
