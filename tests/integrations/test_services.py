import io
import logging

import pytest

from complywise.models import AuditEvent
from integrations import crypto, providers, selectors, services
from integrations.choices import IntegrationStatus
from integrations.models import Integration
from tests.factories import TenantFactory
from tests.ports import closed_port

from .factories import AWS_ACCESS_KEY_ID, AWS_CREDENTIALS, AWS_SECRET_ACCESS_KEY, IntegrationFactory, aws_config

pytestmark = pytest.mark.django_db


def create_aws(tenant, **overrides):
    fields = {"type": "aws", "name": "prod", "config": aws_config(), "credentials": AWS_CREDENTIALS, **overrides}
    return services.integration_create(tenant=tenant, actor=None, **fields)


def test_create_validates_encrypts_and_audits(tenant):
    # when
    integration = create_aws(tenant, config={"regions": ["eu-west-1"]})
    # then the config is normalised, the credentials encrypted, and the creation audited
    integration.refresh_from_db()
    assert integration.config == aws_config(regions=["eu-west-1"])
    assert integration.status == IntegrationStatus.NEW
    assert AWS_SECRET_ACCESS_KEY not in integration.credentials_encrypted
    assert crypto.decrypt_json(integration.credentials_encrypted) == {**AWS_CREDENTIALS, "session_token": None}
    assert integration.credentials_hint == "access key …MPLE"
    event = AuditEvent.objects.get(tenant=tenant, action="integration.created")
    assert event.target_id == str(integration.pk)
    assert AWS_SECRET_ACCESS_KEY not in str(event.data) and AWS_ACCESS_KEY_ID not in str(event.data)


def test_create_reports_every_field_problem_at_once(tenant):
    # given an existing integration named "prod"
    create_aws(tenant)
    # when
    with pytest.raises(services.IntegrationValidationError) as exc:
        create_aws(tenant, config={"regions": ["mars-1"]}, credentials={"access_key_id": "AKIAIOSFODNN7EXAMPLE"})
    # then
    assert set(exc.value.errors) == {"name", "config", "credentials"}
    assert "regions" in exc.value.errors["config"]
    assert exc.value.errors["credentials"] == {"secret_access_key": ["This field is required."]}


def test_same_name_in_another_tenant_is_fine(tenant, other_tenant):
    create_aws(tenant)
    assert create_aws(other_tenant).tenant == other_tenant


def test_unknown_or_absent_type_is_a_type_error(tenant, without_providers):
    # given a type whose provider is not written yet
    without_providers("github")
    for integration_type in ("gcp", "github"):
        with pytest.raises(services.IntegrationValidationError) as exc:
            create_aws(tenant, type=integration_type)
        assert "type" in exc.value.errors
        assert "Available types: aws" in exc.value.errors["type"][0]
        assert "github" not in exc.value.errors["type"][0].split("Available types:")[1]


def test_update_merges_config_and_keeps_credentials(tenant):
    # given a tested integration
    integration = create_aws(tenant, config=aws_config(endpoint_url="http://127.0.0.1:9"))
    Integration.objects.filter(pk=integration.pk).update(status=IntegrationStatus.CONNECTED)
    integration.refresh_from_db()
    stored = integration.credentials_encrypted
    # when only the regions change
    services.integration_update(integration=integration, actor=None, config={"regions": ["eu-west-1"]})
    # then the other keys are kept, the credentials untouched, and the old test result dropped
    integration.refresh_from_db()
    assert integration.config == aws_config(regions=["eu-west-1"], endpoint_url="http://127.0.0.1:9")
    assert integration.credentials_encrypted == stored
    assert integration.status == IntegrationStatus.NEW


def test_update_null_clears_a_config_key(tenant):
    integration = create_aws(tenant, config=aws_config(endpoint_url="http://127.0.0.1:9"))
    services.integration_update(integration=integration, actor=None, config={"endpoint_url": None})
    integration.refresh_from_db()
    assert integration.config["endpoint_url"] is None


