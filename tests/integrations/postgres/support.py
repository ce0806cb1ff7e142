"""Access to the real PostgreSQL server the tests scan (127.0.0.1:5432, trust auth), and inventory helpers."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from typing import Any

import psycopg
import pytest
from psycopg import sql

from integrations.providers.postgres.client import PostgresConnector, build_connector
from integrations.registry import Inventory, Outcome, all_checks, get_check

PG_HOST = os.environ.get("COMPLYWISE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("COMPLYWISE_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("COMPLYWISE_TEST_PG_USER", "postgres")
PG_DBNAME = os.environ.get("COMPLYWISE_TEST_PG_DBNAME", "test")
ADDRESS = f"{PG_HOST}:{PG_PORT}"


def server_unreachable_reason() -> str | None:
    """Why the local test server cannot be used, or None when it can."""
    try:
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DBNAME, connect_timeout=3, autocommit=True
        ) as conn:
            superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    except psycopg.Error as exc:
        return f"no PostgreSQL server at {ADDRESS} as {PG_USER} ({str(exc).strip().splitlines()[0]})"
    if not (superuser and superuser[0]):
        return f"{PG_USER} on {ADDRESS} is not a superuser; these tests change server settings"
    return None


def admin(dbname: str = PG_DBNAME) -> psycopg.Connection:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def connector(dbname: str = PG_DBNAME, *, user: str = PG_USER, password: str = "", **config: Any) -> PostgresConnector:
    return build_connector(
        config={"host": PG_HOST, "port": PG_PORT, "dbname": dbname, "user": user, **config},
        credentials={"password": password},
    )


def services_for(check_ids: Iterable[str]) -> set[str]:
    return {s for cid in check_ids for s in _check(cid).services}


def _check(check_id: str):
    found = get_check(check_id)
    assert found is not None, f"{check_id} is not registered"
    return found


def run(inventory: Inventory, check_id: str) -> list[Outcome]:
    return _check(check_id).run(inventory)


def scan(check_id: str, dbname: str = PG_DBNAME, **kwargs: Any) -> list[Outcome]:
    inventory = connector(dbname, **kwargs).collect(services_for([check_id]))
    assert not inventory.errors, inventory.errors
    return run(inventory, check_id)


def only(outcomes: list[Outcome]) -> Outcome:
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def postgres_check_ids() -> list[str]:
    return [c.id for c in all_checks("postgres")]


def inventory(*, policy: dict[str, Any] | None = None, **data: Any) -> Inventory:
    """A hand-built inventory, for branches the test server cannot be switched to."""
    return Inventory(
        integration_type="postgres", account_id="db.example.com:5432", data={"policy": policy or {}, **data}
    )


def settings_data(**values: str) -> dict[str, Any]:
    return {
        "values": values,
        "hidden": [],
        "scan_role": "auditor",
        "server_version": "16.4",
        "server_version_num": 160004,
        "collected_at": "2026-06-01T00:00:00+00:00",
    }


def wait_for_setting(name: str, expected: str, *, dbname: str = PG_DBNAME, timeout: float = 10.0) -> None:
    """pg_reload_conf() only signals the server: wait until new sessions see the value."""
    deadline = time.monotonic() + timeout
    while True:
        with admin(dbname) as conn:
            row = conn.execute("SELECT setting FROM pg_settings WHERE name = %s", [name]).fetchone()
        if row and row[0] == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is still {row[0] if row else None!r}, not {expected!r}")
        time.sleep(0.05)


class ServerSetting:
    """ALTER SYSTEM a setting for a test and put back exactly what was there before."""

    def __init__(self) -> None:
        self._saved: dict[str, tuple[str | None, str]] = {}

    def set(self, name: str, value: str) -> None:
        with admin() as conn:
            if name not in self._saved:
                previous = conn.execute(
                    "SELECT setting FROM pg_file_settings WHERE name = %s AND sourcefile LIKE %s AND applied",
                    [name, "%postgresql.auto.conf"],
                ).fetchone()
                current = conn.execute("SELECT setting FROM pg_settings WHERE name = %s", [name]).fetchone()
                self._saved[name] = (previous[0] if previous else None, current[0] if current else "")
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
            conn.execute("SELECT pg_reload_conf()")
        wait_for_setting(name, value)

    def restore(self) -> None:
        with admin() as conn:
            for name, (auto_conf_value, _) in self._saved.items():
                if auto_conf_value is None:
                    conn.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(name)))
                else:
                    conn.execute(
                        sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(auto_conf_value))
                    )
            conn.execute("SELECT pg_reload_conf()")
        for name, (_, value) in self._saved.items():
            wait_for_setting(name, value)


_UNAVAILABLE = server_unreachable_reason()
requires_server = pytest.mark.skipif(_UNAVAILABLE is not None, reason=_UNAVAILABLE or "")
