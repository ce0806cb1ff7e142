"""A host integration scanned end to end: trigger through the API, run in-process, read mapped results."""

from __future__ import annotations

import pytest

from frameworks.models import Framework, TenantFramework
from integrations.services import integration_create
from scans.models import CheckOutcome
from tests.integrations.host.support import HOSTNAME, non_compliant_host

pytestmark = pytest.mark.django_db


def test_neglected_host_fails_its_mapped_controls(
    admin_client, tenant, tmp_path, loaded_frameworks, django_capture_on_commit_callbacks
):
    # given a host integration on the neglected fixture, and SOC 2 and HIPAA active
    tree = non_compliant_host(tmp_path / "root")
    integration_create(
        tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(tree.root)}, credentials={}
    )
    for key in ("soc2", "hipaa-security"):
        TenantFramework.objects.get_or_create(tenant=tenant, framework=Framework.objects.get(key=key))
    # when a host scan runs
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/api/scans/trigger", {"integration_types": ["host"]}, format="json")
    assert response.status_code == 202, response.content
    job_id = response.json()["scan_job_id"]
    job = admin_client.get(f"/api/scans/{job_id}").json()
    # then it completed and every host check left outcomes on the fixture's hostname
    assert job["status"] == "completed", job
    outcomes = CheckOutcome.objects.filter(scan_job_id=job_id)
    assert outcomes.filter(status="fail").exists()
    assert all(resource.startswith(f"{HOSTNAME}:") for resource in outcomes.values_list("resource_id", flat=True))
    # and the SSH failure shows up on the controls it maps to
    soc2 = Framework.objects.get(key="soc2")
    results = admin_client.get(f"/api/scans/{job_id}/results", {"status": "fail", "framework_id": str(soc2.pk)}).json()
    cc61 = next(r for r in results["results"] if r["control_ref"] == "CC6.1")
    assert f"{HOSTNAME}:/etc/ssh/sshd_config" in cc61["finding"]
