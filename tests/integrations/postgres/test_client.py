"""The PostgreSQL connector against the real local server: connection test, session safety, collection."""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg import errors as pg_errors

from integrations.providers.postgres.client import (
    NO_PASSFILE,
    SUPPORTED_SERVICES,
    PostgresConnector,
    build_connector,
    describe_error,
)
from integrations.registry import OutcomeStatus
from tests.integrations.postgres.support import (
    ADDRESS,
    PG_HOST,
    PG_PORT,
    PG_USER,
    connector,
    postgres_check_ids,
    requires_server,
    run,
    services_for,
)
from tests.ports import closed_port


def test_build_connector_applies_defaults_and_keeps_the_password_out_of_repr():
    # given a minimal config
    built = build_connector(
        config={"host": "db.internal", "dbname": "app", "user": "auditor"}, credentials={"password": "s3cret-pw"}
    )
    # then
    assert (built.port, built.sslmode) == (5432, "prefer")
    assert built.policy == {
        "max_superusers": 3,
        "require_password_expiry": False,
        "require_pgaudit": False,
        "min_supported_major": 13,
    }
    assert "s3cret-pw" not in repr(built)


def test_connection_options_make_the_session_safe():
    kwargs = connector().connection_kwargs()
    # read-only, time-bounded, and never falling back to the worker's own credentials
    assert "default_transaction_read_only=on" in kwargs["options"]
    assert "statement_timeout=15000" in kwargs["options"]
    assert kwargs["password"] == ""
    assert kwargs["passfile"] == NO_PASSFILE
    assert kwargs["gssencmode"] == "disable"
    assert kwargs["connect_timeout"] == 10


def test_unreachable_server_is_a_clear_failure_without_the_password():
    # given nothing listens on the port
    port = closed_port()
    built = build_connector(
        config={"host": "127.0.0.1", "port": port, "dbname": "app", "user": "auditor"},
        credentials={"password": "s3cret-pw"},
    )
    # when
    ok, detail = built.test_connection()
    # then
    assert ok is False
    assert detail.startswith(f"Could not connect to PostgreSQL on 127.0.0.1:{port} as auditor: ")
    assert "Connection refused" in detail
    assert "s3cret-pw" not in detail


def test_collect_from_an_unreachable_server_records_errors_for_every_service():
    built = build_connector(
        config={"host": "127.0.0.1", "port": closed_port(), "dbname": "app", "user": "auditor"},
        credentials={"password": "s3cret-pw"},
    )
    inventory = built.collect(set(SUPPORTED_SERVICES))
    assert set(inventory.errors) == set(SUPPORTED_SERVICES)
    assert all("s3cret-pw" not in e and "could not connect" in e for e in inventory.errors.values())
    # and every check turns that into an error outcome, never a pass
    for check_id in postgres_check_ids():
        assert all(o.status == OutcomeStatus.ERROR for o in run(inventory, check_id))


def test_a_rejected_password_is_explained():
    exc = psycopg.OperationalError(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
        'FATAL:  password authentication failed for user "auditor"'
    )
    assert describe_error(exc, user="auditor").startswith("PostgreSQL rejected the password for user auditor: ")


@requires_server
def test_connection_succeeds_with_version_address_and_user():
    ok, detail = connector().test_connection()
    assert ok is True
    assert re.fullmatch(rf"Connected to PostgreSQL \d+\.\d+ on {re.escape(ADDRESS)} as {PG_USER}", detail), detail


@requires_server
def test_a_password_echoed_by_the_server_is_redacted():
    # given a "password" that the server repeats back (here: as the missing database's name)
    built = build_connector(
        config={"host": PG_HOST, "port": PG_PORT, "dbname": "hunter2-db-secret", "user": PG_USER},
        credentials={"password": "hunter2-db-secret"},
    )
    # when
    ok, detail = built.test_connection()
    # then
    assert ok is False
    assert 'database "***" does not exist' in detail
    assert "hunter2" not in detail


@requires_server
def test_the_session_is_read_only_and_time_bounded():
    with connector().connect() as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SHOW statement_timeout").fetchone() == ("15s",)
        with pytest.raises(pg_errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE complywise_must_not_exist (id int)")


@requires_server
def test_statement_timeout_is_reported_as_such():
    built = PostgresConnector(host=PG_HOST, port=PG_PORT, dbname="test", user=PG_USER, statement_timeout_ms=50)
    with built.connect() as conn, pytest.raises(pg_errors.QueryCanceled) as exc:
        conn.execute("SELECT pg_sleep(2)")
    assert describe_error(exc.value, timeout_ms=50) == "the server did not answer within 0.05 seconds"


@requires_server
def test_collect_reads_every_service_once_in_one_session():
    # when
    inventory = connector().collect(set(SUPPORTED_SERVICES))
    # then
    assert inventory.errors == {}
    assert inventory.account_id == ADDRESS
    settings = inventory.data["settings"]
    assert settings["scan_role_is_superuser"] is True
    assert settings["major_version"] >= 12
    assert settings["hidden"] == []
    assert inventory.data["schemas"]["database"] == "test"
    assert any(rule["type"] == "host" for rule in inventory.data["hba"]["rules"])
    assert inventory.data["roles"]["passwords_known"] is True
    assert {d["name"] for d in inventory.data["databases"]["databases"]} >= {"test", "postgres"}
    assert inventory.data["policy"]["max_superusers"] == 3


@requires_server
def test_no_password_hash_leaves_the_server(make_role):
    role = make_role("LOGIN PASSWORD 'Correct-Horse-9'")
    inventory = connector().collect({"roles"})
    (row,) = [r for r in inventory.data["roles"]["roles"] if r["name"] == role]
    assert row["password"] == "scram-sha-256"
    assert "SCRAM-SHA-256$" not in repr(inventory.data)


@requires_server
def test_unknown_service_is_an_error_not_a_crash():
    inventory = connector().collect({"settings", "replication"})
    assert inventory.errors == {"replication": "the PostgreSQL connector does not collect this service"}
    assert "settings" in inventory.data


@requires_server
def test_a_non_superuser_scan_role_gets_clear_errors_for_what_it_cannot_read(make_role):
    # given a login role with no special privileges (trust auth lets it in)
    role = make_role("LOGIN", prefix="cw_auditor")
    built = connector(user=role, require_pgaudit=True)
    # when
    inventory = built.collect(services_for(postgres_check_ids()))
    # then pg_hba is that service's error, with what to grant
    assert set(inventory.errors) == {"hba"}
    assert "permission denied to read pg_hba_file_rules" in inventory.errors["hba"]
    hba = run(inventory, "postgres.hba.no_trust_over_network")
    assert [o.status for o in hba] == [OutcomeStatus.ERROR]
    # and what it cannot see is an error of the checks that need it, never a pass
    assert inventory.data["roles"]["passwords_known"] is False
    assert [o.status for o in run(inventory, "postgres.roles.passwords_scram")] == [OutcomeStatus.ERROR]
    assert "shared_preload_libraries" in inventory.data["settings"]["hidden"]
    (pgaudit,) = run(inventory, "postgres.audit.pgaudit_loaded")
    assert pgaudit.status == OutcomeStatus.ERROR
    assert "not visible to " + role in pgaudit.reason
    # while what it can see is judged normally
    assert run(inventory, "postgres.logging.statements")[0].status in (OutcomeStatus.PASS, OutcomeStatus.FAIL)
