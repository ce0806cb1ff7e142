"""Every PostgreSQL check: flipped on the real server where a setting can change at run time, and on
hand-built inventories for what needs a restart or a pg_hba.conf edit (ssl, shared_preload_libraries, pg_hba)."""

from __future__ import annotations

import pytest
from psycopg import sql

from integrations.providers.postgres.checks.server import END_OF_LIFE
from integrations.providers.postgres.client import SUPPORTED_SERVICES
from integrations.registry import OutcomeStatus
from tests.integrations.postgres.support import (
    ADDRESS,
    admin,
    connector,
    inventory,
    only,
    postgres_check_ids,
    requires_server,
    run,
    scan,
    settings_data,
)

SERVER = "db.example.com:5432"
# A pg_hba address matching every IPv4 client (nothing binds to it here).
ANY_IPV4 = "0.0.0.0"  # noqa: S104


def test_there_are_enough_postgres_checks():
    assert len(postgres_check_ids()) >= 10


# --- settings flipped on the real server -----------------------------------------------------


@requires_server
@pytest.mark.parametrize(
    ("name", "check_id"),
    [("log_connections", "postgres.logging.connections"), ("log_disconnections", "postgres.logging.disconnections")],
)
def test_connection_logging_follows_the_server_setting(server_setting, name, check_id):
    # given the setting off server-wide
    server_setting.set(name, "off")
    # when / then
    outcome = only(scan(check_id))
    assert (outcome.status, outcome.resource_id) == (OutcomeStatus.FAIL, ADDRESS)
    assert outcome.reason == f"{name} is off: {name.removeprefix('log_')} are not logged"
    # given it on
    server_setting.set(name, "on")
    outcome = only(scan(check_id))
    assert outcome.status == OutcomeStatus.PASS
    assert outcome.observed == {name: "on"}


@requires_server
def test_statement_logging_follows_the_server_setting(server_setting):
    server_setting.set("log_statement", "none")
    assert only(scan("postgres.logging.statements")).status == OutcomeStatus.FAIL
    server_setting.set("log_statement", "ddl")
    outcome = only(scan("postgres.logging.statements"))
    assert outcome.status == OutcomeStatus.PASS
    assert outcome.reason == "log_statement is ddl"


@requires_server
@pytest.mark.parametrize(("value", "status"), [("mod", OutcomeStatus.PASS), ("none", OutcomeStatus.FAIL)])
def test_statement_logging_per_database_setting(scratch_db, value, status):
    # given a database-level override (visible to sessions on that database only)
    with admin() as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET log_statement = {}").format(sql.Identifier(scratch_db), value))
    # then
    assert only(scan("postgres.logging.statements", scratch_db)).status == status


@requires_server
def test_password_encryption_md5_fails_and_scram_passes(scratch_db):
    # given md5 for sessions on the throwaway database (never server-wide: other tests create roles)
    with admin() as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET password_encryption = 'md5'").format(sql.Identifier(scratch_db)))
    outcome = only(scan("postgres.auth.password_encryption_scram", scratch_db))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason == "password_encryption is md5"
    # when back to the default
    with admin() as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} RESET password_encryption").format(sql.Identifier(scratch_db)))
    assert only(scan("postgres.auth.password_encryption_scram", scratch_db)).status == OutcomeStatus.PASS


# --- roles ------------------------------------------------------------------------------------------


@requires_server
def test_superuser_count_against_the_limit(make_role):
    # given one more superuser
    extra = make_role("SUPERUSER NOLOGIN", prefix="cw_su")
    # when the limit is generous
    outcome = only(scan("postgres.roles.superuser_count", max_superusers=1000))
    assert outcome.status == OutcomeStatus.PASS
    assert extra in outcome.observed["superusers"]
    # when the limit is below the count
    count = outcome.observed["count"]
    outcome = only(scan("postgres.roles.superuser_count", max_superusers=count - 1))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason.startswith(f"{count} superuser roles (")
    assert outcome.reason.endswith(f"; at most {count - 1} allowed")


