"""The PostgreSQL account list for access reviews, collected from the real test server.

Roles are created in the maintenance database ``postgres`` and dropped afterwards; they are cluster-wide, so the
connector sees them from any database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from integrations.providers.postgres.accounts import SOURCE
from integrations.providers.postgres.client import PostgresConnector, build_connector
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check

CHECK_ID = f"postgres.{REVOCATION_CHECK_SUFFIX}"
# The same server as the other PostgreSQL tests, reached through its maintenance database only: these tests need no
# database of their own.
PG_HOST = os.environ.get("COMPLYWISE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("COMPLYWISE_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("COMPLYWISE_TEST_PG_USER", "postgres")
DBNAME = "postgres"


def admin() -> psycopg.Connection:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=DBNAME, autocommit=True, connect_timeout=3)


def _unreachable() -> str | None:
    try:
        with admin() as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    except psycopg.Error as exc:
        return f"no PostgreSQL server at {PG_HOST}:{PG_PORT} ({str(exc).strip().splitlines()[0]})"
    return None if row and row[0] else f"{PG_USER} is not a superuser; these tests create roles"


_UNREACHABLE = _unreachable()
pytestmark = pytest.mark.skipif(_UNREACHABLE is not None, reason=_UNREACHABLE or "")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def connector() -> PostgresConnector:
    return build_connector(
        config={"host": PG_HOST, "port": PG_PORT, "dbname": DBNAME, "user": PG_USER}, credentials={"password": ""}
    )


@pytest.fixture
def roles() -> Iterator[dict[str, str]]:
    """A login role, a superuser, an expired login role and a NOLOGIN group role, by what they stand for."""
    options = {
        "app": "LOGIN PASSWORD 'app-secret-1'",
        "dba": "LOGIN SUPERUSER",
        "expired": "LOGIN PASSWORD 'old-secret-1' VALID UNTIL '2001-01-01'",
        "group": "NOLOGIN",
        "deployer": "LOGIN CREATEROLE CREATEDB",
    }
    names = {key: unique(f"cw_acct_{key}") for key in options}
    with admin() as conn:
        for key, option in options.items():
            conn.execute(sql.SQL("CREATE ROLE {} ").format(sql.Identifier(names[key])) + sql.SQL(option))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(names["group"]), sql.Identifier(names["app"])))
    try:
        yield names
    finally:
        with admin() as conn:
            for name in names.values():
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def collect() -> Inventory:
    inventory = connector().collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory


def by_id(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_login_roles_are_listed_with_superuser_and_expiry(roles: dict[str, str]) -> None:
    # given the seeded roles, collected through the connector
    found = by_id(collect())
    # then the roles that can log in are listed by name, the NOLOGIN group role is not
    assert {roles["app"], roles["dba"], roles["expired"]} <= set(found)
    assert roles["group"] not in found
    app, dba, expired = found[roles["app"]], found[roles["dba"]], found[roles["expired"]]
    assert {a.kind for a in (app, dba, expired)} == {AccountKind.DATABASE_ROLE}
    # and the superuser is an admin holding "superuser", the plain login role only its group's privileges
    assert dba.admin and "superuser" in dba.privileges
    assert (app.admin, app.privileges) == (False, (f"member of {roles['group']}",))
    # and a CREATEROLE role is an administrator too, its attributes listed
    deployer = found[roles["deployer"]]
    assert (deployer.admin, deployer.privileges) == (True, ("create_db", "create_role"))
    # and the role past its VALID UNTIL can no longer sign in with its password
    assert (app.active, dba.active, expired.active) == (True, True, False)
    # and PostgreSQL keeps no last login
    assert app.last_activity is None


def revoked(name: str) -> dict[str, str]:
    return {
        "id": name,
        "name": name,
        "reason": "access review Q4",
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
    }


def test_revocation_check(roles: dict[str, str]) -> None:
    # given a review that revoked the app role (still able to log in), the expired one, and a dropped role
    inventory = collect()
    dropped = unique("cw_acct_dropped")
    inventory.context["revoked_accounts"] = [revoked(roles["app"]), revoked(roles["expired"]), revoked(dropped)]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o.status for o in check.run(inventory)}
    # then the app role fails; the expired and the dropped one pass
    assert outcomes == {
        roles["app"]: OutcomeStatus.FAIL,
        roles["expired"]: OutcomeStatus.PASS,
        dropped: OutcomeStatus.PASS,
    }


def test_revocation_passes_once_login_is_taken_away(roles: dict[str, str]) -> None:
    # given the app role revoked in a review, then altered to NOLOGIN
    with admin() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(roles["app"])))
    inventory = collect()
    inventory.context["revoked_accounts"] = [revoked(roles["app"])]
    # when the check runs on the new scan
    check = get_check(CHECK_ID)
    assert check is not None
    outcomes = check.run(inventory)
    # then it passes: the role is no longer among those with access
    assert [(o.resource_id, o.status, o.observed["present"]) for o in outcomes] == [
        (roles["app"], OutcomeStatus.PASS, False)
    ]