def test_update_replaces_credentials_only_when_given(tenant):
    # given
    integration = create_aws(tenant)
    new = {"access_key_id": "AKIAI44QH8DHBEXAMPLE", "secret_access_key": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}
    # when
    services.integration_update(integration=integration, actor=None, name="production")
    integration.refresh_from_db()
    assert crypto.decrypt_json(integration.credentials_encrypted)["access_key_id"] == AWS_ACCESS_KEY_ID
    services.integration_update(integration=integration, actor=None, credentials=new)
    # then
    integration.refresh_from_db()
    assert integration.name == "production"
    assert crypto.decrypt_json(integration.credentials_encrypted)["access_key_id"] == new["access_key_id"]
    changes = AuditEvent.objects.filter(action="integration.updated").values_list("data", flat=True)
    assert [c["changed"] for c in changes.order_by("created_at")] == [["name"], ["credentials"]]
    assert new["secret_access_key"] not in str(list(changes))


def test_update_validates_config_name_and_credentials(tenant):
    integration = create_aws(tenant)
    create_aws(tenant, name="staging")
    with pytest.raises(services.IntegrationValidationError) as exc:
        services.integration_update(
            integration=integration,
            actor=None,
            name="staging",
            config={"regions": []},
            credentials={"access_key_id": "x"},
        )
    assert set(exc.value.errors) == {"name", "config", "credentials"}


def test_disable_and_enable(tenant):
    integration = create_aws(tenant)
    services.integration_update(integration=integration, actor=None, enabled=False)
    assert integration.status == IntegrationStatus.DISABLED
    assert list(selectors.integrations_for_scan(tenant=tenant, types=None)) == []
    services.integration_update(integration=integration, actor=None, enabled=True)
    assert integration.status == IntegrationStatus.NEW


def test_delete_is_audited(tenant):
    integration = create_aws(tenant)
    pk = integration.pk
    services.integration_delete(integration=integration, actor=None)
    assert not Integration.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(tenant=tenant, action="integration.deleted", target_id=str(pk)).exists()


def test_connection_against_moto_succeeds(tenant, moto_reset, caplog):
    # given an integration pointed at a real (local) AWS API
    caplog.set_level(logging.DEBUG)
    integration = create_aws(tenant, config=aws_config(endpoint_url=moto_reset))
    # when
    ok, detail = services.integration_test(integration=integration)
    # then
    integration.refresh_from_db()
    assert ok is True, detail
    assert "123456789012" in detail
    assert integration.status == IntegrationStatus.CONNECTED
    assert integration.last_tested_at is not None
    assert integration.last_error == ""
    assert AWS_SECRET_ACCESS_KEY not in caplog.text and AWS_ACCESS_KEY_ID not in caplog.text


def test_connection_to_an_unreachable_endpoint_fails_cleanly(tenant, caplog):
    # given an endpoint where nothing listens
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{closed_port()}"
    integration = create_aws(tenant, config=aws_config(endpoint_url=url))
    # when
    ok, detail = services.integration_test(integration=integration)
    # then
    integration.refresh_from_db()
    assert ok is False
    assert "could not reach" in detail and url in detail
    assert integration.status == IntegrationStatus.ERROR
    assert integration.last_error == detail
    assert AWS_SECRET_ACCESS_KEY not in caplog.text and AWS_ACCESS_KEY_ID not in caplog.text


def test_connection_with_undecryptable_credentials_is_an_error_not_a_crash(tenant):
    integration = IntegrationFactory(tenant=tenant, credentials_encrypted="gAAAAAdamaged")
    ok, detail = services.integration_test(integration=integration)
    assert ok is False
    assert "could not be decrypted" in detail
    assert integration.status == IntegrationStatus.ERROR


def test_a_connector_bug_is_recorded_as_an_error(tenant, fake_host_provider, caplog):
    # given a connector that raises
    integration = services.integration_create(
        tenant=tenant, actor=None, type="host", name="box", config={"root": "/explode"}, credentials={}
    )
    # when
    ok, detail = services.integration_test(integration=integration)
    # then the user sees what kind of failure it was, the log has its text (it may quote the target)
    assert ok is False
    assert "RuntimeError" in detail and "connector bug" not in detail
    assert integration.status == IntegrationStatus.ERROR
    logged = [r for r in caplog.records if getattr(r, "integration_id", None) == str(integration.pk)]
    assert any(getattr(r, "detail", "") == "connector bug" for r in logged)


