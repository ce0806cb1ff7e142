"""End to end: Entra ID integrations created through the API and scanned against a fake tenant (a local server)."""

from __future__ import annotations

import pytest

from frameworks.models import Framework, TenantFramework
from tests.integrations.entra.support import compliant_tenant, guest_upn, noncompliant_tenant, serve

from .test_schema_and_api import create

pytestmark = pytest.mark.django_db

# The SOC 2 criteria the Entra ID checks serve (frameworks/catalogs/mappings/entra.yaml).
ENTRA_SOC2 = ("CC6.1", "CC6.2", "CC6.3", "CC6.6", "CC6.8", "CC7.2")


@pytest.fixture
def entra_scan(admin_client, httpserver, tenant, loaded_frameworks, django_capture_on_commit_callbacks):
    """Create an Entra ID integration for ``state`` through the API, scan it in-process and return SOC 2 results."""
    soc2 = Framework.objects.get(key="soc2", tenant__isnull=True)
    TenantFramework.objects.get_or_create(tenant=tenant, framework=soc2)

    def scan(state):
        serve(httpserver, state)
        assert create(admin_client, httpserver).status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            triggered = admin_client.post(
                "/api/scans/trigger", {"integration_types": ["entra"], "framework_id": str(soc2.pk)}, format="json"
            )
        assert triggered.status_code == 202, triggered.content
        job_id = triggered.json()["scan_job_id"]
        job = admin_client.get(f"/api/scans/{job_id}").json()
        results = admin_client.get(f"/api/scans/{job_id}/results?limit=200").json()["results"]
        return job, {r["control_ref"]: r for r in results}

    return scan


def test_scan_of_a_compliant_tenant_passes_its_soc2_controls(entra_scan):
    # given a compliant tenant behind an Entra ID integration
    # when an Entra-only scan runs end to end
    job, results = entra_scan(compliant_tenant())
    # then it completes and every control an Entra check serves passes
    assert job["status"] == "completed", job
    for ref in ENTRA_SOC2:
        assert results[ref]["status"] == "pass", results[ref]
    assert job["failed_controls"] == 0


def test_scan_of_a_noncompliant_tenant_fails_its_access_controls(entra_scan):
    # given the non-compliant tenant
    # when scanned
    job, results = entra_scan(noncompliant_tenant())
    # then every control an Entra check serves fails, the privilege one naming the guest holding a role
    assert job["status"] == "completed", job
    for ref in ENTRA_SOC2:
        assert results[ref]["status"] == "fail", results[ref]
    assert guest_upn("gus") in results["CC6.3"]["finding"]
    assert job["failed_controls"] >= len(ENTRA_SOC2)
