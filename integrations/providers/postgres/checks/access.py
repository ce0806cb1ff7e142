"""Access checks: pg_hba rules, roles and schema privileges.

pg_hba rules are read from pg_hba_file_rules, i.e. the file as it is on disk now (a
change not yet reloaded shows here first); lines with a parse error are not in effect
and are left out.  Network rules are those of the ``host*`` types; ``local`` (Unix
socket) rules are out of scope for these checks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import HbaRule, Role, Roles
from ._common import SERVER, error, hba_data, policy, postgres_check, result, roles_data, schemas_data, server_id

HBA_RULE = "PostgreSQL::HbaRule"
ROLE = "PostgreSQL::Role"
SCHEMA = "PostgreSQL::Schema"

NETWORK_TYPES = {"host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"}
# Rule types that also match connections without TLS or GSSAPI encryption.
UNENCRYPTED_TYPES = {"host", "hostnossl", "hostnogssenc"}
_LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.IPv6Network("::1/128")


# --- pg_hba ---------------------------------------------------------------------------


def _rules(inventory: Inventory) -> list[HbaRule] | None:
    data = hba_data(inventory)
    if data is None:
        return None
    return [rule for rule in data.get("rules", []) if not rule.get("error")]


def _rule_id(inventory: Inventory, rule: HbaRule) -> str:
    return f"{server_id(inventory)}/pg_hba.conf:{rule['line']}"


def _describe(rule: HbaRule) -> str:
    address = rule.get("address") or ""
    netmask = rule.get("netmask")
    if netmask:
        address = f"{address}/{_prefix(netmask)}"
    parts = [rule.get("type", ""), ",".join(rule.get("database", [])), ",".join(rule.get("user", [])), address]
    return " ".join(p for p in parts if p) + f" {rule.get('method', '')}"


def _prefix(netmask: str) -> int | str:
    try:
        return bin(int(ipaddress.ip_address(netmask))).count("1")
    except ValueError:
        return netmask


def _is_loopback(rule: HbaRule) -> bool:
    address = str(rule.get("address") or "").strip()
    if address == "localhost":
        return True
    # "samehost" matches only the server's own addresses: such traffic never leaves the machine.
    if address == "samehost":
        return True
    netmask = rule.get("netmask")
    try:
        network = ipaddress.ip_network(f"{address}/{_prefix(netmask)}" if netmask else address)
    except ValueError:
        return False
    if isinstance(network, ipaddress.IPv4Network):
        return network.subnet_of(_LOOPBACK_V4)
    return network.subnet_of(_LOOPBACK_V6)


def _rule_outcomes(
    inventory: Inventory,
    *,
    offending: Iterable[HbaRule],
    problem: str,
    passing: str,
) -> Iterable[Outcome]:
    rules = _rules(inventory)
    if rules is None:
        return []
    bad = list(offending)
    if not bad:
        return [result(True, f"{server_id(inventory)}/pg_hba.conf", HBA_RULE, passing, rules=len(rules))]
    return [
        result(
            False,
            _rule_id(inventory, rule),
            HBA_RULE,
            f"pg_hba.conf line {rule['line']} ({_describe(rule)}) {problem}",
            line=rule["line"],
            type=rule.get("type"),
            database=rule.get("database"),
            user=rule.get("user"),
            address=rule.get("address"),
            netmask=rule.get("netmask"),
            method=rule.get("method"),
        )
        for rule in bad
    ]


@postgres_check(
    id="postgres.hba.no_trust_over_network",
    title="No network connection is trusted without authentication",
    severity=Severity.CRITICAL,
    service="hba",
    resource_type=HBA_RULE,
    rationale="A 'trust' rule lets anyone who can reach the port log in as any role it names, superusers "
    "included, with no password at all.",
    remediation="Replace 'trust' with 'scram-sha-256' (or cert) on every host, hostssl and hostnossl line of "
    "pg_hba.conf, then reload (SELECT pg_reload_conf()).",
)
def no_trust_over_network(inventory: Inventory) -> Iterable[Outcome]:
    rules = _rules(inventory) or []
    return _rule_outcomes(
        inventory,
        offending=[r for r in rules if r.get("type") in NETWORK_TYPES and r.get("method") == "trust"],
        problem="trusts network connections without any authentication",
        passing="No network rule of pg_hba.conf uses trust",
    )


@postgres_check(
    id="postgres.hba.no_cleartext_passwords",
    title="No network rule takes passwords in clear text",
    severity=Severity.HIGH,
    service="hba",
    resource_type=HBA_RULE,
    rationale="The 'password' method sends the password itself to the server, readable on the wire without "
    "TLS and by whoever controls the server end; SCRAM proves the password without sending it.",
    remediation="Use 'scram-sha-256' instead of 'password' on the host* lines of pg_hba.conf and reload.",
)
def no_cleartext_passwords(inventory: Inventory) -> Iterable[Outcome]:
    rules = _rules(inventory) or []
    return _rule_outcomes(
        inventory,
        offending=[r for r in rules if r.get("type") in NETWORK_TYPES and r.get("method") == "password"],
        problem="sends passwords in clear text",
        passing="No network rule of pg_hba.conf uses the cleartext password method",
    )


@postgres_check(
    id="postgres.hba.remote_connections_require_ssl",
    title="Remote connections must use TLS",
    severity=Severity.MEDIUM,
    service="hba",
    resource_type=HBA_RULE,
    rationale="A 'host' rule also matches unencrypted connections, so a client (or an attacker in the "
    "middle) can skip TLS; 'hostssl' rules refuse them.",
    remediation="Change 'host' (and 'hostnossl') lines for non-loopback addresses to 'hostssl', or to "
    "'hostgssenc' where GSSAPI encryption is used, and reload.",
)
def remote_connections_require_ssl(inventory: Inventory) -> Iterable[Outcome]:
    rules = _rules(inventory) or []
    return _rule_outcomes(
        inventory,
        offending=[
            r
            for r in rules
            if r.get("type") in UNENCRYPTED_TYPES and r.get("method") != "reject" and not _is_loopback(r)
        ],
        problem="accepts remote connections without TLS",
        passing="Every non-loopback network rule of pg_hba.conf requires encryption",
    )


# --- roles ---------------------------------------------------------------------------------


def _roles(inventory: Inventory) -> Roles | None:
    return roles_data(inventory)


def _role_id(inventory: Inventory, name: str) -> str:
    return f"{server_id(inventory)}/role/{name}"


@postgres_check(
    id="postgres.roles.superuser_count",
    title="Few roles are superusers",
    severity=Severity.HIGH,
    service="roles",
    resource_type=SERVER,
    rationale="A superuser bypasses every permission check and can run programs on the server's operating "
    "system; each extra one is another credential that gives everything away.",
    remediation="ALTER ROLE <name> NOSUPERUSER for roles that do not need it; grant predefined roles "
    "(pg_monitor, pg_read_all_data, ...) or specific privileges instead.",
)
def superuser_count(inventory: Inventory) -> Iterable[Outcome]:
    data = _roles(inventory)
    if data is None:
        return []
    limit = int(policy(inventory, "max_superusers"))
    superusers = sorted(role["name"] for role in data.get("roles", []) if role.get("superuser"))
    ok = len(superusers) <= limit
    reason = f"{len(superusers)} superuser roles ({', '.join(superusers) or 'none'})"
    reason += f"; at most {limit} allowed" if not ok else f", within the limit of {limit}"
    return [result(ok, server_id(inventory), SERVER, reason, superusers=superusers, count=len(superusers), limit=limit)]


def _login_roles_with_passwords(data: Roles) -> list[Role]:
    # A role with no stored password cannot use password methods; an unknown one might.
    return [r for r in data.get("roles", []) if r.get("can_login") and r.get("password") != "none"]


@postgres_check(
    id="postgres.roles.password_expiry",
    title="Login roles' passwords expire (when the integration requires it)",
    severity=Severity.LOW,
    service="roles",
    resource_type=ROLE,
    rationale="A password with an expiry date stops working on its own once forgotten in a script or leaked, "
    "where a VALID UNTIL 'infinity' password lasts for ever.",
    remediation="ALTER ROLE <name> VALID UNTIL '<date>' for every login role with a password, and rotate "
    "passwords before that date.",
)
def password_expiry(inventory: Inventory) -> Iterable[Outcome]:
    # An organisational choice: without require_password_expiry the check does not apply.
    if not policy(inventory, "require_password_expiry"):
        return []
    data = _roles(inventory)
    if data is None:
        return []
    outcomes: list[Outcome] = []
    for role in _login_roles_with_passwords(data):
        observed: dict[str, Any] = {"valid_until": role.get("valid_until"), "password": role.get("password")}
        if role.get("has_expiry"):
            state = "expired" if role.get("expired") else "expires"
            reason = f"The password of {role['name']} {state} at {role['valid_until']}"
        else:
            reason = f"The password of {role['name']} never expires"
        outcomes.append(
            result(bool(role.get("has_expiry")), _role_id(inventory, role["name"]), ROLE, reason, **observed)
        )
    return outcomes


@postgres_check(
    id="postgres.roles.passwords_scram",
    title="Stored role passwords are SCRAM-SHA-256 hashes",
    severity=Severity.MEDIUM,
    service="roles",
    resource_type=ROLE,
    rationale="A role whose password is still stored as an MD5 hash can be impersonated with the hash alone "
    "and cracked quickly if it leaks; setting password_encryption only converts passwords set afterwards.",
    remediation="With password_encryption = 'scram-sha-256', set each listed role's password again "
    "(\\password <role> in psql), then switch md5 rules in pg_hba.conf to scram-sha-256.",
)
def passwords_scram(inventory: Inventory) -> Iterable[Outcome]:
    data = _roles(inventory)
    if data is None:
        return []
    if not data.get("passwords_known"):
        return [
            error(server_id(inventory), ROLE, f"Password hashes could not be inspected: {data.get('passwords_error')}")
        ]
    outcomes: list[Outcome] = []
    for role in _login_roles_with_passwords(data):
        kind = role.get("password")
        ok = kind == "scram-sha-256"
        reason = f"The password of {role['name']} is stored as {kind}"
        outcomes.append(result(ok, _role_id(inventory, role["name"]), ROLE, reason, password=kind))
    return outcomes


# --- schemas ------------------------------------------------------------------------------


@postgres_check(
    id="postgres.schemas.public_cannot_create",
    title="PUBLIC cannot create objects in any schema",
    severity=Severity.MEDIUM,
    service="schemas",
    resource_type=SCHEMA,
    rationale="When every role may create objects in a schema (the 'public' schema before PostgreSQL 15), any "
    "user can plant functions or tables that shadow others' and run with their privileges.",
    remediation="REVOKE CREATE ON SCHEMA <schema> FROM PUBLIC in every database (templates included), and grant "
    "CREATE to the owning roles only.",
)
def public_cannot_create(inventory: Inventory) -> Iterable[Outcome]:
    data = schemas_data(inventory)
    if data is None:
        return []
    database = data.get("database", "")
    outcomes: list[Outcome] = []
    for schema in data.get("schemas", []):
        can_create = bool(schema.get("public_create"))
        where = f"schema {schema['name']} of database {database}"
        reason = f"PUBLIC can create objects in {where}" if can_create else f"PUBLIC cannot create objects in {where}"
        outcomes.append(
            result(
                not can_create,
                f"{server_id(inventory)}/{database}/schema/{schema['name']}",
                SCHEMA,
                reason,
                database=database,
                schema=schema["name"],
                owner=schema.get("owner"),
                public_create=can_create,
                public_usage=bool(schema.get("public_usage")),
            )
        )
    return outcomes
