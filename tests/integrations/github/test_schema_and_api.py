"""A GitHub integration's config and credentials: validated, then created and tested through the API against a
fake GitHub."""

from __future__ import annotations

import pytest

from integrations.choices import IntegrationStatus
from integrations.models import Integration
from integrations.providers import provider_spec
from integrations.providers.github.schema import ConfigSerializer, CredentialsSerializer, credentials_hint
from tests.integrations.github.support import TOKEN, api_error, compliant_org, serve

pytestmark = pytest.mark.django_db


def create(admin_client, httpserver, **config):
    body = {
        "type": "github",
        "name": "acme-github",
        "config": {"organization": "acme", "api_url": httpserver.url_for(""), **config},
        "credentials": {"token": TOKEN},
    }
    return admin_client.post("/api/integrations", body, format="json")


def test_create_and_test_a_github_integration(admin_client, httpserver, tenant):
    # given a reachable fake GitHub organisation
    serve(httpserver, compliant_org(httpserver.url_for("").rstrip("/")))
    # when an admin creates the integration and tests it
    created = create(admin_client, httpserver)
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then it is stored with its normalised config, a hint and no token, and the test connects
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["type"] == "github"
    assert body["config"] == {
        "organization": "acme",
        "api_url": httpserver.url_for("").rstrip("/"),
        "max_admins": 5,
        "allow_public_repos": False,
        "repositories": None,
    }
    assert body["credentials_hint"] == f"token ghp_…{TOKEN[-4:]}"
    assert tested.status_code == 200, tested.content
    assert tested.json()["ok"] is True
    assert tested.json()["detail"] == "Connected to organization acme as octocat"
    assert tested.json()["status"] == IntegrationStatus.CONNECTED
    integration = Integration.objects.for_tenant(tenant).get(pk=body["id"])
    assert integration.status == IntegrationStatus.CONNECTED
    for response in (created, tested):
        assert TOKEN not in response.content.decode()
    assert TOKEN not in integration.credentials_encrypted


def test_a_rejected_token_is_recorded_as_the_integrations_error(admin_client, httpserver, tenant):
    # given GitHub rejecting the token
    httpserver.expect_request("/orgs/acme").respond_with_json(api_error("Bad credentials", 401), status=401)
    created = create(admin_client, httpserver)
    # when the connection is tested
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then the failure is explained and stored on the integration
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert tested.json()["status"] == IntegrationStatus.ERROR
    assert "rejected the token" in tested.json()["detail"]
    integration = Integration.objects.for_tenant(tenant).get(pk=created.json()["id"])
    assert "rejected the token" in integration.last_error
    assert TOKEN not in tested.content.decode()


def test_bad_config_and_credentials_are_400_with_field_errors(admin_client):
    # given a config without organisation and with a bad URL, and no token
    body = {"type": "github", "name": "broken", "config": {"api_url": "ftp://x"}, "credentials": {}}
    # when posted
    response = admin_client.post("/api/integrations", body, format="json")
    # then every problem is reported by field
    assert response.status_code == 400
    errors = response.json()
    assert set(errors["config"]) == {"organization", "api_url"}
    assert set(errors["credentials"]) == {"token"}


def test_minimal_config_gets_the_defaults():
    # given only the organisation
    serializer = ConfigSerializer(data={"organization": "acme"})
    # when validated
    # then github.com and the documented defaults apply
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "organization": "acme",
        "api_url": "https://api.github.com",
        "max_admins": 5,
        "allow_public_repos": False,
        "repositories": None,
    }


def test_full_config_is_normalised():
    # given an Enterprise Server URL with a trailing slash and repositories written several ways
    data = {
        "organization": "Acme-Corp",
        "api_url": "https://ghe.example.com/api/v3/",
        "max_admins": 3,
        "allow_public_repos": True,
        "repositories": ["api", "Acme-Corp/web", "API", " docs.site "],
    }
    # when validated
    serializer = ConfigSerializer(data=data)
    # then the URL loses its slash and repositories become unique bare names
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["api_url"] == "https://ghe.example.com/api/v3"
    assert serializer.validated_data["repositories"] == ["api", "web", "docs.site"]


@pytest.mark.parametrize("api_url", ["http://localhost:8080", "http://127.0.0.1:9000/api/v3", "http://[::1]:80"])
def test_plain_http_is_accepted_for_a_local_server_only(api_url):
    serializer = ConfigSerializer(data={"organization": "acme", "api_url": api_url})
    assert serializer.is_valid(), serializer.errors


def test_missing_organization_is_an_error():
    serializer = ConfigSerializer(data={"api_url": "https://api.github.com"})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"organization"}


@pytest.mark.parametrize("organization", ["", "-acme", "acme-", "ac--me", "acme corp", "a" * 40, "acme/x"])
def test_bad_organization_logins(organization):
    serializer = ConfigSerializer(data={"organization": organization})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"organization"}


@pytest.mark.parametrize(
    "api_url",
    [
        "not a url",
        "ftp://api.github.com",
        "https://user:pass@ghe.example.com/api/v3",
        "https://ghe.example.com/api/v3?token=x",
        "https://ghe.example.com/api/v3#frag",
        "http://ghe.example.com/api/v3",
        "http://10.0.0.5/api/v3",
        "",
    ],
)
def test_bad_api_urls(api_url):
    serializer = ConfigSerializer(data={"organization": "acme", "api_url": api_url})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"api_url"}


@pytest.mark.parametrize("max_admins", [0, -1, "many", 10_001])
def test_bad_max_admins(max_admins):
    serializer = ConfigSerializer(data={"organization": "acme", "max_admins": max_admins})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"max_admins"}


def test_bad_repositories_are_reported_per_item():
    # given a repository of another owner and a name with a space
    data = {"organization": "acme", "repositories": ["api", "other/api", "bad name"]}
    # when validated
    serializer = ConfigSerializer(data=data)
    # then each bad item is named by its position
    assert not serializer.is_valid()
    assert set(serializer.errors["repositories"]) == {1, 2}


def test_unknown_config_keys_are_rejected():
    serializer = ConfigSerializer(data={"organization": "acme", "org": "acme"})
    assert not serializer.is_valid()
    assert serializer.errors["org"] == ["Unknown field."]


def test_token_is_required_and_trimmed():
    serializer = CredentialsSerializer(data={"token": f"  {TOKEN}\n"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"token": TOKEN}


@pytest.mark.parametrize(
    "credentials", [{}, {"token": ""}, {"token": "short"}, {"token": "ghp_abc def ghi jkl mno pqr"}, {"token": None}]
)
def test_bad_tokens(credentials):
    serializer = CredentialsSerializer(data=credentials)
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"token"}
    assert TOKEN not in str(serializer.errors)


def test_credentials_hint_shows_the_kind_and_last_characters_only():
    assert credentials_hint({"token": TOKEN}) == f"token ghp_…{TOKEN[-4:]}"
    assert credentials_hint({"token": "github_pat_" + "A" * 60 + "WXYZ"}) == "token github_pat_…WXYZ"
    assert credentials_hint({"token": "0123456789abcdef0123456789abcdef01234567"}) == "token …4567"
    assert credentials_hint({}) == ""


def test_the_platform_finds_the_github_provider():
    # given the provider registry
    spec = provider_spec("github")
    # then its serializers and hint are the ones above
    assert spec.config_serializer is ConfigSerializer
    assert spec.credentials_serializer is CredentialsSerializer
    assert spec.credentials_hint({"token": TOKEN}).endswith(TOKEN[-4:])