@requires_server
def test_password_expiry_when_required(make_role):
    # given login roles with and without an expiry, and one without any password
    expiring = make_role("LOGIN PASSWORD 'Expiring-Pass-1' VALID UNTIL '2099-01-01'")
    forever = make_role("LOGIN PASSWORD 'Forever-Pass-1' VALID UNTIL 'infinity'")
    unset = make_role("LOGIN PASSWORD 'Unset-Pass-1'")
    no_password = make_role("LOGIN")
    # when required
    outcomes = {o.resource_id: o for o in scan("postgres.roles.password_expiry", require_password_expiry=True)}
    # then
    assert outcomes[f"{ADDRESS}/role/{expiring}"].status == OutcomeStatus.PASS
    assert "expires at 2099-01-01" in outcomes[f"{ADDRESS}/role/{expiring}"].reason
    assert outcomes[f"{ADDRESS}/role/{forever}"].status == OutcomeStatus.FAIL
    assert outcomes[f"{ADDRESS}/role/{unset}"].reason == f"The password of {unset} never expires"
    assert f"{ADDRESS}/role/{no_password}" not in outcomes
    # and not required (the default): the check does not apply
    assert scan("postgres.roles.password_expiry") == []


@requires_server
def test_md5_stored_passwords_fail(make_role):
    scram = make_role("LOGIN PASSWORD 'Scram-Pass-1'")
    md5 = make_role("LOGIN PASSWORD 'Md5-Pass-1'", password_encryption="md5")
    outcomes = {o.resource_id: o for o in scan("postgres.roles.passwords_scram")}
    assert outcomes[f"{ADDRESS}/role/{scram}"].status == OutcomeStatus.PASS
    assert outcomes[f"{ADDRESS}/role/{md5}"].status == OutcomeStatus.FAIL
    assert outcomes[f"{ADDRESS}/role/{md5}"].reason == f"The password of {md5} is stored as md5"


# --- schema privileges -----------------------------------------------------------------------------


@requires_server
def test_public_create_on_schema_public(scratch_db):
    schema_id = f"{ADDRESS}/{scratch_db}/schema/public"
    # given PUBLIC may create in public (as before PostgreSQL 15)
    with admin(scratch_db) as conn:
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    outcome = {o.resource_id: o for o in scan("postgres.schemas.public_cannot_create", scratch_db)}[schema_id]
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason == f"PUBLIC can create objects in schema public of database {scratch_db}"
    # when revoked
    with admin(scratch_db) as conn:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    outcome = {o.resource_id: o for o in scan("postgres.schemas.public_cannot_create", scratch_db)}[schema_id]
    assert outcome.status == OutcomeStatus.PASS


@requires_server
def test_every_schema_of_the_database_is_judged(scratch_db):
    with admin(scratch_db) as conn:
        conn.execute("CREATE SCHEMA shared")
        conn.execute("GRANT CREATE, USAGE ON SCHEMA shared TO PUBLIC")
    outcomes = {o.resource_id: o.status for o in scan("postgres.schemas.public_cannot_create", scratch_db)}
    assert outcomes[f"{ADDRESS}/{scratch_db}/schema/shared"] == OutcomeStatus.FAIL


# --- what the test server has, and the other branch by hand ------------------------------------------


@requires_server
def test_ssl_reflects_the_server_and_the_other_branch_by_hand():
    # given the real server (ssl needs a restart to change, so only read here)
    with admin() as conn:
        ssl = conn.execute("SHOW ssl").fetchone()[0]
    outcome = only(scan("postgres.ssl.enabled"))
    assert outcome.status == (OutcomeStatus.PASS if ssl == "on" else OutcomeStatus.FAIL)
    # then both branches on hand-built inventories
    on = inventory(settings=settings_data(ssl="on", ssl_min_protocol_version="TLSv1.2"))
    assert only(run(on, "postgres.ssl.enabled")).status == OutcomeStatus.PASS
    old_tls = inventory(settings=settings_data(ssl="on", ssl_min_protocol_version="TLSv1.1"))
    assert only(run(old_tls, "postgres.ssl.enabled")).reason == "ssl is on but ssl_min_protocol_version is TLSv1.1"
    off = inventory(settings=settings_data(ssl="off", ssl_min_protocol_version="TLSv1.2"))
    assert only(run(off, "postgres.ssl.enabled")).reason == "ssl is off: every connection is unencrypted"


