import logging

import pytest

from complywise.choices import Role
from complywise.models import AuditEvent
from integrations import crypto
from integrations.choices import IntegrationStatus
from integrations.models import Integration
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id
from tests.ports import closed_port

from .factories import AWS_ACCESS_KEY_ID, AWS_CREDENTIALS, AWS_SECRET_ACCESS_KEY, IntegrationFactory, aws_config

pytestmark = pytest.mark.django_db

SESSION_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN"
SECRETS = (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, SESSION_TOKEN)


def body(**overrides):
    return {
        "type": "aws",
        "name": "prod",
        "config": {"regions": ["us-east-1"]},
        "credentials": {**AWS_CREDENTIALS, "session_token": SESSION_TOKEN},
        **overrides,
    }


def assert_no_secret(response):
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text, f"a credential leaked in {response.request['PATH_INFO']}"
    assert "credentials_encrypted" not in text


# --- contracts -------------------------------------------------------------------------


class TestIntegrationListContract(EndpointContract):
    def url(self, tenant):
        IntegrationFactory(tenant=tenant)
        return "/api/integrations"


class TestIntegrationCreateContract(EndpointContract):
    method = "post"
    allowed_roles = (Role.ADMIN,)
    _count = 0

    def url(self, tenant):
        return "/api/integrations"

    def payload(self, tenant):
        TestIntegrationCreateContract._count += 1
        return body(name=f"prod-{self._count}")


class TestIntegrationDetailContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/integrations/{IntegrationFactory(tenant=tenant).pk}"

    def missing_url(self):
        return f"/api/integrations/{random_id()}"


class TestIntegrationUpdateContract(TestIntegrationDetailContract):
    method = "patch"
    allowed_roles = (Role.ADMIN,)

    def payload(self, tenant):
        return {"name": "renamed"}


class TestIntegrationDeleteContract(TestIntegrationDetailContract):
    method = "delete"
    allowed_roles = (Role.ADMIN,)


class TestIntegrationTestContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        # Nothing listens there: the test answers fast, and still 200.
        integration = IntegrationFactory(
            tenant=tenant, config=aws_config(endpoint_url=f"http://127.0.0.1:{closed_port()}")
        )
        return f"/api/integrations/{integration.pk}/test"

    def missing_url(self):
        return f"/api/integrations/{random_id()}/test"


def test_malformed_id_is_404(admin_client):
    assert admin_client.get("/api/integrations/not-a-uuid").status_code == 404


# --- create / read / update / delete ------------------------------------------------------


def test_create_then_read_never_returns_credentials(admin_client, tenant):
    # when an admin creates an integration
    created = admin_client.post("/api/integrations", body(), format="json")
    # then it is stored encrypted and answered without any secret
    assert created.status_code == 201, created.content
    assert created.json()["config"] == aws_config()
    assert created.json()["has_credentials"] is True
    assert created.json()["credentials_hint"] == "access key …MPLE"
    assert created.json()["status"] == "new"
    assert "credentials" not in created.json()
    assert_no_secret(created)
    integration = Integration.objects.get(pk=created.json()["id"])
    assert integration.tenant == tenant
    row = str(Integration.objects.filter(pk=integration.pk).values().get())
    assert all(secret not in row for secret in SECRETS)
    assert crypto.decrypt_json(integration.credentials_encrypted)["session_token"] == SESSION_TOKEN
    # and no read shows it either
    for url in ("/api/integrations", f"/api/integrations/{integration.pk}", "/api/integrations?type=aws"):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert_no_secret(response)


def test_tenant_comes_from_the_credential_not_the_body(admin_client, tenant, other_tenant):
    # A tenant in the body is not part of the contract: refused (it used to be silently ignored).
    response = admin_client.post("/api/integrations", body(tenant=str(other_tenant.pk)), format="json")
    assert response.status_code == 400 and list(response.json()) == ["tenant"]
    assert not Integration.objects.exists()
    created = admin_client.post("/api/integrations", body(), format="json")
    assert Integration.objects.get(pk=created.json()["id"]).tenant == tenant


