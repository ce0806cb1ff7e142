"""Bad input is a 4xx with a JSON body naming what is wrong, never a server error."""

import pytest
from django.test import Client

from complywise.choices import Role
from evidence.models import EvidenceExport
from frameworks.models import Framework
from scans.models import ScanJob, ScanResult, ScanSchedule
from tests.factories import MembershipFactory
from tests.frameworks.factories import (
    ControlFactory,
    CustomFrameworkFactory,
    FrameworkFactory,
    TenantFrameworkFactory,
)

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


# --- bodies ----------------------------------------------------------------------------------------------


def test_json_nested_100000_levels_is_a_400(admin_client):
    # when a body nests deeper than Python can recurse
    response = admin_client.generic("POST", "/api/scans/trigger", "[" * 100_000, content_type="application/json")
    # then
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


def test_json_nested_past_the_depth_limit_is_a_400_even_when_python_could_parse_it(admin_client):
    # given an object nested 100 levels: well within Python's recursion limit
    body = '{"name": ' * 100 + '"x"' + "}" * 100
    # when
    response = admin_client.generic("POST", "/api/frameworks", body, content_type="application/json")
    # then
    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.json()["detail"]
    assert not Framework.objects.exists()


def test_a_10_mb_json_body_is_a_json_413(admin_client, settings):
    # given the default 5 MiB body limit
    body = '{"name": "' + "x" * (10 * MIB) + '"}'
    # when
    response = admin_client.generic("POST", "/api/frameworks", body, content_type="application/json")
    # then
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": f"The request body is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    }


def test_a_10_mb_form_body_is_a_json_413(admin_client):
    # when
    response = admin_client.generic(
        "POST", "/api/frameworks", "name=" + "x" * (10 * MIB), content_type="application/x-www-form-urlencoded"
    )
    # then
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_a_10_mb_multipart_text_field_is_a_json_413(admin_client):
    # when a multipart body carries a huge text field (files have their own caps, text fields Django's)
    response = admin_client.post("/api/frameworks", {"key": "big", "name": "x" * (10 * MIB)}, format="multipart")
    # then
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_too_many_form_fields_is_a_json_400(admin_client, settings):
    # given
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{n}=1" for n in range(20))
    # when
    response = admin_client.generic("POST", "/api/frameworks", body, content_type="application/x-www-form-urlencoded")
    # then
    assert response.status_code == 400
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]


# --- schedules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"interval_minutes": 2**31}, "Ensure this value is less than or equal to 525600."),
        ({"interval_minutes": 1}, "Ensure this value is greater than or equal to 5."),
        ({"cron": "0 0 31 2 *"}, "This cron expression never fires (it names a date that does not exist)."),
        ({"cron": "0 3 * * * *"}, "Not a valid cron expression: give exactly five fields"),
        ({"cron": "@daily"}, "Not a valid cron expression: give exactly five fields"),
        ({"cron": "61 * * * *"}, "Not a valid cron expression (five fields"),
    ],
)
def test_schedule_bounds_are_400s_naming_the_field(admin_client, body, message):
    # when
    response = admin_client.post("/api/scan-schedules", {"name": "s", **body}, format="json")
    # then
    assert response.status_code == 400, response.content
    field = next(iter(body))
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(message)
    assert not ScanSchedule.objects.exists()


def test_schedule_update_is_bounded_too(admin_client, tenant):
    # given
    schedule = ScanSchedule.objects.create(tenant=tenant, name="nightly", interval_minutes=60)
    url = f"/api/scan-schedules/{schedule.pk}"
    # when
    huge = admin_client.patch(url, {"interval_minutes": 2**31}, format="json")
    never = admin_client.patch(url, {"cron": "0 0 30 2 *"}, format="json")
    # then
    assert huge.status_code == 400 and list(huge.json()) == ["interval_minutes"]
    assert never.status_code == 400 and list(never.json()) == ["cron"]
    schedule.refresh_from_db()
    assert (schedule.interval_minutes, schedule.cron) == (60, "")


def test_schedule_limits_are_accepted(admin_client):
    # when
    shortest = admin_client.post("/api/scan-schedules", {"name": "a", "interval_minutes": 5}, format="json")
    longest = admin_client.post("/api/scan-schedules", {"name": "b", "interval_minutes": 525_600}, format="json")
    leap_day = admin_client.post("/api/scan-schedules", {"name": "c", "cron": "0 0 29 2 *"}, format="json")
    # then
    assert (shortest.status_code, longest.status_code, leap_day.status_code) == (201, 201, 201)


def _settings_page_client(tenant) -> Client:
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=Role.ADMIN).user)
    return client


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"interval_minutes": str(2**31)}, "At most 525600 minutes"),
        ({"cron": "0 0 31 2 *"}, "This cron expression never fires"),
        ({"cron": "0 3 * * * *"}, "give exactly five fields"),
    ],
)
def test_the_settings_page_applies_the_same_schedule_rules(tenant, form, message):
    # when the schedule form is posted with what the API refuses
    response = _settings_page_client(tenant).post("/settings/schedules/", {"name": "s", **form})
    # then the page answers with the form error, not a server error
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScanSchedule.objects.exists()


# --- framework_id: a UUID or a key ----------------------------------------------------------------------------


@pytest.fixture
def soc2(tenant):
    framework = FrameworkFactory(key="soc2", version="2017")
    TenantFrameworkFactory(tenant=tenant, framework=framework)
    return framework