@requires_server
def test_pgaudit_reflects_the_server_and_the_other_branch_by_hand():
    with admin() as conn:
        libraries = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    outcome = only(scan("postgres.audit.pgaudit_loaded", require_pgaudit=True))
    assert outcome.status == (OutcomeStatus.PASS if "pgaudit" in libraries else OutcomeStatus.FAIL)
    assert scan("postgres.audit.pgaudit_loaded") == []
    loaded = inventory(
        policy={"require_pgaudit": True}, settings=settings_data(shared_preload_libraries="pg_stat_statements, pgaudit")
    )
    assert only(run(loaded, "postgres.audit.pgaudit_loaded")).status == OutcomeStatus.PASS
    missing = inventory(policy={"require_pgaudit": True}, settings=settings_data(shared_preload_libraries="pg_cron"))
    assert only(run(missing, "postgres.audit.pgaudit_loaded")).reason == (
        "shared_preload_libraries is 'pg_cron': pgaudit is not loaded"
    )


@requires_server
def test_trust_rule_of_the_test_server_fails():
    # given the test server trusts 127.0.0.1 (pg_hba.conf cannot be edited from a test)
    outcomes = scan("postgres.hba.no_trust_over_network")
    failing = [o for o in outcomes if o.status == OutcomeStatus.FAIL]
    # then each trusting host line is a failing resource naming its line
    with admin() as conn:
        lines = [
            row[0]
            for row in conn.execute(
                "SELECT line_number FROM pg_hba_file_rules WHERE type LIKE 'host%' AND auth_method = 'trust' "
                "AND error IS NULL"
            )
        ]
    assert sorted(o.observed["line"] for o in failing) == sorted(lines)
    for outcome in failing:
        assert outcome.resource_id == f"{ADDRESS}/pg_hba.conf:{outcome.observed['line']}"
        assert "trusts network connections without any authentication" in outcome.reason


def _rule(line, kind, address, netmask, method, database=("all",), user=("all",), error=None):
    return {
        "line": line,
        "type": kind,
        "database": list(database),
        "user": list(user),
        "address": address,
        "netmask": netmask,
        "method": method,
        "error": error,
    }


HARDENED_HBA = [
    _rule(1, "local", None, None, "peer"),
    _rule(2, "host", "127.0.0.1", "255.255.255.255", "scram-sha-256"),
    _rule(3, "host", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "scram-sha-256"),
    _rule(4, "hostssl", "10.0.0.0", "255.0.0.0", "scram-sha-256"),
    _rule(5, "host", ANY_IPV4, ANY_IPV4, "reject"),
]


def test_hba_checks_pass_on_a_hardened_file():
    inv = inventory(hba={"rules": HARDENED_HBA})
    for check_id in (
        "postgres.hba.no_trust_over_network",
        "postgres.hba.no_cleartext_passwords",
        "postgres.hba.remote_connections_require_ssl",
    ):
        outcome = only(run(inv, check_id))
        assert (outcome.status, outcome.resource_id) == (OutcomeStatus.PASS, f"{SERVER}/pg_hba.conf")


def test_hba_checks_fail_per_offending_line():
    # given a file with a local trust (out of scope), a network trust, a cleartext rule and a plain host rule
    rules = [
        _rule(1, "local", None, None, "trust"),
        _rule(2, "hostssl", ANY_IPV4, ANY_IPV4, "trust", user=("admin",)),
        _rule(3, "hostnossl", "192.168.1.0", "255.255.255.0", "password"),
        _rule(4, "host", "samenet", None, "scram-sha-256"),
        _rule(5, "host", "10.0.0.0", "255.0.0.0", "trust", error="invalid IP mask"),
    ]
    inv = inventory(hba={"rules": rules})
    # then
    trust = only(run(inv, "postgres.hba.no_trust_over_network"))
    assert trust.resource_id == f"{SERVER}/pg_hba.conf:2"
    assert trust.reason == "pg_hba.conf line 2 (hostssl all admin 0.0.0.0/0 trust) trusts network connections " + (
        "without any authentication"
    )
    cleartext = only(run(inv, "postgres.hba.no_cleartext_passwords"))
    assert cleartext.resource_id == f"{SERVER}/pg_hba.conf:3"
    assert cleartext.observed["method"] == "password"
    unencrypted = {o.resource_id for o in run(inv, "postgres.hba.remote_connections_require_ssl")}
    assert unencrypted == {f"{SERVER}/pg_hba.conf:3", f"{SERVER}/pg_hba.conf:4"}


