"""The inventory a Microsoft Entra ID scan collects: what each service puts in ``Inventory.data[service]``.

The collectors build these from Microsoft Graph v1.0 objects and the checks read them.  At
run time they are plain dicts (the inventory is stored as JSON); the types are for readers
and the type checker.  Timestamps stay as Graph writes them (ISO 8601, UTC).
"""

from __future__ import annotations

from typing import TypedDict


class User(TypedDict):
    """One item of GET /v1.0/users ($select cut down); ``last_sign_in`` the latest of signInActivity's times."""

    id: str
    upn: str | None
    display_name: str | None
    enabled: bool | None
    # "Member" or "Guest"
    user_type: str | None
    created: str | None
    last_sign_in: str | None


class Users(TypedDict):
    """``data["users"]``: every user and the scan's thresholds.

    ``sign_in_activity`` is False when Graph would not return signInActivity (no Entra ID P1
    licence, or the app lacks AuditLog.Read.All); ``sign_in_unavailable`` then says why, and
    every ``last_sign_in`` is None because it is unknown, not because nobody signed in.
    """

    users: list[User]
    sign_in_activity: bool
    sign_in_unavailable: str | None
    inactive_days: int
    guest_inactive_days: int
    never_signed_in_days: int
    # When the collection ran (ISO 8601): the checks measure ages from it, so a re-run on a stored inventory agrees.
    collected_at: str


class Registration(TypedDict):
    """One item of GET /v1.0/reports/authenticationMethods/userRegistrationDetails."""

    id: str
    upn: str | None
    user_type: str | None
    is_admin: bool | None
    is_mfa_registered: bool | None
    methods: list[str]


class Registrations(TypedDict):
    """``data["registration"]``: user id -> that user's authentication-method registration."""

    users: dict[str, Registration]


class Member(TypedDict):
    """One member of a directory role: a user, a (role-assignable) group or a service principal."""

    id: str
    # "user", "group", "servicePrincipal" (from "@odata.type")
    kind: str
    name: str | None


class Role(TypedDict):
    """One activated directory role (GET /v1.0/directoryRoles) and its members (…/{id}/members)."""

    id: str
    display_name: str | None
    role_template_id: str | None
    members: list[Member]


class Roles(TypedDict, total=False):
    """``data["roles"]``: the activated directory roles, the users of each (role-assignable) group holding one, and
    the Global Administrator bounds. ``unresolved_groups``: group id -> why its members could not be read."""

    roles: list[Role]
    group_members: dict[str, list[str]]
    group_member_names: dict[str, str]
    unresolved_groups: dict[str, str]
    min_global_admins: int
    max_global_admins: int


class Group(TypedDict):
    """One group (GET /v1.0/groups) and the ids of its direct user members (…/{id}/members)."""

    id: str
    display_name: str | None
    # Only such a group can hold a directory role (it then shows as a role member of kind "group").
    assignable_to_role: bool | None
    members: list[str]


class Groups(TypedDict):
    """``data["groups"]``: every group of the tenant with its user members."""

    groups: list[Group]


class Policy(TypedDict):
    """One conditional access policy (GET /v1.0/identity/conditionalAccess/policies), cut to what is judged."""

    id: str
    name: str | None
    # "enabled", "disabled" or "enabledForReportingButNotEnforced"
    state: str | None
    include_users: list[str]
    exclude_users: list[str]
    include_roles: list[str]
    exclude_roles: list[str]
    include_groups: list[str]
    include_applications: list[str]
    client_app_types: list[str]
    user_risk_levels: list[str]
    sign_in_risk_levels: list[str]
    grant_operator: str | None
    built_in_controls: list[str]
    authentication_strength: str | None


class ConditionalAccess(TypedDict):
    """``data["conditional_access"]``: security defaults and the conditional access policies.

    ``policies_unreadable`` holds why the policies could not be listed (a tenant without
    Entra ID P1 has none to list) while security defaults could; the checks then rely on
    security defaults alone.
    """

    security_defaults: bool | None
    policies: list[Policy]
    policies_unreadable: str | None


class AuthorizationPolicy(TypedDict):
    """``data["authorization_policy"]``: GET /v1.0/policies/authorizationPolicy, cut down."""

    id: str | None
    allow_invites_from: str | None
    guest_user_role_id: str | None
    allowed_to_create_apps: bool | None
