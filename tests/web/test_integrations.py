"""Integrations pages (admins): add per type, edit, write-only credentials, test connection, delete."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations import crypto
from integrations.models import Integration
from scans.models import ScanPart
from tests.factories import TenantFactory
from tests.integrations.factories import AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, IntegrationFactory
from tests.web.factories import scan_job

pytestmark = pytest.mark.django_db

NEW = "/integrations/new/"


def aws_form(**overrides):
    return {
        "type": "aws",
        "name": "production",
        "config": json.dumps({"regions": ["us-east-1"]}),
        "credential_access_key_id": AWS_ACCESS_KEY_ID,
        "credential_secret_access_key": AWS_SECRET_ACCESS_KEY,
        **overrides,
    }


def test_choose_a_type_then_get_the_form_of_that_type(admin_web):
    # when
    chooser = admin_web.get(NEW).content.decode()
    aws = admin_web.get(NEW, {"type": "aws"}).content.decode()
    bogus = admin_web.get(NEW, {"type": "mainframe"}).content.decode()
    # then
    assert "Amazon Web Services" in chooser and "PostgreSQL" in chooser
    assert 'name="credential_secret_access_key"' in aws and 'type="password"' in aws
    assert "regions" in aws and "us-east-1" in aws  # the schema's keys and a placeholder example
    assert "Select a valid choice" in bogus


def test_a_multi_line_secret_gets_a_text_area_that_never_shows_it_again(admin_web):
    # given an Okta form posted with a bad org URL and a private key
    form = admin_web.post(
        NEW,
        {
            "type": "okta",
            "name": "okta",
            "config": '{"org_url": "ftp://acme.okta.com"}',
            "credential_client_id": "0oa1234567890abcdefg",
            "credential_private_key": "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----",
        },
    ).content.decode()
    # then the key is typed in a text area (a PEM spans lines), the API token in a password input, and the
    # re-displayed form holds nothing of the key
    assert re.search(r'<textarea[^>]*name="credential_private_key"', form)
    assert 'name="credential_api_token"' in form and 'type="password"' in form
    assert "not-a-real-key" not in form


def test_add_an_aws_integration_encrypts_its_credentials(admin_web, tenant):
    # when
    response = admin_web.post(NEW, aws_form())
    # then
    assert response.status_code == 302 and response["Location"] == "/integrations/"
    integration = Integration.objects.get(tenant=tenant, name="production")
    assert integration.config["regions"] == ["us-east-1"]
    assert crypto.decrypt_json(integration.credentials_encrypted)["secret_access_key"] == AWS_SECRET_ACCESS_KEY
    listing = admin_web.get("/integrations/").content.decode()
    assert "production" in listing and "access key …MPLE" in listing
    assert AWS_SECRET_ACCESS_KEY not in listing


def test_invalid_input_is_shown_on_the_fields_and_never_echoes_a_secret(admin_web):
    # when the config has a bad region and the key id is malformed
    response = admin_web.post(
        NEW,
        aws_form(config=json.dumps({"regions": ["atlantis-1"]}), credential_access_key_id="lowercase-is-wrong"),
    )
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "regions: 0: " in page and "is not an AWS region name" in page
    assert "Must be an AWS access key id" in page
    assert AWS_SECRET_ACCESS_KEY not in page
    assert "lowercase-is-wrong" not in page
    assert not Integration.objects.exists()


def test_config_must_be_a_json_object(admin_web):
    bad_json = admin_web.post(NEW, aws_form(config="{regions: [us-east-1]"))
    not_object = admin_web.post(NEW, aws_form(config="[1, 2]"))
    assert bad_json.status_code == 400 and "Not valid JSON" in bad_json.content.decode()
    assert not_object.status_code == 400 and "Must be a JSON object" in not_object.content.decode()


def test_add_a_host_integration_needs_no_credentials(admin_web, tenant):
    page = admin_web.get(NEW, {"type": "host"}).content.decode()
    assert "This type needs no credentials." in page
    response = admin_web.post(NEW, {"type": "host", "name": "this box", "config": '{"root": "/"}'})
    assert response.status_code == 302
    assert Integration.objects.get(tenant=tenant).type == "host"


def test_duplicate_name_is_a_field_error(admin_web, tenant):
    IntegrationFactory(tenant=tenant, name="production")
    response = admin_web.post(NEW, aws_form())
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_edit_keeps_credentials_when_left_empty_and_never_shows_them(admin_web, tenant):
    # given
    integration = IntegrationFactory(tenant=tenant, name="prod")
    stored = integration.credentials_encrypted
    url = f"/integrations/{integration.pk}/edit/"
    page = admin_web.get(url).content.decode()
    assert AWS_SECRET_ACCESS_KEY not in page and AWS_ACCESS_KEY_ID not in page
    assert "Leave empty to keep the stored value." in page
    # when the name and config change, the credential inputs left empty, and it is disabled
    response = admin_web.post(url, {"name": "prod-eu", "config": json.dumps({"regions": ["eu-west-1"]}), "enabled": ""})
    # then
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "prod-eu"
    assert integration.config["regions"] == ["eu-west-1"]
    assert integration.credentials_encrypted == stored
    assert integration.status == "disabled"


def test_edit_replaces_credentials_when_given(admin_web, tenant):
    integration = IntegrationFactory(tenant=tenant, name="prod")
    response = admin_web.post(
        f"/integrations/{integration.pk}/edit/",
        {
            "name": "prod",
            "config": json.dumps(integration.config),
            "enabled": "on",
            "credential_access_key_id": "AKIANEWKEY0000000000",
            "credential_secret_access_key": "a-brand-new-secret-access-key-000000",
        },
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    assert crypto.decrypt_json(integration.credentials_encrypted)["access_key_id"] == "AKIANEWKEY0000000000"
    assert integration.credentials_hint == "access key …0000"


def test_test_connection_shows_the_result(admin_web, aws_integration):
    # when (a moto account answers)
    response = admin_web.post(f"/integrations/{aws_integration.pk}/test/", follow=True)
    # then
    aws_integration.refresh_from_db()
    assert aws_integration.status == "connected"
    assert "connection OK" in response.content.decode()


def test_failed_connection_test_shows_the_reason(admin_web, tenant):
    # given an integration pointing at nothing
    integration = IntegrationFactory(
        tenant=tenant, config={"regions": ["us-east-1"], "endpoint_url": "http://127.0.0.1:9"}
    )
    # when
    response = admin_web.post(f"/integrations/{integration.pk}/test/", follow=True)
    # then
    integration.refresh_from_db()
    assert integration.status == "error"
    page = response.content.decode()
    assert "connection failed" in page
    assert AWS_SECRET_ACCESS_KEY not in page


def test_connection_test_at_the_tenants_cap_says_so_instead_of_failing(admin_web, tenant, settings):
    # given the tenant's only connection-test slot held by a test still running elsewhere
    from django.core.cache import cache

    from integrations.services import _test_slot_acquire

    settings.INTEGRATION_TEST_CONCURRENCY = 1
    cache.clear()
    integration = IntegrationFactory(tenant=tenant)
    assert _test_slot_acquire(tenant_id=tenant.pk) is not None
    # when
    response = admin_web.post(f"/integrations/{integration.pk}/test/", follow=True)
    # then the page answers and explains; the integration is untouched
    assert response.status_code == 200
    assert "Too many connection tests" in response.content.decode()
    integration.refresh_from_db()
    assert integration.last_tested_at is None
    cache.clear()


def test_delete(admin_web, tenant):
    integration = IntegrationFactory(tenant=tenant)
    response = admin_web.post(f"/integrations/{integration.pk}/delete/")
    assert response.status_code == 302
    assert not Integration.objects.exists()


def _part(tenant, integration, *, status: str, minutes_ago: int, **fields) -> ScanPart:
    finished = timezone.now() - timedelta(minutes=minutes_ago)
    job = scan_job(tenant, created_at=finished - timedelta(minutes=1))
    return ScanPart.objects.create(
        tenant=tenant,
        scan_job=job,
        integration=integration,
        integration_type=integration.type,
        integration_name=integration.name,
        status=status,
        completed_at=finished if status in ("done", "failed") else None,
        **fields,
    )


def _row(page: str, name: str) -> str:
    start = page.index(f"<strong>{name}</strong>")
    return page[start : page.index("</tr>", start)]


def test_each_integration_shows_how_its_latest_scan_went(admin_web, tenant, django_assert_num_queries):
    # given one integration that collected yesterday and failed an hour ago, one still collecting for the first time,
    # one never scanned, and another tenant's integration of the same name scanned a minute ago
    failing = IntegrationFactory(tenant=tenant, name="production")
    _part(tenant, failing, status="done", minutes_ago=24 * 60, outcome_count=120)
    latest = _part(tenant, failing, status="failed", minutes_ago=60, error="AccessDenied: sts:AssumeRole refused")
    healthy = IntegrationFactory(tenant=tenant, name="staging")
    done = _part(tenant, healthy, status="done", minutes_ago=30, outcome_count=1)
    _part(tenant, healthy, status="running", minutes_ago=0)
    IntegrationFactory(tenant=tenant, name="never")
    other = TenantFactory()
    _part(other, IntegrationFactory(tenant=other, name="production"), status="done", minutes_ago=1, outcome_count=7)

    # when an admin opens the integrations
    page = admin_web.get("/integrations/").content.decode()

    # then each shows its latest finished scan: failed with the reason, collected with its outcomes, or none
    failed_row = _row(page, "production")
    assert "badge-collection-failed" in failed_row and "AccessDenied: sts:AssumeRole refused" in failed_row
    assert f'href="/scans/{latest.scan_job_id}/"' in failed_row and "120 outcomes" not in failed_row
    healthy_row = _row(page, "staging")
    assert "badge-collected" in healthy_row and "1 outcome<" in healthy_row
    assert f'href="/scans/{done.scan_job_id}/"' in healthy_row
    assert "not scanned yet" in _row(page, "never")
    # and nothing of the other tenant's scans
    assert "7 outcomes" not in page
    # and the page costs the same queries for three integrations as for six
    with CaptureQueriesContext(connection) as three:
        admin_web.get("/integrations/")
    for n in range(3):
        extra = IntegrationFactory(tenant=tenant, name=f"extra-{n}")
        _part(tenant, extra, status="done", minutes_ago=5, outcome_count=n)
    with django_assert_num_queries(len(three)):
        admin_web.get("/integrations/")