def test_detail_is_redacted_even_if_a_connector_echoes_a_secret(tenant, monkeypatch):
    # given a connector that (wrongly) puts the secret in its message
    integration = create_aws(tenant)

    class Leaky:
        def test_connection(self):
            return False, f"denied for {AWS_ACCESS_KEY_ID} / {AWS_SECRET_ACCESS_KEY}"

    monkeypatch.setattr(providers, "connector_for", lambda *a, **k: Leaky())
    # when
    ok, detail = services.integration_test(integration=integration)
    # then
    assert ok is False
    assert detail == "denied for *** / ***"
    integration.refresh_from_db()
    assert AWS_SECRET_ACCESS_KEY not in integration.last_error


def test_integration_connector_builds_from_decrypted_credentials(tenant, moto_reset):
    # given
    integration = create_aws(tenant, config=aws_config(regions=["eu-west-1", "us-east-1"], endpoint_url=moto_reset))
    # when
    connector = services.integration_connector(integration=integration)
    # then
    assert connector.regions == ["eu-west-1", "us-east-1"]
    assert connector.test_connection()[0] is True
    assert AWS_SECRET_ACCESS_KEY not in repr(connector)


def test_integration_connector_of_an_uninstalled_type(tenant, without_providers):
    without_providers("postgres")
    integration = IntegrationFactory(tenant=tenant, type="postgres", config={})
    with pytest.raises(services.IntegrationUnavailableError):
        services.integration_connector(integration=integration)


def test_integrations_for_scan_and_connected_types(tenant, other_tenant, without_providers):
    without_providers("postgres")
    # given integrations of several states, types and tenants
    prod = IntegrationFactory(tenant=tenant, name="prod", status=IntegrationStatus.CONNECTED)
    failing = IntegrationFactory(tenant=tenant, name="failing", status=IntegrationStatus.ERROR)
    IntegrationFactory(tenant=tenant, name="off", status=IntegrationStatus.DISABLED)
    IntegrationFactory(tenant=tenant, name="uninstalled", type="postgres", config={})
    IntegrationFactory(tenant=other_tenant, name="theirs")
    # then
    assert list(selectors.integrations_for_scan(tenant=tenant, types=None)) == [failing, prod]
    assert list(selectors.integrations_for_scan(tenant=tenant, types=["aws"])) == [failing, prod]
    assert list(selectors.integrations_for_scan(tenant=tenant, types=["github"])) == []
    assert list(selectors.integrations_for_scan(tenant=tenant, types=[])) == []
    assert selectors.integration_types_connected(tenant=tenant) == {"aws"}
    assert selectors.integration_types_connected(tenant=TenantFactory()) == set()


def test_seed_demo_does_nothing_without_a_host_provider(tenant, without_providers):
    without_providers("host")
    services.integration_seed_demo(tenant=tenant)
    assert not Integration.objects.for_tenant(tenant).exists()


def test_seed_demo_creates_this_machine_once_a_host_provider_exists(tenant, fake_host_provider):
    # when run twice
    services.integration_seed_demo(tenant=tenant)
    services.integration_seed_demo(tenant=tenant)
    # then
    integration = Integration.objects.for_tenant(tenant).get()
    assert (integration.type, integration.name, integration.config) == ("host", "This machine", {"root": "/"})
    assert integration.has_credentials is False


def test_a_type_without_a_credentials_serializer_takes_no_credentials(tenant, fake_host_provider):
    with pytest.raises(services.IntegrationValidationError) as exc:
        services.integration_create(
            tenant=tenant, actor=None, type="host", name="box", config={"root": "/"}, credentials={"password": "x"}
        )
    assert list(exc.value.errors) == ["credentials"]


def test_seed_demo_command_creates_the_demo_host_integration(fake_host_provider):
    # when the operator seeds the demo, twice
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    # then the demo tenant has exactly one "This machine"
    assert list(Integration.objects.filter(tenant__slug="demo").values_list("name", flat=True)) == ["This machine"]