def test_trigger_takes_a_framework_key(admin_client, soc2):
    # when
    response = admin_client.post("/api/scans/trigger", {"framework_id": "soc2"}, format="json")
    # then
    assert response.status_code == 202, response.content
    assert ScanJob.objects.get(pk=response.json()["scan_job_id"]).framework == soc2


def test_trigger_with_an_unknown_or_foreign_key_is_a_400_naming_framework_id(admin_client, soc2, other_tenant):
    # given another tenant's custom framework
    CustomFrameworkFactory(tenant=other_tenant, key="theirs")
    # when
    unknown = admin_client.post("/api/scans/trigger", {"framework_id": "nope"}, format="json")
    foreign = admin_client.post("/api/scans/trigger", {"framework_id": "theirs"}, format="json")
    # then both answer the same
    assert unknown.status_code == foreign.status_code == 400
    assert unknown.json() == foreign.json() == {"framework_id": ["No such framework (give its id or its key)."]}
    assert not ScanJob.objects.exists()


def test_results_filter_by_framework_key(admin_client, tenant, soc2):
    # given a completed scan with a result in soc2 and one in another framework
    job = ScanJob.objects.create(tenant=tenant, status="completed")
    other = FrameworkFactory(key="other")
    for framework in (soc2, other):
        ScanResult.objects.create(
            tenant=tenant, scan_job=job, framework=framework, control=ControlFactory(framework=framework), status="pass"
        )
    # when
    by_key = admin_client.get(f"/api/scans/{job.pk}/results?framework_id=soc2")
    by_id = admin_client.get(f"/api/scans/{job.pk}/results?framework_id={soc2.pk}")
    unknown = admin_client.get(f"/api/scans/{job.pk}/results?framework_id=nope")
    # then
    assert [r["framework_key"] for r in by_key.json()["results"]] == ["soc2"]
    assert by_id.json()["results"] == by_key.json()["results"]
    assert unknown.status_code == 400 and list(unknown.json()) == ["framework_id"]


def test_export_takes_a_framework_key(admin_client, tenant, soc2):
    # when
    accepted = admin_client.post("/api/evidence/export", {"framework_id": "soc2"}, format="json")
    unknown = admin_client.post("/api/evidence/export", {"framework_id": "nope"}, format="json")
    # then
    assert accepted.status_code == 202, accepted.content
    assert EvidenceExport.objects.get(pk=accepted.json()["id"]).framework == soc2
    assert unknown.status_code == 400 and list(unknown.json()) == ["framework_id"]


# --- NUL bytes (PostgreSQL refuses them in text) -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/frameworks?search=a%00b",
        "/api/checks?search=a%00b",
        "/api/evidence?type=%00",
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400(admin_client, url):
    # when
    response = admin_client.get(url)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [url.split("?")[1].split("=")[0]]


def test_a_nul_in_a_free_text_query_parameter_the_view_reads_itself_is_a_400(admin_client, tenant):
    # given a scan
    job = ScanJob.objects.create(tenant=tenant, status="completed")
    # when
    response = admin_client.get(f"/api/scans/{job.pk}/results?status=fail%00")
    # then
    assert response.status_code == 400
    assert response.json() == {"status": ["Null characters are not allowed."]}


def test_a_nul_in_the_framework_page_search_finds_nothing(tenant):
    # given a framework with a control
    control = ControlFactory(framework=FrameworkFactory(), title="Access recertification")
    # when the page is searched with a NUL in the text
    response = _settings_page_client(tenant).get(f"/frameworks/{control.framework_id}/?q=Access%00")
    # then the page answers, with no control
    assert response.status_code == 200
    assert "Access recertification" not in response.content.decode()


# --- reserved framework keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["iso27001-2022", "ISO27001-2022", "soc2", "nist-800-53-r5-moderate"])
def test_a_custom_framework_may_not_take_a_shipped_key(admin_client, key):
    # when (no catalog loaded: the shipped files alone reserve their keys)
    response = admin_client.post("/api/frameworks", {"key": key, "name": "Mine"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"key": [f"'{key}' is reserved for a shipped or imported framework; choose another."]}


def test_a_custom_framework_may_not_take_an_imported_key_nor_be_renamed_to_one(admin_client, tenant):
    # given a global framework imported from OSCAL, and a custom framework
    FrameworkFactory(key="fedramp-moderate", source="oscal")
    custom = CustomFrameworkFactory(tenant=tenant, key="internal", version="")
    # when
    created = admin_client.post("/api/frameworks", {"key": "fedramp-moderate", "name": "Mine"}, format="json")
    renamed = admin_client.patch(f"/api/frameworks/{custom.pk}", {"key": "cis-aws"}, format="json")
    # then
    assert created.status_code == renamed.status_code == 400
    assert list(created.json()) == list(renamed.json()) == ["key"]
    custom.refresh_from_db()
    assert custom.key == "internal"


# --- the schema is public -----------------------------------------------------------------------------------


def test_the_schema_and_its_docs_are_public(api_client):
    # when fetched with no credentials
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api_client.get("/api/docs/")
    # then both answer: the schema describes operations, never a tenant's data
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "ComplyWise API"
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    # and the API itself still needs a credential
    assert api_client.get("/api/frameworks").status_code == 401