def test_version_against_the_policy_and_the_end_of_life_table():
    def outcome(version_num: int, collected_at: str = "2026-06-01T00:00:00+00:00", **policy):
        data = {**settings_data(), "server_version_num": version_num, "collected_at": collected_at}
        return only(run(inventory(policy=policy, settings=data), "postgres.server.supported_version"))

    assert outcome(170002).status == OutcomeStatus.PASS
    assert outcome(170002).observed["end_of_life"] == END_OF_LIFE[17].isoformat()
    assert outcome(130016).reason == "PostgreSQL 13 reached its end of life on 2025-11-13"
    assert outcome(140010, "2026-11-01T00:00:00+00:00").status == OutcomeStatus.PASS
    assert outcome(140010, "2026-11-12T00:00:00+00:00").status == OutcomeStatus.FAIL
    assert outcome(150004, min_supported_major=16).reason == "PostgreSQL 15 is older than the required 16"
    assert outcome(90624).reason == "PostgreSQL 9.6 is older than the required 13"
    assert outcome(90624, min_supported_major=9).reason == "PostgreSQL 9.6 reached its end of life"
    assert outcome(250000).status == OutcomeStatus.PASS


@requires_server
def test_version_of_the_test_server():
    outcome = only(scan("postgres.server.supported_version"))
    assert outcome.resource_id == ADDRESS
    assert outcome.observed["major_version"].isdigit()
    # and an integration that requires a later major version than the server runs fails it, saying so
    major = int(outcome.observed["major_version"])
    behind = only(scan("postgres.server.supported_version", min_supported_major=major + 1))
    assert behind.status == OutcomeStatus.FAIL
    assert behind.reason == f"PostgreSQL {major} is older than the required {major + 1}"


@requires_server
def test_connection_limits_of_the_test_server_and_by_hand(scratch_db):
    with admin() as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} CONNECTION LIMIT 20").format(sql.Identifier(scratch_db)))
        maximum = int(conn.execute("SHOW max_connections").fetchone()[0])
    outcome = only(scan("postgres.connections.limits"))
    assert outcome.status == (OutcomeStatus.PASS if maximum <= 1000 else OutcomeStatus.FAIL)
    assert scratch_db not in outcome.observed["databases_without_connection_limit"]
    assert "test" in outcome.observed["databases_without_connection_limit"]

    def by_hand(**values):
        return only(run(inventory(settings=settings_data(**values), databases={}), "postgres.connections.limits"))

    assert by_hand(max_connections="200", superuser_reserved_connections="3").status == OutcomeStatus.PASS
    assert by_hand(max_connections="5000", superuser_reserved_connections="3").reason == (
        "max_connections is 5000 (at most 1000)"
    )
    assert (
        "no slot is kept for administrators"
        in by_hand(max_connections="100", superuser_reserved_connections="0").reason
    )


def test_a_hidden_setting_is_an_error_naming_the_grant():
    data = settings_data()
    outcome = only(run(inventory(settings=data), "postgres.logging.connections"))
    assert outcome.status == OutcomeStatus.ERROR
    assert outcome.reason == (
        "The setting log_connections is not visible to auditor: grant it pg_read_all_settings (or scan as a superuser)"
    )


def test_postgres_18_log_connections_lists_count_as_on():
    inv = inventory(settings=settings_data(log_connections="receipt,authentication"))
    assert only(run(inv, "postgres.logging.connections")).status == OutcomeStatus.PASS


def test_checks_without_their_service_give_no_outcome():
    inv = inventory(policy={"require_password_expiry": True, "require_pgaudit": True})
    assert all(run(inv, check_id) == [] for check_id in postgres_check_ids())


@requires_server
def test_every_check_runs_against_the_test_server():
    inv = connector(require_password_expiry=True, require_pgaudit=True).collect(set(SUPPORTED_SERVICES))
    assert inv.errors == {}
    for check_id in postgres_check_ids():
        outcomes = run(inv, check_id)
        assert all(o.status in (OutcomeStatus.PASS, OutcomeStatus.FAIL) for o in outcomes), check_id
