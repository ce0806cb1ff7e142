"""The seed flow: trigger → poll → results, run in-process against a moto AWS account."""

import pytest

from complywise.choices import Role
from evidence.models import Evidence
from frameworks.models import Control, Framework
from scans.models import CheckOutcome, ScanJob, ScanResult

pytestmark = pytest.mark.django_db

SG_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"


def test_trigger_without_body_scans_everything_and_counts_add_up(admin_client, aws_integration, run_scan):
    # when a scan is triggered with no body
    job = run_scan(admin_client)
    # then it completed with consistent counts and a score per active framework
    assert job["status"] == "completed", job
    assert job["progress"] == 100
    assert job["total_controls"] == job["passed_controls"] + job["failed_controls"] + job["not_applicable_controls"]
    assert job["total_controls"] > 0
    keys = {f["framework_key"] for f in job["framework_scores"]}
    assert {"soc2", "iso27001-2022", "cis-aws"} <= keys
    for entry in job["framework_scores"]:
        # the score is over controls really assessed: a fail that is only "could not evaluate" is left out
        assessed = entry["passed"] + entry["failed"] - entry["could_not_evaluate"]
        expected = round(100 * entry["passed"] / assessed, 1) if assessed else None
        assert entry["score"] == expected
        assert entry["assessed"] == assessed
        assert entry["applicable"] == entry["total"] - entry["excluded"]
        assert entry["coverage"] == (round(100 * assessed / entry["applicable"], 1) if entry["applicable"] else None)


def test_trigger_response_is_202_with_location(admin_client, aws_integration, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post("/api/scans/trigger", {"integration_types": ["aws"]}, format="json")
    # then exactly the seed's shape, and where to poll
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"scan_job_id", "status", "created_at"}
    assert body["status"] == "queued"
    assert response["Location"] == f"/api/scans/{body['scan_job_id']}"


def test_poll_while_queued_has_retry_after(admin_client, aws_integration, django_capture_on_commit_callbacks):
    # given a queued job (its task not run)
    with django_capture_on_commit_callbacks(execute=False):
        job_id = admin_client.post("/api/scans/trigger", format="json").json()["scan_job_id"]
    # when
    response = admin_client.get(f"/api/scans/{job_id}")
    # then
    assert response.status_code == 200
    assert response["Retry-After"] == "10"
    assert response.json()["status"] == "queued"
    assert response.json()["score"] is None
    # and results are not available yet
    pending = admin_client.get(f"/api/scans/{job_id}/results")
    assert pending.status_code == 409
    assert "queued" in pending.json()["detail"]


def test_open_ssh_group_fails_the_cis_control_naming_the_group(admin_client, aws_integration, open_ssh_group, run_scan):
    # given a security group open to the world on 22
    cis = Framework.objects.get(key="cis-aws")
    # when
    job = run_scan(admin_client, {"integration_types": ["aws"], "framework_id": str(cis.pk)})
    results = admin_client.get(f"/api/scans/{job['id']}/results?status=fail&limit=1000").json()
    # then CIS 5.2 fails and the finding names the group
    by_ref = {r["control_ref"]: r for r in results["results"]}
    assert "5.2" in by_ref, sorted(by_ref)
    assert open_ssh_group in by_ref["5.2"]["finding"]
    assert all(r["status"] == "fail" for r in results["results"])
    assert {r["framework_key"] for r in results["results"]} == {"cis-aws"}
    # and the outcome is there per resource
    outcome = CheckOutcome.objects.get(scan_job_id=job["id"], check_id=SG_CHECK, resource_id__contains=open_ssh_group)
    assert outcome.status == "fail"


