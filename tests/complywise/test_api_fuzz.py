"""Property-based fuzzing of the whole API from its own OpenAPI schema: no input may cause a 500."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.servers.basehttp import ServerHandler

from complywise import services
from complywise.choices import Role
from frameworks.catalog import catalog_load_all
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def one_request_per_connection(monkeypatch):
    """The live server closes each connection after its response.

    Django's test server reads a request body only as far as its Content-Length says (a chunked one not at all).
    On a kept-alive connection, what it left unread is then parsed as the next request and answered with the
    standard library's bare HTML error page, which the fuzzer takes as the answer to its own next request: a
    "network error" on an unrelated operation, now and then. gunicorn, which serves production, reads bodies
    to their end; here a fresh connection per request costs a loopback handshake.
    """
    cleanup_headers = ServerHandler.cleanup_headers

    def closing(self):
        cleanup_headers(self)
        self.headers["Connection"] = "close"
        self.request_handler.close_connection = True

    monkeypatch.setattr(ServerHandler, "cleanup_headers", closing)


@pytest.mark.usefixtures("one_request_per_connection")
def test_no_input_causes_a_server_error(live_server, tenant, tmp_path, settings):
    # given a tenant with the catalogs and an admin token, served by a real server thread; webhooks the fuzzer
    # registers get one quick try (deliveries run eagerly in this process)
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    catalog_load_all()
    membership = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    token = services.api_token_create(membership=membership, name="fuzz").secret
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists() and not shutil.which("schemathesis"):
        pytest.fail("schemathesis is missing: install requirements-dev.txt")
    # when schemathesis throws generated inputs at every operation
    result = subprocess.run(
        [
            str(cli if cli.exists() else "schemathesis"),
            "run",
            f"{live_server.url}/api/schema/",
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error",
            "--phases",
            "coverage,fuzzing",
            "--max-examples",
            "3",
            # Revoking its own token would turn the rest of the run into 401s; pinging or redelivering to the
            # fuzzer's made-up webhook URLs would only send requests out of the machine.
            "--exclude-path-regex",
            "revoke|ping|redeliver",
            "--seed",
            "20261128",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    # then no operation answered 5xx
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
