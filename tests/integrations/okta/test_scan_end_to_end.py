"""End to end: Okta integrations created through the API and scanned against a fake Okta (a local HTTP server)."""

from __future__ import annotations

import pytest

from frameworks.models import Framework, TenantFramework
from tests.integrations.okta.support import base_url, compliant_org, noncompliant_org, serve

from .test_schema_and_api import create

pytestmark = pytest.mark.django_db

# The SOC 2 criteria the Okta checks serve (frameworks/catalogs/mappings/okta.yaml).
OKTA_SOC2 = ("CC6.1", "CC6.2", "CC6.3", "CC6.5", "CC6.6", "CC7.2")


@pytest.fixture
def okta_scan(admin_client, httpserver, tenant, loaded_frameworks, django_capture_on_commit_callbacks):
    """Create an Okta integration for ``state`` through the API, scan it in-process and return the SOC 2 results."""
    soc2 = Framework.objects.get(key="soc2", tenant__isnull=True)
    TenantFramework.objects.get_or_create(tenant=tenant, framework=soc2)

    def scan(state):
        serve(httpserver, state)
        assert create(admin_client, httpserver).status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            triggered = admin_client.post(
                "/api/scans/trigger", {"integration_types": ["okta"], "framework_id": str(soc2.pk)}, format="json"
            )
        assert triggered.status_code == 202, triggered.content
        job_id = triggered.json()["scan_job_id"]
        job = admin_client.get(f"/api/scans/{job_id}").json()
        results = admin_client.get(f"/api/scans/{job_id}/results?limit=200").json()["results"]
        return job, {r["control_ref"]: r for r in results}

    return scan


def test_scan_of_a_compliant_org_passes_its_soc2_controls(okta_scan, httpserver):
    # given a compliant org behind an Okta integration
    # when an Okta-only scan runs end to end
    job, results = okta_scan(compliant_org(base_url(httpserver)))
    # then it completes and every control an Okta check serves passes
    assert job["status"] == "completed", job
    for ref in OKTA_SOC2:
        assert results[ref]["status"] == "pass", results[ref]
    assert job["failed_controls"] == 0


def test_scan_of_a_noncompliant_org_fails_its_access_controls(okta_scan, httpserver):
    # given the non-compliant org
    # when scanned
    job, results = okta_scan(noncompliant_org(base_url(httpserver)))
    # then every control an Okta check serves fails, the termination one naming the leaver
    assert job["status"] == "completed", job
    for ref in OKTA_SOC2:
        assert results[ref]["status"] == "fail", results[ref]
    assert "dave@acme.example" in results["CC6.5"]["finding"]
    assert job["failed_controls"] >= len(OKTA_SOC2)