def test_list_is_scoped_and_filtered(client_for, tenant, other_tenant):
    # given
    IntegrationFactory(tenant=tenant, name="a", status=IntegrationStatus.CONNECTED)
    IntegrationFactory(tenant=tenant, name="b", status=IntegrationStatus.ERROR)
    IntegrationFactory(tenant=other_tenant, name="theirs")
    client = client_for(tenant, Role.VIEWER)
    # when / then
    assert [r["name"] for r in client.get("/api/integrations").json()["results"]] == ["a", "b"]
    assert [r["name"] for r in client.get("/api/integrations?status=error").json()["results"]] == ["b"]
    assert client.get("/api/integrations?type=github").json()["count"] == 0
    assert client.get("/api/integrations?status=bogus").status_code == 400


def test_list_query_count_does_not_grow_with_page_size(admin_client, tenant):
    # given
    for n in range(30):
        IntegrationFactory(tenant=tenant, name=f"i{n:02}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # (the first request of a token also records its last use)
    admin_client.get("/api/integrations")
    counts = []
    for limit in (2, 30):
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(f"/api/integrations?limit={limit}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_patch_renames_changes_config_and_replaces_credentials(admin_client, tenant):
    # given
    integration = IntegrationFactory(tenant=tenant, name="prod", status=IntegrationStatus.CONNECTED)
    new_secret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
    # when
    response = admin_client.patch(
        f"/api/integrations/{integration.pk}",
        {
            "name": "production",
            "config": {"regions": ["eu-west-1"]},
            "credentials": {"access_key_id": "AKIAI44QH8DHBEXAMPLE", "secret_access_key": new_secret},
        },
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "production"
    assert response.json()["config"]["regions"] == ["eu-west-1"]
    assert response.json()["status"] == "new"
    assert response.json()["credentials_hint"] == "access key …MPLE"
    assert new_secret not in response.content.decode()
    integration.refresh_from_db()
    assert crypto.decrypt_json(integration.credentials_encrypted)["secret_access_key"] == new_secret


def test_patch_without_credentials_keeps_them(admin_client, tenant):
    integration = IntegrationFactory(tenant=tenant)
    stored = integration.credentials_encrypted
    response = admin_client.patch(f"/api/integrations/{integration.pk}", {"name": "x"}, format="json")
    assert response.status_code == 200
    integration.refresh_from_db()
    assert integration.credentials_encrypted == stored


def test_patch_can_disable_and_enable(admin_client, tenant):
    integration = IntegrationFactory(tenant=tenant)
    url = f"/api/integrations/{integration.pk}"
    assert admin_client.patch(url, {"enabled": False}, format="json").json()["status"] == "disabled"
    assert admin_client.patch(url, {"enabled": True}, format="json").json()["status"] == "new"


def test_put_is_not_offered(admin_client, tenant):
    integration = IntegrationFactory(tenant=tenant)
    assert admin_client.put(f"/api/integrations/{integration.pk}", body(), format="json").status_code == 405


def test_delete(admin_client, tenant):
    integration = IntegrationFactory(tenant=tenant)
    response = admin_client.delete(f"/api/integrations/{integration.pk}")
    assert response.status_code == 204
    assert not Integration.objects.filter(pk=integration.pk).exists()
    assert AuditEvent.objects.filter(tenant=tenant, action="integration.deleted").exists()


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"type", "name"}),
        (body(type="gcp"), {"type"}),
        (body(type="postgres"), {"type"}),
        (body(name=""), {"name"}),
        (body(config="us-east-1"), {"config"}),
        (body(config={}), {"config"}),
        (body(credentials={}), {"credentials"}),
        (body(credentials=["a"]), {"credentials"}),
    ],
)
def test_create_bad_input_is_400_with_field_errors(admin_client, payload, errors, without_providers):
    # given a type whose provider is not written yet
    without_providers("postgres")
    response = admin_client.post("/api/integrations", payload, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == errors
    assert_no_secret(response)


def test_bad_region_error_is_nested_under_config(admin_client):
    # when
    response = admin_client.post(
        "/api/integrations", body(config={"regions": ["us-east-1", "moon-1"], "colour": "red"}), format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"config": {"colour": ["Unknown field."]}}
    response = admin_client.post("/api/integrations", body(config={"regions": ["us-east-1", "moon-1"]}), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["config"]
    assert list(response.json()["config"]["regions"]) == ["1"]
    assert "moon-1" in response.json()["config"]["regions"]["1"][0]


def test_bad_credentials_error_is_nested_and_echoes_no_value(admin_client):
    response = admin_client.post(
        "/api/integrations",
        body(credentials={"access_key_id": AWS_SECRET_ACCESS_KEY, "secret_access_key": "short"}),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["credentials"]) == {"access_key_id", "secret_access_key"}
    assert AWS_SECRET_ACCESS_KEY not in response.content.decode()


def test_duplicate_name_in_the_tenant_is_400(admin_client, tenant):
    IntegrationFactory(tenant=tenant, name="prod")
    response = admin_client.post("/api/integrations", body(name="prod"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_patch_bad_input_is_400(admin_client, tenant):
    integration = IntegrationFactory(tenant=tenant)
    IntegrationFactory(tenant=tenant, name="taken")
    url = f"/api/integrations/{integration.pk}"
    for payload, field in [
        ({"name": "taken"}, "name"),
        ({"config": {"regions": ["nowhere"]}}, "config"),
        ({"config": {"regions": None}}, "config"),
        ({"credentials": {"access_key_id": "AKIAI44QH8DHBEXAMPLE"}}, "credentials"),
        ({"type": "github"}, "type"),
        ({"enabled": "maybe"}, "enabled"),
    ]:
        response = admin_client.patch(url, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert list(response.json()) == [field], payload


def test_not_json_body_is_400(admin_client):
    response = admin_client.generic("POST", "/api/integrations", "{not json", content_type="application/json")
    assert response.status_code == 400


# --- test connection -----------------------------------------------------------------------


def test_connection_test_with_good_credentials_against_moto(admin_client, tenant, moto_reset, caplog):
    # given an integration created through the API and pointed at a moto server
    caplog.set_level(logging.DEBUG)
    created = admin_client.post(
        "/api/integrations", body(config={"regions": ["us-east-1"], "endpoint_url": moto_reset}), format="json"
    ).json()
    # when
    response = admin_client.post(f"/api/integrations/{created['id']}/test")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    assert "Connected to AWS account" in response.json()["detail"]
    assert response.json()["status"] == "connected"
    assert_no_secret(response)
    detail = admin_client.get(f"/api/integrations/{created['id']}").json()
    assert detail["status"] == "connected" and detail["last_tested_at"]
    assert_no_secret_in_logs(caplog)


def test_connection_test_against_an_unreachable_endpoint(admin_client, tenant, caplog):
    # given an endpoint where nothing listens
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{closed_port()}"
    created = admin_client.post(
        "/api/integrations", body(config={"regions": ["us-east-1"], "endpoint_url": url}), format="json"
    ).json()
    # when
    response = admin_client.post(f"/api/integrations/{created['id']}/test")
    # then a clear failure, not a server error
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is False
    assert "could not reach the AWS endpoint" in response.json()["detail"]
    assert response.json()["status"] == "error"
    detail = admin_client.get(f"/api/integrations/{created['id']}").json()
    assert detail["last_error"] == response.json()["detail"]
    assert_no_secret(response)
    assert_no_secret_in_logs(caplog)


def assert_no_secret_in_logs(caplog):
    for record in caplog.records:
        text = f"{record.getMessage()} {record.__dict__}"
        for secret in SECRETS:
            assert secret not in text, record
    assert any(getattr(r, "integration_id", None) for r in caplog.records), "log records carry the integration id"
