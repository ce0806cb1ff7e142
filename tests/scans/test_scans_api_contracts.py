"""Every Scans endpoint: 401 without credentials, roles enforced, another tenant's scan is a 404; and every 400."""

import pytest

from complywise.choices import Role
from frameworks.models import Framework
from scans.models import ScanJob
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id

pytestmark = pytest.mark.django_db

WRITERS = (Role.ADMIN, Role.MEMBER)


def completed_job(tenant) -> ScanJob:
    return ScanJob.objects.create(tenant=tenant, status="completed", score=50.0)


class TestHistoryContract(EndpointContract):
    def url(self, tenant):
        return "/api/scans"


class TestTrendContract(EndpointContract):
    def url(self, tenant):
        return "/api/scans/trend"


class TestDetailContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/scans/{completed_job(tenant).pk}"

    def missing_url(self):
        return f"/api/scans/{random_id()}"


class TestResultsContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/scans/{completed_job(tenant).pk}/results"

    def missing_url(self):
        return f"/api/scans/{random_id()}/results"


class TestOutcomesContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/scans/{completed_job(tenant).pk}/outcomes"

    def missing_url(self):
        return f"/api/scans/{random_id()}/outcomes"


class TestDiffContract(ObjectEndpointContract):
    def url(self, tenant):
        return f"/api/scans/{completed_job(tenant).pk}/diff"

    def missing_url(self):
        return f"/api/scans/{random_id()}/diff"


class TestCancelContract(ObjectEndpointContract):
    method = "post"
    allowed_roles = WRITERS

    def url(self, tenant):
        return f"/api/scans/{ScanJob.objects.create(tenant=tenant).pk}/cancel"

    def missing_url(self):
        return f"/api/scans/{random_id()}/cancel"


class TestTriggerContract(EndpointContract):
    method = "post"
    allowed_roles = WRITERS

    def url(self, tenant):
        from frameworks.services import tenant_activate_default_frameworks

        Framework.objects.get_or_create(key="soc2", version="t", defaults={"name": "SOC 2"})
        tenant_activate_default_frameworks(tenant=tenant, keys=["soc2"])
        return "/api/scans/trigger"


def test_malformed_scan_id_is_404(admin_client):
    assert admin_client.get("/api/scans/not-a-uuid").status_code == 404


def test_diff_against_another_tenants_scan_is_404(admin_client, tenant, other_tenant):
    mine, theirs = completed_job(tenant), completed_job(other_tenant)
    response = admin_client.get(f"/api/scans/{mine.pk}/diff?against={theirs.pk}")
    assert response.status_code == 404


@pytest.fixture
def custom_framework_of_other_tenant(other_tenant):
    return Framework.objects.create(tenant=other_tenant, key="theirs", name="Theirs", source="custom")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"integration_types": ["azure"]}, "integration_types"),
        ({"integration_types": "aws"}, "integration_types"),
        ({"integration_types": ["github"]}, "integration_types"),
        ({"integration_types": []}, "integration_types"),
        ({"framework_id": "not-a-uuid"}, "framework_id"),
        ({"framework_id": random_id()}, "framework_id"),
    ],
)
def test_trigger_rejects_bad_bodies_with_field_errors(admin_client, aws_integration, body, field):
    # when
    response = admin_client.post("/api/scans/trigger", body, format="json")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ScanJob.objects.exists()


def test_trigger_rejects_inactive_and_foreign_frameworks(
    admin_client, aws_integration, custom_framework_of_other_tenant
):
    inactive = Framework.objects.get(key="nist-800-53-r5-moderate")
    for framework in (inactive, custom_framework_of_other_tenant):
        response = admin_client.post("/api/scans/trigger", {"framework_id": str(framework.pk)}, format="json")
        assert response.status_code == 400
        assert "framework_id" in response.json()


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"aws"'])
def test_trigger_rejects_malformed_json(admin_client, aws_integration, raw):
    response = admin_client.generic("POST", "/api/scans/trigger", raw, content_type="application/json")
    assert response.status_code == 400


def test_history_query_count_is_constant(admin_client, tenant, django_assert_max_num_queries):
    # given many scans
    for _ in range(30):
        completed_job(tenant)
    # and the token already known from this address (its first use from a new one is audited, once)
    admin_client.get("/api/scans?limit=1")
    # then a page costs the same few queries whatever its size
    with django_assert_max_num_queries(8):
        assert len(admin_client.get("/api/scans?limit=30").json()["results"]) == 30
