"""End to end: Google Workspace integrations created through the API and scanned against a fake Google."""

from __future__ import annotations

import pytest

from frameworks.models import Framework, TenantFramework
from tests.integrations.google_workspace.support import compliant_workspace, noncompliant_workspace, serve

from .test_schema_and_api import create

pytestmark = pytest.mark.django_db

# The SOC 2 criteria the Google Workspace checks serve (frameworks/catalogs/mappings/google_workspace.yaml).
WORKSPACE_SOC2 = ("CC6.2", "CC6.3", "CC6.6", "CC6.7", "CC6.8")


@pytest.fixture
def workspace_scan(admin_client, httpserver, tenant, loaded_frameworks, django_capture_on_commit_callbacks):
    """Create an integration for ``state`` through the API, scan it in-process and return the SOC 2 results."""
    soc2 = Framework.objects.get(key="soc2", tenant__isnull=True)
    TenantFramework.objects.get_or_create(tenant=tenant, framework=soc2)

    def scan(state):
        serve(httpserver, state)
        assert (
            create(
                admin_client, httpserver, trusted_clients=["1122334455-backup.apps.googleusercontent.com"]
            ).status_code
            == 201
        )
        with django_capture_on_commit_callbacks(execute=True):
            triggered = admin_client.post(
                "/api/scans/trigger",
                {"integration_types": ["google_workspace"], "framework_id": str(soc2.pk)},
                format="json",
            )
        assert triggered.status_code == 202, triggered.content
        job_id = triggered.json()["scan_job_id"]
        job = admin_client.get(f"/api/scans/{job_id}").json()
        results = admin_client.get(f"/api/scans/{job_id}/results?limit=200").json()["results"]
        return job, {r["control_ref"]: r for r in results}

    return scan


def test_scan_of_a_compliant_account_passes_its_soc2_controls(workspace_scan):
    # given a compliant account behind a Google Workspace integration
    # when a Workspace-only scan runs end to end
    job, results = workspace_scan(compliant_workspace())
    # then it completes and every control a Workspace check serves passes
    assert job["status"] == "completed", job
    for ref in WORKSPACE_SOC2:
        assert results[ref]["status"] == "pass", results[ref]
    assert job["failed_controls"] == 0


def test_scan_of_a_noncompliant_account_fails_its_access_controls(workspace_scan):
    # given the non-compliant account
    # when scanned
    job, results = workspace_scan(noncompliant_workspace())
    # then every control a Workspace check serves fails, the lifecycle one naming the leaver
    assert job["status"] == "completed", job
    for ref in WORKSPACE_SOC2:
        assert results[ref]["status"] == "fail", results[ref]
    assert "frank@acme.example" in results["CC6.2"]["finding"]
    assert job["failed_controls"] >= len(WORKSPACE_SOC2)
