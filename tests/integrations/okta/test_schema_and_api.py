"""An Okta integration's config and credentials: validated, then created and tested through the API against a
fake Okta."""

from __future__ import annotations

import pytest

from integrations.choices import IntegrationStatus
from integrations.models import Integration
from integrations.providers import provider_spec
from integrations.providers.okta.schema import ConfigSerializer, CredentialsSerializer, credentials_hint
from tests.integrations.okta.support import TOKEN, base_url, compliant_org, serve

pytestmark = pytest.mark.django_db


def create(admin_client, httpserver, **config):
    body = {
        "type": "okta",
        "name": "acme-okta",
        "config": {"org_url": httpserver.url_for(""), **config},
        "credentials": {"api_token": TOKEN},
    }
    return admin_client.post("/api/integrations", body, format="json")


def test_create_and_test_an_okta_integration(admin_client, httpserver, tenant):
    # given a reachable fake Okta org
    serve(httpserver, compliant_org(base_url(httpserver)))
    # when an admin creates the integration and tests it
    created = create(admin_client, httpserver)
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then it is stored with its normalised config, a hint and no token, and the test connects
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["type"] == "okta"
    assert body["config"] == {
        "org_url": base_url(httpserver),
        "inactive_days": 90,
        "stuck_days": 30,
        "min_super_admins": 2,
        "max_super_admins": 4,
        "max_token_age_days": 90,
    }
    assert body["credentials_hint"] == f"API token …{TOKEN[-4:]}"
    assert "credentials" not in body or not body["credentials"]
    assert tested.status_code == 200, tested.content
    assert tested.json()["ok"] is True
    assert tested.json()["detail"].startswith("Connected to Okta org Acme at ")
    assert tested.json()["status"] == IntegrationStatus.CONNECTED
    integration = Integration.objects.for_tenant(tenant).get(pk=body["id"])
    assert integration.status == IntegrationStatus.CONNECTED
    # and the token is write-only: never in an answer, encrypted at rest
    for response in (created, tested, admin_client.get(f"/api/integrations/{body['id']}")):
        assert TOKEN not in response.content.decode()
    assert TOKEN not in integration.credentials_encrypted


def test_a_rejected_token_is_recorded_as_the_integrations_error(admin_client, httpserver, tenant):
    # given Okta rejecting the token (the fake answers 401 to any request without its token)
    serve(httpserver, compliant_org(base_url(httpserver)))
    body = {
        "type": "okta",
        "name": "wrong",
        "config": {"org_url": httpserver.url_for("")},
        "credentials": {"api_token": "00" + "Y" * 40},
    }
    created = admin_client.post("/api/integrations", body, format="json")
    # when the connection is tested
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then the failure is explained and stored on the integration
    assert tested.json()["ok"] is False
    assert tested.json()["status"] == IntegrationStatus.ERROR
    assert "Okta rejected the API token" in tested.json()["detail"]
    integration = Integration.objects.for_tenant(tenant).get(pk=created.json()["id"])
    assert "Okta rejected the API token" in integration.last_error
    assert "Y" * 40 not in tested.content.decode()


def test_bad_config_and_credentials_are_400_with_field_errors(admin_client):
    body = {"type": "okta", "name": "broken", "config": {"org_url": "ftp://acme.okta.com"}, "credentials": {}}
    response = admin_client.post("/api/integrations", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors["config"]) == {"org_url"}
    assert set(errors["credentials"]) == {"api_token"}


def test_minimal_config_gets_the_defaults():
    serializer = ConfigSerializer(data={"org_url": "https://Acme.okta.com/"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "org_url": "https://acme.okta.com",
        "inactive_days": 90,
        "stuck_days": 30,
        "min_super_admins": 2,
        "max_super_admins": 4,
        "max_token_age_days": 90,
    }


@pytest.mark.parametrize("org_url", ["http://localhost:8080", "http://127.0.0.1:9000", "http://[::1]:80"])
def test_plain_http_is_accepted_for_a_local_server_only(org_url):
    serializer = ConfigSerializer(data={"org_url": org_url})
    assert serializer.is_valid(), serializer.errors


@pytest.mark.parametrize(
    "org_url",
    [
        "not a url",
        "ftp://acme.okta.com",
        "http://acme.okta.com",
        "https://user:pass@acme.okta.com",
        "https://acme.okta.com/api/v1",
        "https://acme.okta.com?x=1",
        "https://acme-admin.okta.com",
        "https://10.0.0.5",
        "",
    ],
)
def test_bad_org_urls(org_url):
    serializer = ConfigSerializer(data={"org_url": org_url})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"org_url"}


def test_a_private_address_is_refused_by_the_egress_guard_with_its_reason():
    serializer = ConfigSerializer(data={"org_url": "https://10.0.0.5"})
    assert not serializer.is_valid()
    assert "a private address" in str(serializer.errors["org_url"])


def test_super_admin_bounds_must_be_ordered():
    serializer = ConfigSerializer(data={"org_url": "https://acme.okta.com", "min_super_admins": 5})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"min_super_admins"}


def test_unknown_config_keys_are_rejected():
    serializer = ConfigSerializer(data={"org_url": "https://acme.okta.com", "domain": "acme"})
    assert not serializer.is_valid()
    assert serializer.errors["domain"] == ["Unknown field."]


def test_token_is_required_and_trimmed():
    serializer = CredentialsSerializer(data={"api_token": f"  {TOKEN}\n"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"api_token": TOKEN}


@pytest.mark.parametrize(
    "credentials", [{}, {"api_token": ""}, {"api_token": "short"}, {"api_token": "00abc def ghi jkl mno pqr"}]
)
def test_bad_tokens(credentials):
    serializer = CredentialsSerializer(data=credentials)
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"api_token"}


def test_credentials_hint_shows_the_last_characters_only():
    assert credentials_hint({"api_token": TOKEN}) == f"API token …{TOKEN[-4:]}"
    assert credentials_hint({}) == ""


def test_the_platform_finds_the_okta_provider():
    spec = provider_spec("okta")
    assert spec.config_serializer is ConfigSerializer
    assert spec.credentials_serializer is CredentialsSerializer
    assert spec.credentials_hint({"api_token": TOKEN}).endswith(TOKEN[-4:])
