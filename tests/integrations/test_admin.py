import json

import pytest

from complywise.models import AuditEvent
from integrations import crypto
from integrations.choices import IntegrationStatus
from integrations.models import Integration
from tests.complywise.accounts_support import verified_login
from tests.factories import UserFactory
from tests.ports import closed_port

from .factories import AWS_ACCESS_KEY_ID, AWS_CREDENTIALS, AWS_SECRET_ACCESS_KEY, IntegrationFactory, aws_config

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/integrations/integration/"
NEW_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"


@pytest.fixture
def superuser_client(client):
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def change_url(integration):
    return f"{LIST_URL}{integration.pk}/change/"


def assert_no_secret(html: str, *secrets: str):
    for secret in (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, *secrets):
        assert secret not in html
    assert "credentials_encrypted" not in html


def test_list_and_change_pages_never_show_credentials(superuser_client, tenant):
    # given
    integration = IntegrationFactory(tenant=tenant, name="prod")
    # when
    listing = superuser_client.get(LIST_URL)
    change = superuser_client.get(change_url(integration))
    # then
    assert listing.status_code == 200 and "prod" in listing.content.decode()
    assert change.status_code == 200
    assert_no_secret(listing.content.decode())
    assert_no_secret(change.content.decode())
    assert 'name="new_credentials"' in change.content.decode()
    assert integration.credentials_encrypted not in change.content.decode()
    assert "access key …MPLE" in change.content.decode()


def test_add_goes_through_the_service(superuser_client, tenant):
    # when an integration is added in the admin
    response = superuser_client.post(
        f"{LIST_URL}add/",
        {
            "tenant": tenant.pk,
            "type": "aws",
            "name": "from-admin",
            "config": json.dumps({"regions": ["eu-west-1"]}),
            "new_credentials": json.dumps(AWS_CREDENTIALS),
        },
    )
    # then it is validated, normalised, encrypted and audited
    assert response.status_code == 302, response.content.decode()[:3000]
    integration = Integration.objects.get(name="from-admin")
    assert integration.config == aws_config(regions=["eu-west-1"])
    assert crypto.decrypt_json(integration.credentials_encrypted)["secret_access_key"] == AWS_SECRET_ACCESS_KEY
    assert AuditEvent.objects.filter(action="integration.created", target_id=str(integration.pk)).exists()


def test_change_with_bad_input_shows_errors_without_echoing_the_secret(superuser_client, tenant):
    # given
    integration = IntegrationFactory(tenant=tenant, name="prod")
    # when the submitted credentials are incomplete and a region is wrong
    response = superuser_client.post(
        change_url(integration),
        {
            "name": "prod",
            "config": json.dumps({"regions": ["moon-1"]}),
            "new_credentials": json.dumps({"access_key_id": "AKIAI44QH8DHBEXAMPLE", "secret_access_key": "x"}),
        },
    )
    # then the form comes back with errors, and without the typed secret
    html = response.content.decode()
    assert response.status_code == 200
    assert "moon-1" in html and "secret_access_key" in html
    assert "AKIAI44QH8DHBEXAMPLE" not in html
    integration.refresh_from_db()
    assert integration.config == aws_config()


def test_change_replaces_credentials_and_config(superuser_client, tenant):
    # given
    integration = IntegrationFactory(tenant=tenant, name="prod", config=aws_config(endpoint_url="http://127.0.0.1:9"))
    new = {"access_key_id": "AKIAI44QH8DHBEXAMPLE", "secret_access_key": NEW_SECRET}
    # when the admin drops endpoint_url from the config and enters new credentials
    response = superuser_client.post(
        change_url(integration),
        {"name": "prod", "config": json.dumps({"regions": ["us-west-2"]}), "new_credentials": json.dumps(new)},
    )
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    integration.refresh_from_db()
    assert integration.config == aws_config(regions=["us-west-2"])
    assert crypto.decrypt_json(integration.credentials_encrypted)["secret_access_key"] == NEW_SECRET
    assert_no_secret(superuser_client.get(change_url(integration)).content.decode(), NEW_SECRET)


def test_change_without_new_credentials_keeps_them(superuser_client, tenant):
    integration = IntegrationFactory(tenant=tenant, name="prod")
    stored = integration.credentials_encrypted
    response = superuser_client.post(
        change_url(integration),
        {"name": "renamed", "config": json.dumps(integration.config), "new_credentials": ""},
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    assert (integration.name, integration.credentials_encrypted) == ("renamed", stored)


def test_test_connection_action(superuser_client, tenant):
    # given an integration whose endpoint is unreachable
    integration = IntegrationFactory(tenant=tenant, config=aws_config(endpoint_url=f"http://127.0.0.1:{closed_port()}"))
    # when the admin action runs
    response = superuser_client.post(
        LIST_URL, {"action": "test_connection", "_selected_action": [integration.pk]}, follow=True
    )
    # then the outcome is shown and recorded
    html = response.content.decode()
    assert "could not reach the AWS endpoint" in html
    assert_no_secret(html)
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.ERROR


def test_delete_goes_through_the_service(superuser_client, tenant):
    integration = IntegrationFactory(tenant=tenant)
    response = superuser_client.post(f"{LIST_URL}{integration.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Integration.objects.filter(pk=integration.pk).exists()
    assert AuditEvent.objects.filter(action="integration.deleted").exists()


def test_invalid_json_credentials_are_not_echoed_back(superuser_client, tenant):
    # given
    integration = IntegrationFactory(tenant=tenant, name="prod")
    # when the typed credentials are not valid JSON
    response = superuser_client.post(
        change_url(integration),
        {"name": "prod", "config": json.dumps(integration.config), "new_credentials": f"{{'{NEW_SECRET}'"},
    )
    # then the form shows an error without the typed text
    assert response.status_code == 200
    assert "Enter a valid JSON" in response.content.decode()
    assert_no_secret(response.content.decode(), NEW_SECRET)