def test_results_shape_order_pagination_and_evidence(admin_client, aws_integration, run_scan):
    # given a completed scan against SOC 2 only
    soc2 = Framework.objects.get(key="soc2")
    job = run_scan(admin_client, {"framework_id": str(soc2.pk)})
    # when paging through results two at a time
    first = admin_client.get(f"/api/scans/{job['id']}/results?limit=2").json()
    everything = admin_client.get(f"/api/scans/{job['id']}/results?limit=1000").json()
    # then the shape is the seed's plus additions, in natural control order
    assert first["count"] == Control.objects.filter(framework=soc2).count() == job["total_controls"]
    assert len(first["results"]) == 2 and first["next"]
    row = first["results"][0]
    assert set(row) >= {
        "control_id",
        "control_ref",
        "control_title",
        "framework_id",
        "status",
        "finding",
        "evidence_key",
    }
    refs = [r["control_ref"] for r in everything["results"]]
    assert refs.index("CC6.2") < refs.index("CC6.8") < refs.index("CC7.1")
    # and each result's evidence is a stored artifact with that key and a SHA-256
    evidence = Evidence.objects.get(pk=row["evidence_id"])
    assert evidence.file_key == row["evidence_key"]
    assert evidence.type == "auto" and len(evidence.sha256) == 64
    assert Evidence.objects.filter(scan_job_id=job["id"]).count() == job["total_controls"]


def test_status_filter_accepts_comma_list_and_rejects_garbage(admin_client, aws_integration, run_scan):
    job = run_scan(admin_client)
    both = admin_client.get(f"/api/scans/{job['id']}/results?status=pass,fail&limit=1000").json()
    assert both["count"] == job["passed_controls"] + job["failed_controls"]
    assert admin_client.get(f"/api/scans/{job['id']}/results?status=broken").status_code == 400
    assert admin_client.get(f"/api/scans/{job['id']}/results?framework_id=nope").status_code == 400


def test_not_applicable_when_no_integration_of_that_type(admin_client, tenant, loaded_frameworks, run_scan):
    # given the default frameworks and no integration at all
    from frameworks.services import tenant_activate_default_frameworks

    tenant_activate_default_frameworks(tenant=tenant, keys=["soc2", "iso27001-2022"])
    # when
    job = run_scan(admin_client)
    # then every automated control is not applicable, saying why
    assert job["status"] == "completed"
    assert job["passed_controls"] == job["failed_controls"] == 0
    assert job["score"] is None
    result = ScanResult.objects.filter(scan_job_id=job["id"], control__checks__isnull=False).first()
    assert result.status == "not-applicable"
    assert "no aws integration" in result.finding


def test_broken_integration_never_looks_compliant(admin_client, tenant, loaded_frameworks, run_scan):
    # given an AWS integration whose endpoint refuses connections
    from frameworks.services import tenant_activate_default_frameworks
    from integrations.services import integration_create

    tenant_activate_default_frameworks(tenant=tenant, keys=["soc2", "iso27001-2022"])

    integration_create(
        tenant=tenant,
        actor=None,
        type="aws",
        name="broken",
        config={"regions": ["us-east-1"], "endpoint_url": "http://127.0.0.1:9"},
        credentials={
            "access_key_id": "AKIABROKEN0000000000",
            "secret_access_key": "broken-secret-access-key-000000000000000",
        },
    )
    # when
    job = run_scan(admin_client, {"integration_types": ["aws"]})
    # then no automated control passes; they fail with the error in the finding
    assert job["status"] == "completed"
    assert job["passed_controls"] == 0
    assert job["failed_controls"] > 0
    assert job["partial"] is True
    assert job["parts"][0]["status"] == "failed" and "could not reach" in job["parts"][0]["error"].lower()
    failing = ScanResult.objects.filter(scan_job_id=job["id"], status="fail").first()
    # and errors stay apart from findings: flagged, named with the integration, left out of score and coverage
    assert failing.errored is True
    assert failing.finding.startswith("Could not evaluate: ")
    assert "aws 'broken'" in failing.finding and "could not reach" in failing.finding
    assert job["errored_controls"] == job["failed_controls"]
    assert job["score"] is None and job["coverage"] == 0.0
    assert "aws 'broken'" in job["error"] and job["error"].startswith("Partial scan")
    assert not CheckOutcome.objects.filter(scan_job_id=job["id"]).exclude(status="error").exists()


