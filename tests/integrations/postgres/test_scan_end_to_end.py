"""A PostgreSQL integration scanned end to end against the local server: trigger, run in-process, read results."""

from __future__ import annotations

import pytest

from frameworks.models import Framework, TenantFramework
from integrations.services import integration_create
from scans.models import CheckOutcome
from tests.integrations.postgres.support import ADDRESS, PG_HOST, PG_PORT, PG_USER, requires_server

pytestmark = [pytest.mark.django_db, requires_server]


def test_local_server_is_scanned_and_its_trust_rule_fails_cc6_6(
    admin_client, tenant, loaded_frameworks, django_capture_on_commit_callbacks
):
    # given the local server as an integration, and SOC 2 active
    integration_create(
        tenant=tenant,
        actor=None,
        type="postgres",
        name="local",
        config={"host": PG_HOST, "port": PG_PORT, "dbname": "test", "user": PG_USER},
        credentials={},
    )
    TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key="soc2"))
    # when a PostgreSQL scan runs
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/api/scans/trigger", {"integration_types": ["postgres"]}, format="json")
    assert response.status_code == 202, response.content
    job_id = response.json()["scan_job_id"]
    job = admin_client.get(f"/api/scans/{job_id}").json()
    # then
    assert job["status"] == "completed", job
    outcomes = CheckOutcome.objects.filter(scan_job_id=job_id)
    assert not outcomes.filter(status="error").exists()
    assert all(r.startswith(ADDRESS) for r in outcomes.values_list("resource_id", flat=True))
    trust = outcomes.filter(check_id="postgres.hba.no_trust_over_network", status="fail")
    if trust.exists():
        soc2 = Framework.objects.get(key="soc2")
        results = admin_client.get(f"/api/scans/{job_id}/results", {"status": "fail", "framework_id": str(soc2.pk)})
        # a trust rule open to the network is boundary protection (CC6.6; docs in mappings/postgres.yaml)
        cc66 = next(r for r in results.json()["results"] if r["control_ref"] == "CC6.6")
        assert f"{ADDRESS}/pg_hba.conf:" in cc66["finding"]
