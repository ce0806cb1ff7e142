"""Every connector goes through the egress guard: refused at validation (400 naming the field), and again when it
connects (rows written straight to the database, DNS rebinding), with real listeners that must see no connection;
and what a target answers is never repeated to the user."""

from __future__ import annotations

import json
import time

import pytest

from complywise import egress
from frameworks.services import tenant_activate_default_frameworks
from integrations import crypto
from integrations.models import Integration
from scans.models import CheckOutcome
from tests.integrations.egress_support import BannerServer, FakeDns, Listener
from tests.integrations.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

ADVICE = "INTEGRATION_EGRESS_ALLOW"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
AWS_CREDENTIALS = {
    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}

# The unspecified address: only ever a refused target in these tests, never bound.
UNSPECIFIED = "0.0.0.0"  # noqa: S104
# (address as written in a host field, as written in a URL, what the refusal says)
REFUSED = [
    ("127.0.0.1", "127.0.0.1", "a loopback address"),
    ("localhost", "localhost", "a loopback address"),
    ("::1", "[::1]", "a loopback address"),
    (UNSPECIFIED, UNSPECIFIED, "the unspecified address"),
    ("::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "a loopback address (IPv4-mapped)"),
    ("127.1", "127.1", ""),
    ("169.254.169.254", "169.254.169.254", "a link-local address (where cloud metadata services live)"),
    ("10.0.0.1", "10.0.0.1", "a private address"),
    ("100.64.0.1", "100.64.0.1", "a carrier-grade NAT (shared) address"),
    ("fd00::1", "[fd00::1]", "a private address"),
]
# The loopback spellings, with the family of the listener each one reaches.
LOOPBACK = [
    ("127.0.0.1", "127.0.0.1"),
    ("localhost", "localhost"),
    ("::1", "[::1]"),
    (UNSPECIFIED, UNSPECIFIED),
    ("::ffff:127.0.0.1", "[::ffff:127.0.0.1]"),
    ("127.1", "127.1"),
]
TYPES = ["aws", "github", "postgres"]
FIELD = {"aws": "endpoint_url", "github": "api_url", "postgres": "host"}


def config_for(integration_type: str, host: str, url_host: str, port: int, scheme: str = "http") -> dict:
    if integration_type == "aws":
        return {"regions": ["us-east-1"], "endpoint_url": f"{scheme}://{url_host}:{port}"}
    if integration_type == "github":
        return {"organization": "acme", "api_url": f"{scheme}://{url_host}:{port}"}
    return {"host": host, "port": port, "dbname": "postgres", "user": "postgres", "sslmode": "disable"}


def credentials_for(integration_type: str) -> dict:
    return {"aws": AWS_CREDENTIALS, "github": {"token": GITHUB_TOKEN}, "postgres": {"password": ""}}[integration_type]


def stored_row(tenant, integration_type: str, config: dict) -> Integration:
    """An integration written straight to the database, as if validation had been bypassed (or had passed)."""
    return IntegrationFactory(
        tenant=tenant,
        type=integration_type,
        config=config,
        credentials_encrypted=crypto.encrypt_json(credentials_for(integration_type)),
    )


@pytest.fixture
def nothing_allowed(settings):
    settings.INTEGRATION_EGRESS_ALLOW = []


@pytest.fixture
def listeners():
    """One listener on 127.0.0.1 and one on ::1, on the same port where the system allows it."""
    v4 = Listener("127.0.0.1")
    v6 = Listener("::1")
    yield v4, v6
    v4.close()
    v6.close()


def port_for(listeners, host: str) -> int:
    v4, v6 = listeners
    return v6.port if host == "::1" else v4.port


def seen(listeners) -> int:
    return sum(listener.connections() for listener in listeners)


def eventually_seen(listeners, within: float = 10.0) -> int:
    """Connections seen, waiting for the first: a test that gave up at its deadline may connect a moment later."""
    deadline = time.monotonic() + within
    while (count := seen(listeners)) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


@pytest.fixture
def scan(loaded_frameworks, django_capture_on_commit_callbacks):
    """Run a scan of one integration type through the API, in-process; returns its outcomes of that type."""

    def run(client, tenant, integration_type: str) -> list[CheckOutcome]:
        tenant_activate_default_frameworks(tenant=tenant, keys=["soc2", "iso27001-2022", "cis-aws"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/scans/trigger", {"integration_types": [integration_type]}, format="json")
        assert response.status_code == 202, response.content
        job = response.json()["scan_job_id"]
        return list(CheckOutcome.objects.filter(scan_job_id=job, check_id__startswith=f"{integration_type}."))

    return run


@pytest.mark.parametrize("integration_type", TYPES)
@pytest.mark.parametrize(("host", "url_host", "kind"), REFUSED)
def test_creating_an_integration_aimed_at_a_refused_address_is_a_400_naming_the_field(
    admin_client, nothing_allowed, integration_type, host, url_host, kind
):
    # when a tenant admin aims an integration at a non-public address
    response = admin_client.post(
        "/api/integrations",
        {
            "type": integration_type,
            "name": "internal",
            "config": config_for(integration_type, host, url_host, 5432),
            "credentials": credentials_for(integration_type),
        },
        format="json",
    )
    # then the field is refused, saying why, and nothing is stored
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["config"][FIELD[integration_type]])
    if kind:
        assert kind in message and ADVICE in message
    else:
        # "127.1" is not even a valid URL; as a host it is loopback
        assert ADVICE in message or "Enter a valid URL." in message
    assert not Integration.objects.exists()


@pytest.mark.parametrize("integration_type", TYPES)
@pytest.mark.parametrize(("host", "url_host"), LOOPBACK)
def test_loopback_is_never_connected_to_on_create_test_or_scan(
    admin_client, tenant, nothing_allowed, listeners, scan, integration_type, host, url_host
):
    # given a listener where the integration points
    port = port_for(listeners, host)
    config = config_for(integration_type, host, url_host, port)
    # when the API refuses the integration, and a row bypassing validation is tested and scanned
    created = admin_client.post(
        "/api/integrations",
        {"type": integration_type, "name": "loop", "config": config, "credentials": credentials_for(integration_type)},
        format="json",
    )
    row = stored_row(tenant, integration_type, config)
    tested = admin_client.post(f"/api/integrations/{row.pk}/test")
    outcomes = scan(admin_client, tenant, integration_type)
    # then
    assert created.status_code == 400
    assert tested.status_code == 200
    assert tested.json()["ok"] is False and tested.json()["status"] == "error"
    assert ADVICE in tested.json()["detail"]
    assert outcomes and {o.status for o in outcomes} == {"error"}
    assert any(ADVICE in (o.reason or "") for o in outcomes)
    # and not one connection reached the listener
    assert seen(listeners) == 0


@pytest.mark.parametrize("integration_type", TYPES)
def test_dns_rebinding_is_caught_when_the_connector_connects(
    admin_client, tenant, nothing_allowed, monkeypatch, listeners, integration_type
):
    # given a name that is public when the integration is validated and loopback when it connects
    monkeypatch.setattr(egress, "resolver", FakeDns({"rebind.example": [["8.8.8.8"], ["127.0.0.1"]]}))
    port = port_for(listeners, "127.0.0.1")
    # when it is created (accepted), then tested
    created = admin_client.post(
        "/api/integrations",
        {
            "type": integration_type,
            "name": "rebind",
            # https: GitHub's schema takes plain http for this machine only
            "config": config_for(integration_type, "rebind.example", "rebind.example", port, scheme="https"),
            "credentials": credentials_for(integration_type),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test").json()
    # then the test is refused on the address actually resolved, and nothing connected
    assert tested["ok"] is False
    assert "rebind.example resolves to 127.0.0.1, a loopback address" in tested["detail"]
    assert seen(listeners) == 0


@pytest.mark.parametrize("integration_type", TYPES)
def test_the_default_settings_still_reach_loopback(admin_client, settings, listeners, integration_type):
    # given the embedded default (loopback allowed: the demo, moto and local servers keep working)
    settings.INTEGRATION_TEST_TIMEOUT_SECONDS = 1.0
    port = port_for(listeners, "127.0.0.1")
    created = admin_client.post(
        "/api/integrations",
        {
            "type": integration_type,
            "name": "local",
            "config": config_for(integration_type, "127.0.0.1", "127.0.0.1", port),
            "credentials": credentials_for(integration_type),
        },
        format="json",
    )
    # then it is accepted and its test really connects (the listener never answers: a failed test)
    assert created.status_code == 201, created.content
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test").json()
    assert tested["ok"] is False
    assert eventually_seen(listeners) >= 1


# --- what the target answers is never shown -----------------------------------------------------------

BANNER = "redis_version:7.2.4 SECRET-BANNER-7f3a"


@pytest.fixture
def banner_http():
    """An HTTP server that answers everything with an error carrying a banner, in each shape a client parses."""
    servers: list[BannerServer] = []

    def make(status: str, content_type: str, body: str) -> BannerServer:
        payload = body.encode()
        head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
        server = BannerServer((head + "Connection: close\r\n\r\n").encode() + payload)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        ("200 OK", "text/html", f"<html><body>{BANNER}</body></html>"),
        (
            "400 Bad Request",
            "text/xml",
            f"<ErrorResponse><Error><Code>X</Code><Message>{BANNER}</Message></Error></ErrorResponse>",
        ),
        ("403 Forbidden", "text/plain", BANNER * 40),
    ],
)
def test_an_aws_test_never_echoes_the_targets_answer(admin_client, tenant, banner_http, status, content_type, body):
    # given an "AWS endpoint" that is some other service with a banner
    server = banner_http(status, content_type, body)
    row = stored_row(tenant, "aws", config_for("aws", "127.0.0.1", "127.0.0.1", server.port))
    # when the connection is tested
    tested = admin_client.post(f"/api/integrations/{row.pk}/test").json()
    # then it fails, and neither the answer nor the stored error repeats a word of the target's
    row.refresh_from_db()
    assert server.served >= 1
    assert tested["ok"] is False
    assert "SECRET-BANNER" not in tested["detail"] and "redis_version" not in tested["detail"]
    assert "SECRET-BANNER" not in row.last_error


def test_a_github_test_never_echoes_the_targets_answer(admin_client, tenant, banner_http):
    server = banner_http("404 Not Found", "application/json", json.dumps({"message": BANNER}))
    row = stored_row(tenant, "github", config_for("github", "127.0.0.1", "127.0.0.1", server.port))
    tested = admin_client.post(f"/api/integrations/{row.pk}/test").json()
    assert server.served >= 1
    assert tested["ok"] is False
    assert "404 Not Found" in tested["detail"]
    assert "SECRET-BANNER" not in tested["detail"]


@pytest.mark.parametrize("sslmode", ["disable", "prefer"])
def test_a_postgres_test_never_echoes_the_targets_answer(admin_client, tenant, sslmode):
    server = BannerServer(f"{BANNER}\r\n".encode())
    try:
        config = {**config_for("postgres", "127.0.0.1", "127.0.0.1", server.port), "sslmode": sslmode}
        row = stored_row(tenant, "postgres", config)
        tested = admin_client.post(f"/api/integrations/{row.pk}/test").json()
    finally:
        server.close()
    assert server.served >= 1
    assert tested["ok"] is False
    assert "did not answer like PostgreSQL" in tested["detail"]
    assert "SECRET-BANNER" not in tested["detail"] and "redis" not in tested["detail"]
