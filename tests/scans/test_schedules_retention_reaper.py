from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from complywise.choices import Role
from evidence.models import Evidence
from scans import services
from scans.models import CheckOutcome, ScanJob, ScanResult, ScanSchedule
from tests.contracts import EndpointContract, ObjectEndpointContract, random_id

pytestmark = pytest.mark.django_db


class TestScheduleListContract(EndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        return "/api/scan-schedules"


class TestScheduleDetailContract(ObjectEndpointContract):
    allowed_roles = (Role.ADMIN,)

    def url(self, tenant):
        schedule = ScanSchedule.objects.create(tenant=tenant, name=f"nightly-{random_id()}", cron="0 3 * * *")
        return f"/api/scan-schedules/{schedule.pk}"

    def missing_url(self):
        return f"/api/scan-schedules/{random_id()}"


def test_create_schedule_computes_next_run(admin_client):
    # when
    response = admin_client.post(
        "/api/scan-schedules", {"name": "nightly", "cron": "0 3 * * *", "integration_types": ["aws"]}, format="json"
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["next_run_at"] is not None
    assert body["cron"] == "0 3 * * *" and body["interval_minutes"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x"}, "interval_minutes"),
        ({"name": "x", "cron": "not a cron"}, "cron"),
        ({"name": "x", "cron": "0 3 * * *", "interval_minutes": 60}, "interval_minutes"),
        ({"name": "x", "interval_minutes": 2}, "interval_minutes"),
        ({"name": "x", "interval_minutes": 60, "integration_types": ["azure"]}, "integration_types"),
        ({"name": "x", "interval_minutes": 60, "framework_id": random_id()}, "framework_id"),
    ],
)
def test_bad_schedules_are_400_with_field_errors(admin_client, payload, field):
    response = admin_client.post("/api/scan-schedules", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_patch_and_delete_schedule(admin_client, tenant):
    schedule = services.schedule_create(tenant=tenant, actor=None, name="hourly", interval_minutes=60)
    patched = admin_client.patch(f"/api/scan-schedules/{schedule.pk}", {"cron": "*/30 * * * *"}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["interval_minutes"] is None and patched.json()["cron"] == "*/30 * * * *"
    assert admin_client.delete(f"/api/scan-schedules/{schedule.pk}").status_code == 204
    assert not ScanSchedule.objects.filter(pk=schedule.pk).exists()


def test_due_schedules_trigger_scans_once(tenant, loaded_frameworks, django_capture_on_commit_callbacks):
    # given a tenant with active frameworks, a schedule that is due, and one that is not
    from frameworks.services import tenant_activate_default_frameworks

    tenant_activate_default_frameworks(tenant=tenant, keys=["soc2"])
    due = services.schedule_create(tenant=tenant, actor=None, name="due", interval_minutes=60)
    services.schedule_create(tenant=tenant, actor=None, name="later", interval_minutes=60)
    ScanSchedule.objects.filter(pk=due.pk).update(next_run_at=timezone.now() - timedelta(minutes=1))
    # when beat ticks twice
    with django_capture_on_commit_callbacks(execute=False):
        first = services.schedules_run_due()
        second = services.schedules_run_due()
    # then one scan, marked as scheduled, and the next run moved an interval ahead
    assert len(first) == 1 and second == []
    job = first[0]
    assert job.trigger == "schedule" and job.schedule_id == due.pk
    due.refresh_from_db()
    assert due.last_scan_job_id == job.pk
    assert due.next_run_at > timezone.now() + timedelta(minutes=58)


def test_reaper_fails_stuck_jobs_with_a_reason(tenant, settings):
    # given a job queued long ago, one running without progress, and a healthy one
    old = timezone.now() - timedelta(hours=2)
    queued = ScanJob.objects.create(tenant=tenant)
    ScanJob.objects.filter(pk=queued.pk).update(created_at=old)
    stalled = ScanJob.objects.create(tenant=tenant, status="running", started_at=old, progress_at=old)
    healthy = ScanJob.objects.create(
        tenant=tenant, status="running", started_at=timezone.now(), progress_at=timezone.now()
    )
    # when
    reaped = services.scan_reap_stale()
    # then
    assert reaped == 2
    for job, phrase in ((queued, "No worker started"), (stalled, "stopped reporting progress")):
        job.refresh_from_db()
        assert job.status == "failed" and phrase in job.error and job.completed_at
    healthy.refresh_from_db()
    assert healthy.status == "running"


def _aged_scan(tenant, days, client, run_scan):
    job = run_scan(client)
    ScanJob.objects.filter(pk=job["id"]).update(created_at=timezone.now() - timedelta(days=days))
    return job["id"]


def test_retention_deletes_exactly_the_expired_scans(
    tenant, admin_client, aws_integration, run_scan, django_capture_on_commit_callbacks
):
    # given a 30-day retention, one scan 40 days old and one fresh scan, plus manual evidence
    tenant.retention_days = 30
    tenant.save()
    old_id = _aged_scan(tenant, 40, admin_client, run_scan)
    fresh_id = run_scan(admin_client)["id"]
    old_files = list(Evidence.objects.filter(scan_job_id=old_id).values_list("file_key", flat=True))
    assert old_files
    # when a dry run, then a real run
    dry = StringIO()
    cutoffs = {(timezone.now() - timedelta(days=30)).strftime("%Y-%m-%d")}
    call_command("purge_expired", "--dry-run", stdout=dry)
    # (midnight may pass during the run: the cut-off is one of the dates either side of it)
    cutoffs.add((timezone.now() - timedelta(days=30)).strftime("%Y-%m-%d"))
    assert ScanJob.objects.filter(pk=old_id).exists()
    out = StringIO()
    # Files are deleted once the purge commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired", stdout=out)
    # then only the old scan is gone, with its outcomes, results and evidence files
    assert "Would delete 1 scan jobs" in dry.getvalue()
    # and the dry run names the cut-off and counts the files it would delete, as the real run then does
    assert any(f"created before {cutoff}" in dry.getvalue() for cutoff in cutoffs)
    assert f"{len(old_files)} auto evidence files" in dry.getvalue()
    assert f"{len(old_files)} auto evidence files" in out.getvalue()
    assert "Deleted 1 scan jobs" in out.getvalue()
    assert not ScanJob.objects.filter(pk=old_id).exists()
    assert not CheckOutcome.objects.filter(scan_job_id=old_id).exists()
    assert not ScanResult.objects.filter(scan_job_id=old_id).exists()
    assert not Evidence.objects.filter(scan_job_id=old_id).exists()
    from evidence.storage import evidence_storage

    assert not any(evidence_storage().exists(key) for key in old_files)
    assert ScanJob.objects.filter(pk=fresh_id).exists()
    assert Evidence.objects.filter(scan_job_id=fresh_id).exists()


@pytest.mark.django_db(transaction=True)
def test_trigger_scan_command_waits_and_reports(tenant, aws_integration):
    # when (eager tasks: the scan runs on commit, inside the command)
    out = StringIO()
    call_command(
        "trigger_scan",
        "--tenant",
        tenant.slug,
        "--integration-types",
        "aws",
        "--framework",
        "cis-aws",
        "--wait",
        stdout=out,
    )
    # then the job id first, then the summary
    lines = out.getvalue().strip().splitlines()
    job = ScanJob.objects.get(pk=lines[0])
    assert job.status == "completed" and job.trigger == "cli"
    assert lines[1].startswith("status=completed")
    assert "cis-aws: score=" in out.getvalue()


def test_trigger_scan_command_errors(tenant, loaded_frameworks):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No connected integration"):
        call_command("trigger_scan", "--tenant", tenant.slug, "--integration-types", "aws")
    with pytest.raises(CommandError, match="No framework"):
        call_command("trigger_scan", "--tenant", tenant.slug, "--framework", "nope")