def test_history_newest_first_with_filters(admin_client, aws_integration, run_scan):
    # given two scans
    first = run_scan(admin_client)
    second = run_scan(admin_client)
    # when
    history = admin_client.get("/api/scans?limit=1").json()
    completed = admin_client.get("/api/scans?status=completed").json()
    later = admin_client.get("/api/scans", {"created_after": first["created_at"]}).json()
    # then
    assert history["count"] == 2 and history["results"][0]["id"] == second["id"]
    assert {"id", "status", "created_at", "completed_at", "score", "framework_scores"} <= set(history["results"][0])
    assert completed["count"] == 2
    assert {r["id"] for r in later["results"]} >= {second["id"]}
    assert admin_client.get("/api/scans?status=nope").status_code == 400


def test_outcomes_endpoint_filters(admin_client, aws_integration, open_ssh_group, run_scan):
    job = run_scan(admin_client, {"integration_types": ["aws"]})
    body = admin_client.get(f"/api/scans/{job['id']}/outcomes", {"check_id": SG_CHECK, "status": "fail"}).json()
    assert body["count"] >= 1
    assert all(o["check_id"] == SG_CHECK and o["status"] == "fail" for o in body["results"])
    found = admin_client.get(f"/api/scans/{job['id']}/outcomes", {"resource": open_ssh_group}).json()
    assert found["count"] >= 1


def test_diff_against_previous_scan(admin_client, aws_integration, moto_reset, run_scan):
    # given a clean scan, then a misconfiguration, then a second scan
    import boto3

    first = run_scan(admin_client, {"integration_types": ["aws"]})
    ec2 = boto3.client("ec2", endpoint_url=moto_reset, region_name="us-east-1")
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="late", Description="late", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    second = run_scan(admin_client, {"integration_types": ["aws"]})
    # when
    diff = admin_client.get(f"/api/scans/{second['id']}/diff").json()
    explicit = admin_client.get(f"/api/scans/{second['id']}/diff?against={first['id']}").json()
    # then CIS 5.2 is newly failing
    assert diff == explicit
    assert diff["against_scan_job_id"] == first["id"]
    assert any(e["framework_key"] == "cis-aws" and e["control_ref"] == "5.2" for e in diff["newly_failing"])


def test_trend_series(admin_client, aws_integration, run_scan):
    run_scan(admin_client)
    run_scan(admin_client)
    cis = Framework.objects.get(key="cis-aws")
    overall = admin_client.get("/api/scans/trend?days=7").json()
    per_framework = admin_client.get(f"/api/scans/trend?framework_id={cis.pk}").json()
    assert len(overall) == 2 and len(per_framework) == 2
    assert all(p["score"] is not None for p in per_framework)
    # coverage travels with the score, overall and per framework
    assert all(p["coverage"] is not None and 0 < p["coverage"] <= 100 for p in overall + per_framework)
    assert admin_client.get("/api/scans/trend?days=0").status_code == 400


def test_cancel_running_scan_and_workers_write_nothing_after(admin_client, aws_integration):
    # given a running job with a pending part
    from scans import engine

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "_enqueue_parts", lambda ids: None)
        job = ScanJob.objects.create(tenant=aws_integration.tenant, framework_ids=[])
        engine.scan_start(scan_job_id=str(job.pk))
    part = job.parts.get()
    # when it is cancelled, then the worker reaches the part
    response = admin_client.post(f"/api/scans/{job.pk}/cancel")
    engine.scan_part_run(part_id=str(part.pk))
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert response.json()["error"].startswith("cancelled by ")
    assert not CheckOutcome.objects.filter(scan_job=job).exists()
    assert admin_client.post(f"/api/scans/{job.pk}/cancel").status_code == 409


def test_viewer_reads_but_cannot_trigger(client_for, tenant, aws_integration):
    viewer = client_for(tenant, Role.VIEWER)
    assert viewer.post("/api/scans/trigger", format="json").status_code == 403
    assert viewer.get("/api/scans").status_code == 200
