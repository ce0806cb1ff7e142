"""A GitHub integration created and tested through the API, against a fake GitHub."""

from __future__ import annotations

import pytest

from integrations.choices import IntegrationStatus
from integrations.models import Integration
from tests.integrations.github.support import TOKEN, api_error, compliant_org, noncompliant_org, serve

pytestmark = pytest.mark.django_db


def create(admin_client, httpserver, **config):
    body = {
        "type": "github",
        "name": "acme-github",
        "config": {"organization": "acme", "api_url": httpserver.url_for(""), **config},
        "credentials": {"token": TOKEN},
    }
    return admin_client.post("/api/integrations", body, format="json")


def test_create_and_test_a_github_integration(admin_client, httpserver, tenant):
    # given a reachable fake GitHub organisation
    serve(httpserver, compliant_org(httpserver.url_for("").rstrip("/")))
    # when an admin creates the integration and tests it
    created = create(admin_client, httpserver)
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then it is stored with its normalised config, a hint and no token, and the test connects
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["type"] == "github"
    assert body["config"] == {
        "organization": "acme",
        "api_url": httpserver.url_for("").rstrip("/"),
        "max_admins": 5,
        "allow_public_repos": False,
        "repositories": None,
    }
    assert body["credentials_hint"] == f"token ghp_…{TOKEN[-4:]}"
    assert tested.status_code == 200, tested.content
    assert tested.json()["ok"] is True
    assert tested.json()["detail"] == "Connected to organization acme as octocat"
    assert tested.json()["status"] == IntegrationStatus.CONNECTED
    integration = Integration.objects.for_tenant(tenant).get(pk=body["id"])
    assert integration.status == IntegrationStatus.CONNECTED
    for response in (created, tested):
        assert TOKEN not in response.content.decode()
    assert TOKEN not in integration.credentials_encrypted


def test_a_rejected_token_is_recorded_as_the_integrations_error(admin_client, httpserver, tenant):
    # given GitHub rejecting the token
    httpserver.expect_request("/orgs/acme").respond_with_json(api_error("Bad credentials", 401), status=401)
    created = create(admin_client, httpserver)
    # when the connection is tested
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then the failure is explained and stored on the integration
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert tested.json()["status"] == IntegrationStatus.ERROR
    assert "rejected the token" in tested.json()["detail"]
    integration = Integration.objects.for_tenant(tenant).get(pk=created.json()["id"])
    assert "rejected the token" in integration.last_error
    assert TOKEN not in tested.content.decode()


def test_bad_config_and_credentials_are_400_with_field_errors(admin_client):
    # given a config without organisation and with a bad URL, and no token
    body = {"type": "github", "name": "broken", "config": {"api_url": "ftp://x"}, "credentials": {}}
    # when posted
    response = admin_client.post("/api/integrations", body, format="json")
    # then every problem is reported by field
    assert response.status_code == 400
    errors = response.json()
    assert set(errors["config"]) == {"organization", "api_url"}
    assert set(errors["credentials"]) == {"token"}


@pytest.fixture
def github_scan(admin_client, httpserver, tenant, loaded_frameworks, django_capture_on_commit_callbacks):
    """Create a GitHub integration for ``state`` through the API, scan it in-process and return the SOC 2 results."""
    from frameworks.models import Framework, TenantFramework

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
