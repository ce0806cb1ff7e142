"""Server-wide PostgreSQL checks on pg_settings: TLS, password hashing, logging, version, pgaudit, connections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Database
from ._common import (
    SERVER,
    collected_at,
    databases_data,
    is_on,
    policy,
    postgres_check,
    result,
    server_id,
    setting,
    settings_data,
)

WEAK_TLS_VERSIONS = {"tlsv1", "tlsv1.1"}
STATEMENT_LOGGING = ("ddl", "mod", "all")
# A server taking more connections than this is better served by a connection pooler:
# every connection is a process, and a burst of them can exhaust the server's memory.
MAX_CONNECTIONS_CEILING = 1000

# Final-release dates of each major version under the PostgreSQL versioning policy
# (five years of support), as published on postgresql.org/support/versioning in
# November 2025.  A major newer than the table is taken as supported; older ones are
# long out of support.
END_OF_LIFE: dict[int, date] = {
    10: date(2022, 11, 10),
    11: date(2023, 11, 9),
    12: date(2024, 11, 21),
    13: date(2025, 11, 13),
    14: date(2026, 11, 12),
    15: date(2027, 11, 11),
    16: date(2028, 11, 9),
    17: date(2029, 11, 8),
    18: date(2030, 11, 14),
}
OLDEST_IN_TABLE = min(END_OF_LIFE)


def _one(inventory: Inventory, ok: bool, reason: str, **observed: Any) -> list[Outcome]:
    return [result(ok, server_id(inventory), SERVER, reason, **observed)]


@postgres_check(
    id="postgres.ssl.enabled",
    title="The server accepts TLS connections with TLS 1.2 or later",
    severity=Severity.HIGH,
    service="settings",
    resource_type=SERVER,
    rationale="Without TLS, passwords (for cleartext and md5 methods), queries and results cross the network "
    "readable by anyone on the path.",
    remediation="Install a certificate and key, set ssl = on and ssl_min_protocol_version = 'TLSv1.2' in "
    "postgresql.conf, then reload; require TLS for remote clients with hostssl lines in pg_hba.conf.",
)
def ssl_enabled(inventory: Inventory) -> Iterable[Outcome]:
    ssl, problem = setting(inventory, "ssl")
    if ssl is None:
        return [problem] if problem else []
    minimum, _ = setting(inventory, "ssl_min_protocol_version")
    if not is_on(ssl):
        return _one(inventory, False, "ssl is off: every connection is unencrypted", ssl=ssl)
    if minimum and minimum.strip().lower() in WEAK_TLS_VERSIONS:
        reason = f"ssl is on but ssl_min_protocol_version is {minimum}"
        return _one(inventory, False, reason, ssl=ssl, ssl_min_protocol_version=minimum)
    reason = f"ssl is on (minimum protocol {minimum or 'default'})"
    return _one(inventory, True, reason, ssl=ssl, ssl_min_protocol_version=minimum)


@postgres_check(
    id="postgres.auth.password_encryption_scram",
    title="New passwords are hashed with SCRAM-SHA-256",
    severity=Severity.MEDIUM,
    service="settings",
    resource_type=SERVER,
    rationale="An MD5 password hash is enough to log in as the role (it is the secret itself for the md5 "
    "method) and is fast to crack; SCRAM-SHA-256 is salted, iterated and never sent over the wire.",
    remediation="Set password_encryption = 'scram-sha-256' in postgresql.conf, reload, and have every role set "
    "its password again so the stored hash is converted.",
)
def password_encryption_scram(inventory: Inventory) -> Iterable[Outcome]:
    value, problem = setting(inventory, "password_encryption")
    if value is None:
        return [problem] if problem else []
    ok = value.strip().lower() == "scram-sha-256"
    return _one(inventory, ok, f"password_encryption is {value}", password_encryption=value)


def _logging_check(inventory: Inventory, name: str, what: str) -> Iterable[Outcome]:
    value, problem = setting(inventory, name)
    if value is None:
        return [problem] if problem else []
    # From PostgreSQL 18 log_connections may also list aspects ("receipt,authentication").
    ok = value.strip().lower() not in {"", "off", "false", "no", "0"}
    reason = f"{name} is {value}" + ("" if ok else f": {what} are not logged")
    return _one(inventory, ok, reason, **{name: value})


@postgres_check(
    id="postgres.logging.connections",
    title="Connections are logged",
    severity=Severity.MEDIUM,
    service="settings",
    resource_type=SERVER,
    rationale="A log of who connected from where and when is the first thing an investigation needs, and "
    "shows brute-force attempts as they happen.",
    remediation="Set log_connections = on in postgresql.conf (or ALTER SYSTEM SET log_connections = on) and reload.",
)
def log_connections(inventory: Inventory) -> Iterable[Outcome]:
    return _logging_check(inventory, "log_connections", "connections")


@postgres_check(
    id="postgres.logging.disconnections",
    title="Disconnections are logged",
    severity=Severity.LOW,
    service="settings",
    resource_type=SERVER,
    rationale="With the disconnection line a session's duration is known, which bounds what it could have done.",
    remediation="Set log_disconnections = on in postgresql.conf (or ALTER SYSTEM SET log_disconnections = on) "
    "and reload.",
)
def log_disconnections(inventory: Inventory) -> Iterable[Outcome]:
    return _logging_check(inventory, "log_disconnections", "disconnections")


@postgres_check(
    id="postgres.logging.statements",
    title="Schema changes (DDL) are logged",
    severity=Severity.MEDIUM,
    service="settings",
    resource_type=SERVER,
    rationale="Changes to tables, roles and privileges must leave a trace to be reviewed and attributed; "
    "log_statement = 'ddl' records them without the volume of logging every query.",
    remediation="Set log_statement = 'ddl' (or 'mod' to add data changes) in postgresql.conf and reload; "
    "consider pgaudit for finer-grained audit logging.",
)
def statement_logging(inventory: Inventory) -> Iterable[Outcome]:
    value, problem = setting(inventory, "log_statement")
    if value is None:
        return [problem] if problem else []
    ok = value.strip().lower() in STATEMENT_LOGGING
    reason = f"log_statement is {value}" + ("" if ok else ": DDL statements are not logged")
    return _one(inventory, ok, reason, log_statement=value)


def _label(version_num: int) -> str:
    if version_num >= 100000:
        return str(version_num // 10000)
    return f"{version_num // 10000}.{version_num // 100 % 100}"


@postgres_check(
    id="postgres.server.supported_version",
    title="The server runs a supported major version",
    severity=Severity.HIGH,
    service="settings",
    resource_type=SERVER,
    rationale="A major version past its end of life gets no more security fixes; known vulnerabilities in it "
    "stay open for good.",
    remediation="Upgrade to a supported major version (pg_upgrade, or dump and restore / logical replication), "
    "and keep to the latest minor release of it.",
)
def supported_version(inventory: Inventory) -> Iterable[Outcome]:
    data = settings_data(inventory)
    if data is None:
        return []
    version_num = int(data.get("server_version_num") or 0)
    major = version_num // 10000
    minimum = int(policy(inventory, "min_supported_major"))
    today = collected_at(data).date()
    end_of_life = END_OF_LIFE.get(major)
    observed = {
        "server_version": data.get("server_version"),
        "major_version": _label(version_num),
        "min_supported_major": minimum,
        "end_of_life": end_of_life.isoformat() if end_of_life else None,
    }
    label = _label(version_num)
    if major < minimum:
        return _one(inventory, False, f"PostgreSQL {label} is older than the required {minimum}", **observed)
    if major < OLDEST_IN_TABLE or (end_of_life is not None and end_of_life <= today):
        when = f" on {end_of_life.isoformat()}" if end_of_life else ""
        return _one(inventory, False, f"PostgreSQL {label} reached its end of life{when}", **observed)
    until = f" until {end_of_life.isoformat()}" if end_of_life else ""
    return _one(inventory, True, f"PostgreSQL {data.get('server_version') or label} is supported{until}", **observed)


@postgres_check(
    id="postgres.audit.pgaudit_loaded",
    title="pgaudit is loaded (when the integration requires it)",
    severity=Severity.MEDIUM,
    service="settings",
    resource_type=SERVER,
    rationale="pgaudit writes structured audit records of reads, writes and privilege changes per object, "
    "which some audits require beyond what log_statement gives.",
    remediation="Install the pgaudit package, add pgaudit to shared_preload_libraries, restart, run CREATE "
    "EXTENSION pgaudit and set pgaudit.log (e.g. 'ddl, role, write').",
)
def pgaudit_loaded(inventory: Inventory) -> Iterable[Outcome]:
    # Only a requirement when the integration asks for it; otherwise not applicable.
    if not policy(inventory, "require_pgaudit"):
        return []
    value, problem = setting(inventory, "shared_preload_libraries")
    if value is None:
        return [problem] if problem else []
    libraries = [item.strip().strip('"').lower() for item in value.split(",") if item.strip()]
    ok = "pgaudit" in libraries
    reason = f"shared_preload_libraries is '{value}'" + ("" if ok else ": pgaudit is not loaded")
    return _one(inventory, ok, reason, shared_preload_libraries=value)


@postgres_check(
    id="postgres.connections.limits",
    title="Connections are bounded, with slots reserved for administrators",
    severity=Severity.LOW,
    service="settings",
    resource_type=SERVER,
    requires=("settings", "databases"),
    rationale="A bounded max_connections keeps a connection storm from exhausting the server's memory, and "
    "reserved superuser slots let an administrator still get in to stop it.",
    remediation=f"Keep max_connections at or below {MAX_CONNECTIONS_CEILING} (use a pooler such as PgBouncer for "
    "more clients), superuser_reserved_connections at 1 or more, and set CONNECTION LIMIT on databases and "
    "application roles.",
)
def connection_limits(inventory: Inventory) -> Iterable[Outcome]:
    maximum, problem = setting(inventory, "max_connections")
    if maximum is None:
        return [problem] if problem else []
    reserved, _ = setting(inventory, "superuser_reserved_connections")
    collected = databases_data(inventory)
    databases: list[Database] = collected.get("databases", []) if collected else []
    unlimited = [
        d["name"]
        for d in databases
        if d.get("allow_connections") and not d.get("template") and d.get("connection_limit", -1) < 0
    ]
    observed = {
        "max_connections": maximum,
        "superuser_reserved_connections": reserved,
        "databases_without_connection_limit": unlimited,
    }
    problems: list[str] = []
    if int(maximum) > MAX_CONNECTIONS_CEILING:
        problems.append(f"max_connections is {maximum} (at most {MAX_CONNECTIONS_CEILING})")
    if reserved is not None and int(reserved) < 1:
        problems.append("superuser_reserved_connections is 0: no slot is kept for administrators")
    if problems:
        return _one(inventory, False, "; ".join(problems), **observed)
    return _one(
        inventory,
        True,
        f"max_connections is {maximum} with {reserved if reserved is not None else 'unknown'} reserved for superusers",
        **observed,
    )
