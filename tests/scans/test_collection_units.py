"""One integration spread over collection units: per-region failures stay in their region, lost units are settled."""

from datetime import timedelta

import boto3
import botocore.retries.standard
import pytest
from django.utils import timezone

from integrations import registry
from integrations.providers.aws import client as aws_client
from integrations.services import integration_connector
from scans import engine, services
from scans.models import CheckOutcome, ScanJob, ScanPart, ScanUnit
from tests.integrations.aws.support import REGION, emr_by_region, fake_response, signed_region

pytestmark = pytest.mark.django_db

# Shaped like an AWS region, so the integration accepts it, but unknown to moto, which answers every call
# there with a 500 — as a region that is not enabled for the account (or denied by an SCP) answers with errors.
DEAD_REGION = "ap-nowhere-9"
SSH_CHECK = "aws.ec2.sg_no_ingress_admin_ports_ipv4"


@pytest.fixture
def no_backoff(monkeypatch):
    # botocore's own retry pause only (not our code): the dead region is retried without sleeping.
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture
def regions_kept_apart(monkeypatch):
    # Two services moto would answer for the dead region as for a live one: EMR takes its region from the host name
    # alone (the scan's sessions name the regional host, as AWS's own endpoints do), and S3 Control keeps access
    # points per account whatever the region (so the dead region's calls fail here, as AWS fails every one there).
    new_session = aws_client._new_session

    def session_keeping_regions_apart(*args, **kwargs):
        session = new_session(*args, **kwargs)
        session.events.register("before-send.emr", emr_by_region)
        session.events.register("before-send.s3-control", _dead_region_fails)
        return session

    monkeypatch.setattr(aws_client, "_new_session", session_keeping_regions_apart)


def _dead_region_fails(request=None, **_):
    if signed_region(request) == DEAD_REGION:
        body = "<Error><Code>InternalError</Code><Message>no such region</Message></Error>"
        return fake_response(500, body, "application/xml")
    return None


@pytest.fixture
def two_region_integration(aws_integration, regions_kept_apart):
    aws_integration.config = {**aws_integration.config, "regions": [REGION, DEAD_REGION]}
    aws_integration.save(update_fields=["config"])
    return aws_integration


def test_a_failing_region_errors_only_itself_and_healthy_findings_stand(
    admin_client, two_region_integration, open_ssh_group, run_scan, no_backoff
):
    # given an account whose second region fails every call, and an open security group in the first
    # when it is scanned
    scan = run_scan(admin_client, {"integration_types": ["aws"]})
    # then the scan completed from one unit per region and per global group
    assert scan["status"] == "completed"
    part = ScanPart.objects.get(scan_job_id=scan["id"])
    units = {u.key: u for u in ScanUnit.objects.filter(part=part)}
    shards = {f"global:s3:{i}-of-4" for i in range(1, 5)}
    assert set(units) == {"global:iam", "global:other", f"region:{REGION}", f"region:{DEAD_REGION}"} | shards
    assert units[f"region:{DEAD_REGION}"].status == "failed" and "500" in units[f"region:{DEAD_REGION}"].error
    assert units[f"region:{REGION}"].status == "done"
    assert all(u.payload is None for u in units.values())  # inventories are dropped once evaluated
    # and the open group in the healthy region still fails, next to one error outcome for the dead region
    ssh = CheckOutcome.objects.filter(scan_job_id=scan["id"], check_id=SSH_CHECK)
    assert {(o.status, o.region) for o in ssh if o.status != "pass"} == {("fail", REGION), ("error", DEAD_REGION)}
    assert ssh.get(status="fail").resource_id == open_ssh_group
    assert f"not judged in {DEAD_REGION}" in ssh.get(status="error").reason
    # and the part records where its time went
    part.refresh_from_db()
    assert part.status == "done" and set(part.timings) == {"collect", "evaluate", "write"}


