"""The inventory an Okta scan collects: what each service puts in ``Inventory.data[service]``.

The collectors build these from Okta's Management API objects and the checks read them.
At run time they are plain dicts (the inventory is stored as JSON); the types are for
readers and the type checker.  Timestamps stay as Okta writes them (ISO 8601, UTC).
A per-user map holds an entry for every user whose collection succeeded.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Org(TypedDict):
    """``data["org"]``: GET /api/v1/org, cut down."""

    id: str | None
    company_name: str | None
    subdomain: str | None
    status: str | None


class User(TypedDict):
    """One user of GET /api/v1/users (profile cut to the login)."""

    id: str
    login: str | None
    status: str | None
    created: str | None
    activated: str | None
    status_changed: str | None
    last_login: str | None


class Users(TypedDict):
    """``data["users"]``: every user, the deprovisioned included, and the scan's thresholds."""

    users: list[User]
    inactive_days: int
    stuck_days: int
    # When the collection ran (ISO 8601): the checks measure ages from it, so a re-run on a stored inventory agrees.
    collected_at: str


class Factor(TypedDict):
    """One item of GET /api/v1/users/{id}/factors."""

    id: str | None
    factor_type: str | None
    provider: str | None
    status: str | None


class Factors(TypedDict):
    """``data["factors"]``: user id -> the user's factors, for every user who can sign in."""

    users: dict[str, list[Factor]]


class Admin(TypedDict):
    """A user holding at least one administrator role (GET /api/v1/users/{id}/roles)."""

    user_id: str
    login: str | None
    roles: list[str]


class Admins(TypedDict):
    """``data["admins"]``: every user with an admin role, and the super admin bounds."""

    admins: list[Admin]
    min_super_admins: int
    max_super_admins: int


class Group(TypedDict):
    """One group of GET /api/v1/groups (the built-in Everyone group left out) and its members' user ids."""

    id: str
    name: str | None
    type: str | None
    members: list[str]


class Groups(TypedDict):
    """``data["groups"]``: the org's groups, each with its members (GET /api/v1/groups/{id}/users)."""

    groups: list[Group]


class Rule(TypedDict):
    """One item of GET /api/v1/policies/{id}/rules; ``conditions`` and ``actions`` as Okta sends them."""

    id: str | None
    name: str | None
    status: str | None
    priority: int | None
    system: bool | None
    conditions: dict[str, Any]
    actions: dict[str, Any]


class Policy(TypedDict):
    """One item of GET /api/v1/policies?type=…, with its rules; ``settings`` as Okta sends it."""

    id: str | None
    name: str | None
    type: str | None
    status: str | None
    priority: int | None
    system: bool | None
    settings: dict[str, Any]
    rules: list[Rule]


class Policies(TypedDict):
    """``data["policies"]``: policy type -> that type's policies.

    A type absent from the map was not readable (Okta Classic Engine has no ACCESS_POLICY).
    """

    by_type: dict[str, list[Policy]]
    unsupported: list[str]


class App(TypedDict):
    """One active application of GET /api/v1/apps; ``access_policy_id`` from its ``accessPolicy`` link."""

    id: str | None
    name: str | None
    label: str | None
    status: str | None
    sign_on_mode: str | None
    access_policy_id: str | None


class Assignment(TypedDict):
    """A deprovisioned user's assignment to an application (GET /api/v1/apps/{id}/users)."""

    app_id: str | None
    app_label: str | None
    scope: str | None
    status: str | None


class Apps(TypedDict):
    """``data["apps"]``: the active applications, and each deprovisioned user's remaining assignments."""

    apps: list[App]
    deprovisioned_assignments: dict[str, list[Assignment]]


class ApiToken(TypedDict):
    """One item of GET /api/v1/api-tokens (the token's metadata; the secret is never readable)."""

    id: str | None
    name: str | None
    user_id: str | None
    client_name: str | None
    created: str | None
    expires_at: str | None
    token_window: str | None


class ApiTokens(TypedDict):
    """``data["api_tokens"]``: the org's API tokens and the accepted age."""

    tokens: list[ApiToken]
    max_age_days: int
    collected_at: str


class ThreatInsight(TypedDict):
    """``data["threat_insight"]``: GET /api/v1/threats/configuration."""

    action: str | None
    exclude_zones: list[str]
