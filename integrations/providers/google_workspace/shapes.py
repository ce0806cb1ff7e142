"""The inventory a Google Workspace scan collects: what each service puts in ``Inventory.data[service]``.

The collectors build these from Admin SDK Directory API objects and the checks read them.
At run time they are plain dicts (the inventory is stored as JSON); the types are for
readers and the type checker.  Timestamps stay as Google writes them (RFC 3339, UTC).
"""

from __future__ import annotations

from typing import TypedDict


class User(TypedDict):
    """One item of GET /admin/directory/v1/users?projection=full, cut down."""

    id: str
    email: str | None
    is_admin: bool
    is_delegated_admin: bool
    suspended: bool
    archived: bool
    enrolled_2sv: bool
    enforced_2sv: bool
    # None when the user never signed in (Google writes 1970-01-01T00:00:00.000Z).
    last_login: str | None
    created: str | None
    org_unit: str | None


class Users(TypedDict):
    """``data["users"]``: every user of the customer, the suspended and archived included, and the thresholds."""

    users: list[User]
    inactive_days: int
    never_signed_in_days: int
    admin_inactive_days: int
    # When the collection ran (ISO 8601): the checks measure ages from it, so a re-run on a stored inventory agrees.
    collected_at: str


class Role(TypedDict):
    """One item of GET /admin/directory/v1/customer/{customer}/roles."""

    id: str
    name: str | None
    is_super_admin: bool


class Assignment(TypedDict):
    """One item of GET /admin/directory/v1/customer/{customer}/roleassignments."""

    id: str | None
    role_id: str
    assigned_to: str
    assignee_type: str | None
    scope_type: str | None


class Admins(TypedDict, total=False):
    """``data["admins"]``: the roles, their assignments, who is in each group holding a role, the super admin bounds.

    ``group_members``: group id -> the ids of its users, nested groups' included (``everyone`` when the group
    holds the whole account); ``unresolved_groups``: group id -> why its members could not be read.
    """

    roles: list[Role]
    assignments: list[Assignment]
    group_members: dict[str, list[str]]
    everyone_groups: list[str]
    unresolved_groups: dict[str, str]
    min_super_admins: int
    max_super_admins: int


class Token(TypedDict):
    """One item of GET /admin/directory/v1/users/{userKey}/tokens: a third-party app a user granted access."""

    client_id: str
    app: str | None
    scopes: list[str]
    anonymous: bool
    native_app: bool


class Tokens(TypedDict):
    """``data["tokens"]``: user id -> the OAuth grants the user gave third-party apps, and the trusted apps."""

    users: dict[str, list[Token]]
    trusted_clients: list[str]
