"""An Entra ID integration's config and credentials: validated, then created and tested through the API against
a fake tenant."""

from __future__ import annotations

import pytest

from integrations.choices import IntegrationStatus
from integrations.models import Integration
from integrations.providers import provider_spec
from integrations.providers.entra.schema import ConfigSerializer, CredentialsSerializer, credentials_hint
from tests.integrations.entra.support import CLIENT_ID, SECRET, TENANT_ID, base_url, compliant_tenant, serve

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "inactive_days": 90,
    "guest_inactive_days": 90,
    "never_signed_in_days": 30,
    "min_global_admins": 2,
    "max_global_admins": 4,
}


def create(admin_client, httpserver, *, secret=SECRET, **config):
    body = {
        "type": "entra",
        "name": "contoso-entra",
        "config": {
            "tenant_id": TENANT_ID,
            "authority_url": httpserver.url_for(""),
            "graph_url": httpserver.url_for(""),
            **config,
        },
        "credentials": {"client_id": CLIENT_ID, "client_secret": secret},
    }
    return admin_client.post("/api/integrations", body, format="json")


def test_create_and_test_an_entra_integration(admin_client, httpserver, tenant):
    # given a reachable fake tenant
    serve(httpserver, compliant_tenant())
    # when an admin creates the integration and tests it
    created = create(admin_client, httpserver)
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then it is stored with its normalised config, a hint and no secret, and the test connects
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["type"] == "entra"
    assert body["config"] == {
        "tenant_id": TENANT_ID,
        "authority_url": base_url(httpserver),
        "graph_url": base_url(httpserver),
        **DEFAULTS,
    }
    assert body["credentials_hint"] == f"client {CLIENT_ID[:8]}…, secret {SECRET[:3]}…"
    assert "credentials" not in body or not body["credentials"]
    assert tested.status_code == 200, tested.content
    assert tested.json()["ok"] is True
    assert tested.json()["status"] == IntegrationStatus.CONNECTED
    integration = Integration.objects.for_tenant(tenant).get(pk=body["id"])
    assert integration.status == IntegrationStatus.CONNECTED
    # and the secret is write-only: never in an answer, encrypted at rest
    for response in (created, tested, admin_client.get(f"/api/integrations/{body['id']}")):
        assert SECRET not in response.content.decode()
    assert SECRET not in integration.credentials_encrypted


def test_a_rejected_secret_is_recorded_as_the_integrations_error(admin_client, httpserver, tenant):
    # given the identity platform refusing the secret
    serve(httpserver, compliant_tenant())
    wrong = "Wrong~Secret.Value_0123456789abcdefghijk"
    created = create(admin_client, httpserver, secret=wrong)
    # when the connection is tested
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then the failure is explained and stored on the integration
    assert tested.json()["ok"] is False
    assert tested.json()["status"] == IntegrationStatus.ERROR
    assert "the client secret is wrong" in tested.json()["detail"]
    integration = Integration.objects.for_tenant(tenant).get(pk=created.json()["id"])
    assert "the client secret is wrong" in integration.last_error
    assert wrong not in tested.content.decode()


def test_bad_config_and_credentials_are_400_with_field_errors(admin_client):
    body = {"type": "entra", "name": "broken", "config": {"tenant_id": "not a tenant"}, "credentials": {}}
    response = admin_client.post("/api/integrations", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors["config"]) == {"tenant_id"}
    assert set(errors["credentials"]) == {"client_id", "client_secret"}


def test_minimal_config_gets_the_defaults():
    serializer = ConfigSerializer(data={"tenant_id": TENANT_ID.upper()})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "tenant_id": TENANT_ID,
        "authority_url": "https://login.microsoftonline.com",
        "graph_url": "https://graph.microsoft.com",
        **DEFAULTS,
    }


@pytest.mark.parametrize("tenant_id", ["contoso.onmicrosoft.com", "Contoso.COM", TENANT_ID])
def test_a_tenant_is_a_guid_or_a_domain(tenant_id):
    serializer = ConfigSerializer(data={"tenant_id": tenant_id})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["tenant_id"] == tenant_id.lower()


@pytest.mark.parametrize("tenant_id", ["", "contoso", "../common", "contoso.onmicrosoft.com/x", "common tenant"])
def test_bad_tenants(tenant_id):
    serializer = ConfigSerializer(data={"tenant_id": tenant_id})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"tenant_id"}


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1:9000", "https://login.microsoftonline.us"])
def test_api_urls_accept_https_and_local_http(url):
    serializer = ConfigSerializer(data={"tenant_id": TENANT_ID, "authority_url": url, "graph_url": url})
    assert serializer.is_valid(), serializer.errors


@pytest.mark.parametrize(
    "url",
    [
        "ftp://graph.microsoft.com",
        "http://graph.microsoft.com",
        "https://user:pass@graph.microsoft.com",
        "https://graph.microsoft.com/v1.0",
        "https://graph.microsoft.com?x=1",
        "https://10.0.0.5",
    ],
)
def test_bad_api_urls(url):
    serializer = ConfigSerializer(data={"tenant_id": TENANT_ID, "authority_url": url, "graph_url": url})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"authority_url", "graph_url"}


def test_a_private_address_is_refused_by_the_egress_guard_with_its_reason():
    serializer = ConfigSerializer(data={"tenant_id": TENANT_ID, "graph_url": "https://10.0.0.5"})
    assert not serializer.is_valid()
    assert "a private address" in str(serializer.errors["graph_url"])


def test_global_admin_bounds_must_be_ordered():
    serializer = ConfigSerializer(data={"tenant_id": TENANT_ID, "min_global_admins": 5})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"min_global_admins"}


def test_unknown_config_keys_are_rejected():
    serializer = ConfigSerializer(data={"tenant_id": TENANT_ID, "org_url": "https://x"})
    assert not serializer.is_valid()
    assert serializer.errors["org_url"] == ["Unknown field."]


def test_credentials_are_required_trimmed_and_normalised():
    serializer = CredentialsSerializer(data={"client_id": f" {CLIENT_ID.upper()} ", "client_secret": f"  {SECRET}\n"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"client_id": CLIENT_ID, "client_secret": SECRET}


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"client_id": CLIENT_ID},
        {"client_id": "my-app", "client_secret": SECRET},
        {"client_id": CLIENT_ID, "client_secret": "short"},
        {"client_id": CLIENT_ID, "client_secret": "has spaces in the secret value ok"},
    ],
)
def test_bad_credentials(credentials):
    serializer = CredentialsSerializer(data=credentials)
    assert not serializer.is_valid()
    assert set(serializer.errors) <= {"client_id", "client_secret"} and serializer.errors


def test_credentials_hint_shows_the_client_and_the_secrets_first_characters_only():
    assert credentials_hint({"client_id": CLIENT_ID, "client_secret": SECRET}) == (
        f"client {CLIENT_ID[:8]}…, secret {SECRET[:3]}…"
    )
    assert credentials_hint({}) == ""


def test_the_platform_finds_the_entra_provider():
    spec = provider_spec("entra")
    assert spec.config_serializer is ConfigSerializer
    assert spec.credentials_serializer is CredentialsSerializer
    assert spec.credentials_hint({"client_id": CLIENT_ID, "client_secret": SECRET}).startswith("client ")
