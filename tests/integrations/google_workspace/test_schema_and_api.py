"""A Google Workspace integration's config and credentials: validated, then created and tested through the API
against a fake Google."""

from __future__ import annotations

import json

import pytest

from integrations.choices import IntegrationStatus
from integrations.models import Integration
from integrations.providers import provider_spec
from integrations.providers.google_workspace.schema import ConfigSerializer, CredentialsSerializer, credentials_hint
from tests.integrations.google_workspace.support import (
    ADMIN,
    CLIENT_EMAIL,
    DOMAIN,
    KEY_ID,
    PRIVATE_PEM,
    base_url,
    compliant_workspace,
    key_json,
    serve,
)

pytestmark = pytest.mark.django_db

PRIVATE_KEY_BODY = PRIVATE_PEM.splitlines()[5]


def create(admin_client, httpserver, *, key=None, **config):
    body = {
        "type": "google_workspace",
        "name": "acme-workspace",
        "config": {"domain": DOMAIN, "admin_email": ADMIN, "api_url": base_url(httpserver), **config},
        # As pasted from the downloaded key file.
        "credentials": {"service_account": json.dumps(key or key_json(httpserver))},
    }
    return admin_client.post("/api/integrations", body, format="json")


def test_create_and_test_a_google_workspace_integration(admin_client, httpserver, tenant):
    # given a reachable fake Google
    serve(httpserver, compliant_workspace())
    # when an admin creates the integration from the pasted key file and tests it
    created = create(admin_client, httpserver)
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then it is stored with its normalised config, a hint and no key, and the test connects
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["config"] == {
        "domain": DOMAIN,
        "admin_email": ADMIN,
        "customer_id": "my_customer",
        "api_url": base_url(httpserver),
        "inactive_days": 90,
        "never_signed_in_days": 30,
        "admin_inactive_days": 30,
        "min_super_admins": 2,
        "max_super_admins": 4,
        "trusted_clients": [],
    }
    assert body["credentials_hint"] == f"{CLIENT_EMAIL} key …{KEY_ID[-4:]}"
    assert tested.status_code == 200, tested.content
    assert tested.json()["ok"] is True
    assert tested.json()["detail"] == f"Connected to Google Workspace {DOMAIN} as {ADMIN}"
    integration = Integration.objects.for_tenant(tenant).get(pk=body["id"])
    assert integration.status == IntegrationStatus.CONNECTED
    # and the key is write-only: never in an answer, encrypted at rest
    for response in (created, tested, admin_client.get(f"/api/integrations/{body['id']}")):
        assert PRIVATE_KEY_BODY not in response.content.decode()
    assert PRIVATE_KEY_BODY not in integration.credentials_encrypted
    assert CLIENT_EMAIL not in integration.credentials_encrypted


def test_a_refused_key_is_recorded_as_the_integrations_error(admin_client, httpserver, tenant):
    # given delegation granted to alice only, and an integration acting for bob
    serve(httpserver, compliant_workspace())
    created = create(admin_client, httpserver, admin_email=f"bob@{DOMAIN}")
    # when the connection is tested
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then the failure is explained and stored on the integration
    assert tested.json()["ok"] is False
    assert tested.json()["status"] == IntegrationStatus.ERROR
    integration = Integration.objects.for_tenant(tenant).get(pk=created.json()["id"])
    assert "unauthorized_client" in integration.last_error and "Domain-wide delegation" in integration.last_error


def test_bad_config_and_credentials_are_400_with_field_errors(admin_client):
    body = {
        "type": "google_workspace",
        "name": "broken",
        "config": {"domain": "not a domain", "admin_email": "alice"},
        "credentials": {"service_account": '{"type": "authorized_user"}'},
    }
    response = admin_client.post("/api/integrations", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors["config"]) == {"domain", "admin_email"}
    assert set(errors["credentials"]) == {"service_account"}


def config(**extra):
    return {"domain": "Acme.example", "admin_email": ADMIN, **extra}


def test_minimal_config_gets_the_defaults():
    serializer = ConfigSerializer(data=config())
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["domain"] == "acme.example"
    assert serializer.validated_data["api_url"] == "https://admin.googleapis.com"
    assert serializer.validated_data["customer_id"] == "my_customer"


@pytest.mark.parametrize(
    "extra",
    [
        {"customer_id": "my customer"},
        {"api_url": "http://admin.googleapis.com"},
        {"api_url": "https://admin.googleapis.com/admin/directory/v1"},
        {"api_url": "https://10.0.0.5"},
        {"min_super_admins": 5},
        {"inactive_days": 1},
        {"trusted_clients": ["a b"]},
        {"org_url": "https://x"},
    ],
)
def test_bad_config(extra):
    serializer = ConfigSerializer(data=config(**extra))
    assert not serializer.is_valid()
    assert set(serializer.errors) == {next(iter(extra))}


def test_the_key_file_is_accepted_as_text_or_object_and_trimmed_to_what_is_used(httpserver):
    for given in (json.dumps(key_json(httpserver)), key_json(httpserver)):
        serializer = CredentialsSerializer(data={"service_account": given})
        assert serializer.is_valid(), serializer.errors
        kept = serializer.validated_data["service_account"]
        assert kept["client_email"] == CLIENT_EMAIL and kept["private_key"] == PRIVATE_PEM
        assert "auth_provider_x509_cert_url" not in kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "authorized_user"}, "type service_account"),
        ({"client_email": ""}, "lacks client_email"),
        ({"private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"}, "not a PEM private key"),
        ({"token_uri": "http://oauth2.googleapis.com/token"}, "must use https://"),
        ({"token_uri": "https://169.254.169.254/token"}, "link-local"),
    ],
)
def test_bad_keys(httpserver, change, message):
    serializer = CredentialsSerializer(data={"service_account": {**key_json(httpserver), **change}})
    assert not serializer.is_valid()
    assert message in str(serializer.errors["service_account"])


def test_a_key_that_is_not_json_is_refused():
    serializer = CredentialsSerializer(data={"service_account": "-----BEGIN PRIVATE KEY-----"})
    assert not serializer.is_valid()
    assert "JSON key file" in str(serializer.errors["service_account"])


def test_credentials_hint_names_the_account_and_key_id_only(httpserver):
    assert credentials_hint({"service_account": key_json(httpserver)}) == f"{CLIENT_EMAIL} key …{KEY_ID[-4:]}"
    assert credentials_hint({}) == ""


def test_the_platform_finds_the_google_workspace_provider(httpserver):
    spec = provider_spec("google_workspace")
    assert spec.config_serializer is ConfigSerializer
    assert spec.credentials_serializer is CredentialsSerializer
    assert spec.credentials_hint({"service_account": key_json(httpserver)}).startswith(CLIENT_EMAIL)
