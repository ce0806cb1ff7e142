import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frameworks.models import Control, ControlCheck, Framework
from integrations.registry import all_checks
from tests.contracts import EndpointContract

pytestmark = pytest.mark.django_db

CHECK_FIELDS = {
    "id",
    "integration_type",
    "title",
    "severity",
    "service",
    "resource_type",
    "rationale",
    "remediation",
    "control_count",
    "equivalents",
}


class TestCheckListContract(EndpointContract):
    def url(self, tenant):
        return "/api/checks"


class TestCheckDetailContract(EndpointContract):
    def url(self, tenant):
        return f"/api/checks/{all_checks('aws')[0].id}"


def map_check(check_id, *, tenant=None, refs=("1",)):
    framework = Framework.objects.create(tenant=tenant, key=f"fw-{Framework.objects.count()}", name="F", version="1")
    for ref in refs:
        ControlCheck.objects.create(
            control=Control.objects.create(framework=framework, ref=ref, title=ref), check_id=check_id
        )


def test_lists_the_aws_checks(client_for, tenant):
    # when any role asks for the AWS checks
    response = client_for(tenant, "auditor").get("/api/checks?integration_type=aws&limit=1000")
    # then at least the 40 AWS checks are there, with every documented field
    assert response.status_code == 200
    results = response.json()["results"]
    assert response.json()["count"] == len(results) >= 40
    assert {r["integration_type"] for r in results} == {"aws"}
    assert set(results[0]) == CHECK_FIELDS
    assert [r["id"] for r in results] == sorted(r["id"] for r in results)
    assert all(r["title"] and r["rationale"] and r["remediation"] for r in results)


def test_filters(admin_client):
    # given the registry's own view of the AWS checks
    checks = all_checks("aws")
    iam = [c.id for c in checks if c.service == "iam"]
    critical = [c.id for c in checks if c.severity == "critical"]

    # when / then
    def ids(url):
        return [r["id"] for r in admin_client.get(url).json()["results"]]

    assert ids("/api/checks?integration_type=aws&service=iam&limit=1000") == iam
    assert ids("/api/checks?integration_type=aws&severity=critical&limit=1000") == critical
    assert ids("/api/checks?integration_type=aws&limit=1000") == [c.id for c in checks]
    assert ids("/api/checks?integration_type=aws&search=ROOT&limit=1000") == [
        c.id
        for c in checks
        if any("root" in t.lower() for t in (c.id, c.title, c.service, c.resource_type, c.rationale))
    ]
    assert ids("/api/checks?search=root") != []


@pytest.mark.parametrize("query", ["severity=urgent", "integration_type=gcp", "limit=-1"])
def test_bad_filters_are_400_or_ignored_never_500(admin_client, query):
    response = admin_client.get(f"/api/checks?{query}")
    assert response.status_code in (200, 400)
    if "limit" not in query:
        assert response.status_code == 400
        assert list(response.json()) == [query.split("=")[0]]


def test_pagination(admin_client):
    total = len(all_checks())
    page = admin_client.get("/api/checks?limit=5&offset=5").json()
    assert page["count"] == total
    assert len(page["results"]) == 5
    assert page["next"] and page["previous"]


def test_control_count_counts_controls_the_tenant_sees(admin_client, tenant, other_tenant):
    # given a check mapped to two global controls, one of this tenant's custom controls and one of another tenant's
    check_id = all_checks("aws")[0].id
    map_check(check_id, refs=("1.1", "1.2"))
    map_check(check_id, tenant=tenant)
    map_check(check_id, tenant=other_tenant)
    # when
    listed = admin_client.get(f"/api/checks?search={check_id}").json()["results"]
    detail = admin_client.get(f"/api/checks/{check_id}").json()
    # then
    assert {r["id"]: r["control_count"] for r in listed}[check_id] == 3
    assert detail["control_count"] == 3
    assert set(detail) == CHECK_FIELDS


def test_control_counts_take_one_query_whatever_the_page_size(admin_client):
    # given every AWS check mapped to a control
    for check in all_checks("aws"):
        map_check(check.id)
    admin_client.get("/api/checks")  # the first request of a token also records its last use
    counts = []
    # when pages of different sizes are read
    for limit in (1, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(f"/api/checks?integration_type=aws&limit={limit}")
        assert all(r["control_count"] == 1 for r in response.json()["results"])
        counts.append(len(ctx.captured_queries))
    # then
    assert counts[0] == counts[1]


def test_unknown_check_is_404(admin_client):
    assert admin_client.get("/api/checks/aws.nope.missing").status_code == 404
