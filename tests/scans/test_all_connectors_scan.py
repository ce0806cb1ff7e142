"""One scan across every connector type at once: AWS (moto), GitHub (local API), a Linux host tree, PostgreSQL."""

import pytest

from frameworks.services import tenant_activate_default_frameworks
from integrations.services import integration_create
from scans.models import CheckOutcome, ScanPart
from tests.integrations.github.support import TOKEN, noncompliant_org, serve
from tests.integrations.host.support import non_compliant_host
from tests.integrations.postgres.support import PG_HOST, PG_PORT, PG_USER, requires_server

pytestmark = [pytest.mark.django_db, requires_server]


def test_one_scan_covers_every_connector(
    admin_client, aws_integration, open_ssh_group, httpserver, tmp_path, run_scan, tenant
):
    # given an integration of each type, each with something wrong
    tenant_activate_default_frameworks(tenant=tenant, keys=["nist-800-53-r5-moderate", "hipaa-security"])
    serve(httpserver, noncompliant_org(httpserver.url_for("").rstrip("/")))
    integration_create(
        tenant=tenant,
        actor=None,
        type="github",
        name="acme",
        config={"organization": "acme", "api_url": httpserver.url_for("")},
        credentials={"token": TOKEN},
    )
    non_compliant_host(tmp_path / "host")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tmp_path / "host")}, credentials={}
    )
    integration_create(
        tenant=tenant,
        actor=None,
        type="postgres",
        name="db",
        config={"host": PG_HOST, "port": PG_PORT, "dbname": "test", "user": PG_USER},
        credentials={},
    )
    # when a scan runs with no body
    job = run_scan(admin_client)
    # then one part per integration ran, each type produced outcomes and failures, and the counts add up
    assert job["status"] == "completed", job
    parts = ScanPart.objects.filter(scan_job_id=job["id"])
    assert sorted(parts.values_list("integration_type", flat=True)) == ["aws", "github", "host", "postgres"]
    assert set(parts.values_list("status", flat=True)) == {"done"}
    for prefix in ("aws.", "github.", "host.", "postgres."):
        outcomes = CheckOutcome.objects.filter(scan_job_id=job["id"], check_id__startswith=prefix)
        assert outcomes.exists(), prefix
        if prefix != "postgres.":
            assert outcomes.filter(status="fail").exists(), prefix
    assert job["total_controls"] == job["passed_controls"] + job["failed_controls"] + job["not_applicable_controls"]
    keys = {f["framework_key"] for f in job["framework_scores"]}
    assert keys == {"soc2", "iso27001-2022", "cis-aws", "nist-800-53-r5-moderate", "hipaa-security"}
