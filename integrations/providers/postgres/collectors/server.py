"""Server-wide state: the settings in pg_settings and the databases (checked by ``checks.server``)."""

from __future__ import annotations

import psycopg

from ..shapes import Databases, Settings

SETTINGS: tuple[str, ...] = (
    "ssl",
    "ssl_min_protocol_version",
    "password_encryption",
    "log_connections",
    "log_disconnections",
    "log_statement",
    "log_min_duration_statement",
    "shared_preload_libraries",
    "max_connections",
    "superuser_reserved_connections",
    "server_version",
    "server_version_num",
)


def _major(version_num: int) -> int:
    # Before 10 the major version had two parts (9.6 = 90600); both 9.x majors count as 9.
    return version_num // 10000


def collect_settings(conn: psycopg.Connection) -> Settings:
    rows = conn.execute(
        "SELECT name, setting, unit, source FROM pg_settings WHERE name = ANY(%s)", [list(SETTINGS)]
    ).fetchall()
    values = {name: setting for name, setting, _, _ in rows}
    identity = conn.execute(
        "SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
        "pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')"
    ).fetchone()
    version_num = int(values.get("server_version_num") or conn.info.server_version)
    return {
        "values": values,
        "units": {name: unit for name, _, unit, _ in rows if unit},
        "sources": {name: source for name, _, _, source in rows},
        # pg_settings silently leaves out what the role may not see.
        "hidden": sorted(set(SETTINGS) - set(values)),
        "scan_role": identity[0] if identity else "",
        "scan_role_is_superuser": bool(identity and identity[1]),
        "scan_role_reads_all_settings": bool(identity and identity[2]),
        "server_version": (values.get("server_version") or "").split(" ")[0],
        "server_version_num": version_num,
        "major_version": _major(version_num),
    }


def collect_databases(conn: psycopg.Connection) -> Databases:
    rows = conn.execute(
        "SELECT datname, datconnlimit, datallowconn, datistemplate FROM pg_database ORDER BY datname"
    ).fetchall()
    return {
        "databases": [
            {"name": name, "connection_limit": limit, "allow_connections": bool(allow), "template": bool(template)}
            for name, limit, allow, template in rows
        ]
    }
