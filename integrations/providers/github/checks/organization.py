"""Organisation checks: 2FA requirement, base permission, repository creation, owner count."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Members, Organization
from ._common import ORGANIZATION, github_check, hidden_setting, members_data, org_data, organization, result

# Base permissions that let every member only read (or not even see) repositories.
RESTRICTED_PERMISSIONS = frozenset({"none", "read"})


@github_check(
    id="github.org.two_factor_required",
    title="Organization requires two-factor authentication",
    severity=Severity.HIGH,
    service="org",
    resource_type=ORGANIZATION,
    rationale="Every member can push code that ends up in production; a member protected by a password alone "
    "is one reused or phished password away from handing an attacker that power.",
    remediation="In the organization's Settings → Authentication security, require two-factor authentication "
    "for everyone (members without it are removed, so warn them first).",
)
def two_factor_required(inventory: Inventory) -> Iterable[Outcome]:
    org: Organization = org_data(inventory)
    if not org:
        return []
    required = org.get("two_factor_requirement_enabled")
    if required is None:
        return [hidden_setting(inventory, "two_factor_requirement_enabled")]
    login = organization(inventory)
    reason = (
        f"{login} requires two-factor authentication of its members"
        if required
        else f"{login} does not require two-factor authentication"
    )
    return [result(bool(required), login, ORGANIZATION, reason, two_factor_requirement_enabled=bool(required))]


@github_check(
    id="github.org.default_permission_restricted",
    title="Base repository permission is read or none",
    severity=Severity.MEDIUM,
    service="org",
    resource_type=ORGANIZATION,
    rationale="The base permission applies to every member on every repository; write or admin by default "
    "gives each account the power to change code and settings it has no reason to touch.",
    remediation="Set the organization's base permission (Settings → Member privileges) to Read or No "
    "permission, and grant write access through teams per repository.",
)
def default_permission_restricted(inventory: Inventory) -> Iterable[Outcome]:
    org: Organization = org_data(inventory)
    if not org:
        return []
    permission = org.get("default_repository_permission")
    if permission is None:
        return [hidden_setting(inventory, "default_repository_permission")]
    login = organization(inventory)
    ok = permission in RESTRICTED_PERMISSIONS
    reason = f"Members of {login} get '{permission}' on every repository by default"
    return [result(ok, login, ORGANIZATION, reason, default_repository_permission=permission)]


@github_check(
    id="github.org.members_cannot_create_public_repos",
    title="Members cannot create public repositories",
    severity=Severity.MEDIUM,
    service="org",
    resource_type=ORGANIZATION,
    rationale="A public repository is readable by the whole internet; letting any member create one makes "
    "publishing internal code or secrets a single click with no review.",
    remediation="In Settings → Member privileges → Repository creation, untick Public so only owners can "
    "publish repositories.",
)
def members_cannot_create_public_repos(inventory: Inventory) -> Iterable[Outcome]:
    org: Organization = org_data(inventory)
    if not org:
        return []
    allowed = org.get("members_can_create_public_repositories")
    if allowed is None:
        return [hidden_setting(inventory, "members_can_create_public_repositories")]
    login = organization(inventory)
    reason = (
        f"Members of {login} can create public repositories"
        if allowed
        else f"Only owners of {login} can create public repositories"
    )
    return [result(not allowed, login, ORGANIZATION, reason, members_can_create_public_repositories=bool(allowed))]


@github_check(
    id="github.members.admin_count_limited",
    title="Organization owners are few",
    severity=Severity.MEDIUM,
    service="members",
    resource_type=ORGANIZATION,
    rationale="Owners can change every setting, delete repositories and add people; each extra owner is "
    "another account whose compromise hands over the whole organization.",
    remediation="Review the owners (People → Role: Owner) and demote those who do not need full control to "
    "members, managing repositories through teams instead.",
)
def admin_count_limited(inventory: Inventory) -> Iterable[Outcome]:
    members: Members = members_data(inventory)
    if not members:
        return []
    admins = list(members.get("admins", []))
    limit = int(members.get("max_admins") or 0)
    login = organization(inventory)
    reason = f"{login} has {len(admins)} owners (at most {limit} allowed)"
    return [result(len(admins) <= limit, login, ORGANIZATION, reason, admins=admins, max_admins=limit)]
