"""The checks that read pg_hba.conf, TLS and restart-only settings, on PostgreSQL servers of the tests' own.

Two servers, started once for this module: one set up as the checks ask (TLS on, only TLS and SCRAM over the
network, connections bounded with slots reserved for administrators), one as they warn against (no TLS, a
cleartext-password rule, plain network rules, no reserved slot).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.registry import OutcomeStatus
from tests.check_coverage import OWN_SERVERS

from .cluster import OwnServer, unavailable_reason
from .support import run, services_for

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=unavailable_reason() or "")

CHECKS = [
    "postgres.ssl.enabled",
    "postgres.hba.no_trust_over_network",
    "postgres.hba.no_cleartext_passwords",
    "postgres.hba.remote_connections_require_ssl",
    "postgres.connections.limits",
]


def _served(server: OwnServer) -> Iterator[OwnServer]:
    try:
        server.start()
        OWN_SERVERS.add("postgres")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def hardened() -> Iterator[OwnServer]:
    yield from _served(
        OwnServer(
            hba=[
                "local all all scram-sha-256",
                "hostssl all all 127.0.0.1/32 scram-sha-256",
                "hostssl all all 0.0.0.0/0 scram-sha-256",
            ],
            settings={"max_connections": "40", "superuser_reserved_connections": "3"},
            tls=True,
        )
    )


@pytest.fixture(scope="module")
def weak() -> Iterator[OwnServer]:
    yield from _served(
        OwnServer(
            hba=[
                "local all all scram-sha-256",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host all all 10.0.0.0/8 password",
                "host all all 0.0.0.0/0 md5",
            ],
            settings={"max_connections": "20", "superuser_reserved_connections": "0"},
            tls=False,
        )
    )


def outcomes_of(server: OwnServer) -> dict[str, list]:
    inventory = server.connector().collect(services_for(CHECKS))
    assert not inventory.errors, inventory.errors
    return {check_id: run(inventory, check_id) for check_id in CHECKS}


def test_a_server_set_up_as_the_checks_ask_passes_them(hardened):
    # when the hardened server is scanned
    found = outcomes_of(hardened)
    # then every check passes, each on what the server itself reported
    assert {check_id: [o.status for o in outcomes] for check_id, outcomes in found.items()} == {
        check_id: [OutcomeStatus.PASS] for check_id in CHECKS
    }
    assert found["postgres.connections.limits"][0].observed["superuser_reserved_connections"] == "3"


def test_a_server_set_up_as_they_warn_against_fails_them_naming_each_cause(weak):
    # when the weak server is scanned
    found = outcomes_of(weak)
    # then TLS is off
    [ssl] = found["postgres.ssl.enabled"]
    assert ssl.status == OutcomeStatus.FAIL
    # and the cleartext rule, and each plain network rule, fail by their pg_hba.conf line
    [cleartext] = found["postgres.hba.no_cleartext_passwords"]
    assert cleartext.status == OutcomeStatus.FAIL and cleartext.resource_id.endswith("pg_hba.conf:3")
    unencrypted = found["postgres.hba.remote_connections_require_ssl"]
    assert {o.status for o in unencrypted} == {OutcomeStatus.FAIL}
    assert {o.resource_id.rsplit(":", 1)[1] for o in unencrypted} == {"3", "4"}
    # and no slot is kept for administrators
    [limits] = found["postgres.connections.limits"]
    assert limits.status == OutcomeStatus.FAIL
    assert "superuser_reserved_connections is 0" in limits.reason
    # while nothing trusts the network, so that check still passes
    assert [o.status for o in found["postgres.hba.no_trust_over_network"]] == [OutcomeStatus.PASS]
