"""The inventory a PostgreSQL scan collects: what each service puts in ``Inventory.data[service]``.

The collectors build these and the checks read them.  At run time they are plain dicts
(the inventory is stored as JSON); the types are for readers and the type checker.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class Collected(TypedDict, total=False):
    # When the service was read (ISO 8601, UTC); the connector stamps it on every service it collects.
    collected_at: str


class Policy(TypedDict):
    """``data["policy"]``: the integration's policy options (defaults filled in), set on every inventory."""

    max_superusers: int
    require_password_expiry: bool
    require_pgaudit: bool
    min_supported_major: int


class Settings(Collected):
    """``data["settings"]``: the server settings the checks read, and who read them."""

    # name -> pg_settings.setting, for the settings the scan role may see.
    values: dict[str, str]
    units: dict[str, str]
    sources: dict[str, str]
    # The settings pg_settings left out because the scan role may not see them.
    hidden: list[str]
    scan_role: str
    scan_role_is_superuser: bool
    scan_role_reads_all_settings: bool
    # "16.4"; the major is 9 for both 9.x lines.
    server_version: str
    server_version_num: int
    major_version: int


class HbaRule(TypedDict):
    """One line of pg_hba.conf as pg_hba_file_rules shows it; ``error`` is set on a line that does not parse."""

    line: int
    type: str
    database: list[str]
    user: list[str]
    address: str | None
    netmask: str | None
    method: str | None
    error: str | None


class Hba(Collected):
    """``data["hba"]``."""

    rules: list[HbaRule]


PasswordKind = Literal["none", "scram-sha-256", "md5", "other", "unknown"]


class Role(TypedDict):
    """A role (the built-in ``pg_*`` roles left out); only the kind of its password is known, never the hash."""

    name: str
    superuser: bool
    can_login: bool
    connection_limit: int
    valid_until: str | None
    has_expiry: bool
    expired: bool
    password: PasswordKind
    # The other role attributes that grant power, and the roles this one is a member of (whose privileges it uses).
    create_role: NotRequired[bool]
    create_db: NotRequired[bool]
    replication: NotRequired[bool]
    bypass_rls: NotRequired[bool]
    member_of: NotRequired[list[str]]


class Roles(Collected):
    """``data["roles"]``; every password kind is "unknown" when pg_authid could not be read."""

    roles: list[Role]
    passwords_known: bool
    passwords_error: str


class Schema(TypedDict):
    name: str
    owner: str
    # Whether PUBLIC (every role) may create objects in / use the schema.
    public_create: bool
    public_usage: bool


class Schemas(Collected):
    """``data["schemas"]``: the schemas of the database the integration connects to."""

    database: str
    schemas: list[Schema]


class Database(TypedDict):
    name: str
    # -1 for no limit.
    connection_limit: int
    allow_connections: bool
    template: bool


class Databases(Collected):
    """``data["databases"]``."""

    databases: list[Database]
