"""Who may connect and what they may do: pg_hba rules, roles, schema privileges (checked by ``checks.access``)."""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors

from ..shapes import Hba, PasswordKind, Role, Roles, Schemas
from ._common import PostgresConnectorError


def collect_hba(conn: psycopg.Connection) -> Hba:
    try:
        rows = conn.execute(
            "SELECT line_number, type, database, user_name, address, netmask, auth_method, error "
            "FROM pg_hba_file_rules ORDER BY line_number"
        ).fetchall()
    except pg_errors.InsufficientPrivilege as exc:
        raise PostgresConnectorError(
            "permission denied to read pg_hba_file_rules: scan as a superuser, or GRANT SELECT ON "
            "pg_hba_file_rules and EXECUTE ON FUNCTION pg_hba_file_rules() to the scan role"
        ) from exc
    return {
        "rules": [
            {
                "line": line,
                "type": kind,
                "database": list(database or []),
                "user": list(users or []),
                "address": address,
                "netmask": netmask,
                "method": method,
                "error": error,
            }
            for line, kind, database, users, address, netmask, method, error in rows
        ]
    }


_ROLES_SQL = """
SELECT r.rolname, r.rolsuper, r.rolcanlogin, r.rolconnlimit,
       r.rolvaliduntil::text,
       r.rolvaliduntil IS NOT NULL AND r.rolvaliduntil <> 'infinity' AS has_expiry,
       r.rolvaliduntil IS NOT NULL AND r.rolvaliduntil < now() AS expired,
       r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
             WHERE m.member = r.oid ORDER BY g.rolname) AS member_of
FROM pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY r.rolname
"""

# The hash itself never leaves the server: only what kind of secret is stored.
_PASSWORD_KINDS_SQL = """
SELECT rolname,
       CASE WHEN rolpassword IS NULL THEN 'none'
            WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256'
            WHEN rolpassword LIKE 'md5%' THEN 'md5'
            ELSE 'other' END
FROM pg_authid
"""


def collect_roles(conn: psycopg.Connection) -> Roles:
    roles: list[Role] = [
        {
            "name": name,
            "superuser": bool(superuser),
            "can_login": bool(can_login),
            "connection_limit": connlimit,
            "valid_until": valid_until,
            "has_expiry": bool(has_expiry),
            "expired": bool(expired),
            "password": "unknown",
            "create_role": bool(create_role),
            "create_db": bool(create_db),
            "replication": bool(replication),
            "bypass_rls": bool(bypass_rls),
            "member_of": list(member_of or []),
        }
        for (
            name,
            superuser,
            can_login,
            connlimit,
            valid_until,
            has_expiry,
            expired,
            create_role,
            create_db,
            replication,
            bypass_rls,
            member_of,
        ) in conn.execute(_ROLES_SQL)
    ]
    passwords_error = ""
    try:
        # The query's CASE gives only these kinds.
        kinds: dict[str, PasswordKind] = dict(conn.execute(_PASSWORD_KINDS_SQL).fetchall())
    except pg_errors.InsufficientPrivilege:
        passwords_error = "reading pg_authid needs a superuser; password kinds are unknown"
        kinds = {}
    for role in roles:
        role["password"] = kinds.get(role["name"], "unknown")
    return {"roles": roles, "passwords_known": not passwords_error, "passwords_error": passwords_error}


_SCHEMAS_SQL = """
SELECT n.nspname,
       pg_get_userbyid(n.nspowner),
       EXISTS (SELECT 1 FROM aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a
               WHERE a.grantee = 0 AND a.privilege_type = 'CREATE'),
       EXISTS (SELECT 1 FROM aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a
               WHERE a.grantee = 0 AND a.privilege_type = 'USAGE')
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY n.nspname
"""


def collect_schemas(conn: psycopg.Connection) -> Schemas:
    database = conn.execute("SELECT current_database()").fetchone()
    return {
        "database": database[0] if database else "",
        "schemas": [
            {"name": name, "owner": owner, "public_create": bool(create), "public_usage": bool(usage)}
            for name, owner, create, usage in conn.execute(_SCHEMAS_SQL)
        ],
    }