def test_units_give_the_same_outcomes_as_one_in_process_collection(
    admin_client, aws_integration, open_ssh_group, run_scan, moto_reset
):
    # given an account with buckets enough to fall in every S3 shard, some versioned, some not
    s3 = boto3.client("s3", endpoint_url=moto_reset, region_name=REGION)
    for i in range(12):
        s3.create_bucket(Bucket=f"shard-bucket-{i}")
        if i % 3 == 0:
            s3.put_bucket_versioning(Bucket=f"shard-bucket-{i}", VersioningConfiguration={"Status": "Enabled"})
    # when it is scanned through the engine's units (each unit's inventory stored as JSON between tasks)
    scan = run_scan(admin_client, {"integration_types": ["aws"]})
    units = ScanUnit.objects.filter(part__scan_job_id=scan["id"], key__startswith="global:s3:")
    assert units.count() == 4 and all(u.payload_bytes > 0 for u in units)
    stored = set(
        CheckOutcome.objects.filter(scan_job_id=scan["id"]).values_list("check_id", "resource_id", "region", "status")
    )
    # when the same account is collected in one go in this process and every check run on it
    inventory = integration_connector(integration=aws_integration).collect(
        {s for c in registry.all_checks("aws") for s in c.services}
    )
    direct = {
        (c.id, o.resource_id, o.region, str(o.status)) for c in registry.all_checks("aws") for o in c.run(inventory)
    }
    # then both give exactly the same outcomes, every bucket judged once
    assert stored == direct and len(stored) > 50
    versioning = {r for c, r, _, s in stored if c == "aws.s3.bucket_versioning_enabled" and s == "pass"}
    assert len([r for c, r, _, _ in stored if c == "aws.s3.bucket_versioning_enabled"]) == 12
    assert versioning == {f"shard-bucket-{i}" for i in range(0, 12, 3)}


@pytest.fixture
def manual_engine(monkeypatch):
    monkeypatch.setattr(engine, "_enqueue_parts", lambda ids: None)
    monkeypatch.setattr(engine, "_enqueue_finalize", lambda job_id: None)
    monkeypatch.setattr(engine, "_enqueue_units_or_log", lambda part_id, ids: None)
    monkeypatch.setattr(engine, "_evaluate_soon", lambda part_id: None)


def test_the_reaper_evaluates_a_part_whose_unit_was_lost_with_the_units_that_finished(
    aws_integration, open_ssh_group, manual_engine, settings
):
    # given a scan whose regional unit was lost with its worker while the global units finished
    job = services.scan_trigger(tenant=aws_integration.tenant, actor=None, integration_types=["aws"])
    engine.scan_start(scan_job_id=str(job.pk))
    part = ScanPart.objects.get(scan_job=job)
    engine.scan_part_run(part_id=str(part.pk))
    lost = ScanUnit.objects.get(part=part, key=f"region:{REGION}")
    for unit in ScanUnit.objects.filter(part=part).exclude(pk=lost.pk):
        engine.scan_unit_run(unit_id=str(unit.pk))
    ScanUnit.objects.filter(pk=lost.pk).update(status="running", started_at=timezone.now())
    stale = timezone.now() - timedelta(seconds=settings.SCAN_RUNNING_STALL_SECONDS + 60)
    ScanJob.objects.filter(pk=job.pk).update(progress_at=stale)
    # when the reaper runs
    services.scan_reap_stale()
    # then the lost unit failed with a reason, the part was evaluated and the scan rolled up
    lost.refresh_from_db()
    part.refresh_from_db()
    job.refresh_from_db()
    assert lost.status == "failed" and "not collected to the end" in lost.error
    assert part.status == "done" and job.status == "completed"
    # and the regional checks say why they could not judge, while the global ones judged
    ssh = CheckOutcome.objects.get(scan_job=job, check_id=SSH_CHECK)
    assert ssh.status == "error" and "not collected to the end" in ssh.reason
    assert CheckOutcome.objects.filter(scan_job=job, check_id__startswith="aws.iam.", status="pass").exists()
