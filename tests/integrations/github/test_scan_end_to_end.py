"""End to end: GitHub integrations created through the API and scanned against a fake GitHub (a local HTTP server)."""

from __future__ import annotations

import pytest

from frameworks.models import Framework, TenantFramework
from tests.integrations.github.support import compliant_org, noncompliant_org, serve

from .test_schema_and_api import create

pytestmark = pytest.mark.django_db


@pytest.fixture
def github_scan(admin_client, httpserver, tenant, loaded_frameworks, django_capture_on_commit_callbacks):
    """Create a GitHub integration for ``state`` through the API, scan it in-process and return the SOC 2 results."""
    soc2 = Framework.objects.get(key="soc2", tenant__isnull=True)
    TenantFramework.objects.get_or_create(tenant=tenant, framework=soc2)

    def scan(state):
        serve(httpserver, state)
        assert create(admin_client, httpserver).status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            triggered = admin_client.post(
                "/api/scans/trigger", {"integration_types": ["github"], "framework_id": str(soc2.pk)}, format="json"
            )
        assert triggered.status_code == 202, triggered.content
        job_id = triggered.json()["scan_job_id"]
        job = admin_client.get(f"/api/scans/{job_id}").json()
        results = admin_client.get(f"/api/scans/{job_id}/results?limit=200").json()["results"]
        return job, {r["control_ref"]: r for r in results}

    return scan


def test_scan_of_a_compliant_organization_passes_its_soc2_controls(github_scan, httpserver):
    # given a compliant organisation behind a GitHub integration
    # when a GitHub-only scan runs end to end
    job, results = github_scan(compliant_org(httpserver.url_for("").rstrip("/")))
    # then it completes and every control a GitHub check serves passes
    assert job["status"] == "completed", job
    for ref in ("CC6.1", "CC6.3", "CC6.7", "CC7.1", "CC8.1", "CC9.2", "C1.1"):
        assert results[ref]["status"] == "pass", results[ref]
    assert job["failed_controls"] == 0


def test_scan_of_a_noncompliant_organization_fails_change_management(github_scan, httpserver):
    # given the non-compliant organisation
    # when scanned
    job, results = github_scan(noncompliant_org(httpserver.url_for("").rstrip("/")))
    # then change management fails, naming an offending repository
    assert job["status"] == "completed", job
    assert results["CC8.1"]["status"] == "fail"
    assert "acme/site" in results["CC8.1"]["finding"]
    assert job["failed_controls"] >= 6
