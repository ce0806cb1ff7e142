"""Redelivered tasks and an unreachable broker: nothing duplicated, nothing stuck."""

import pytest
from kombu.exceptions import OperationalError

from evidence.models import Evidence
from scans import engine, services
from scans.models import CheckOutcome, ScanJob, ScanPart, ScanResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual_engine(monkeypatch):
    """Run the engine's steps by hand: nothing is enqueued behind the test's back."""
    monkeypatch.setattr(engine, "_enqueue_parts", lambda ids: None)
    monkeypatch.setattr(engine, "_enqueue_finalize", lambda job_id: None)


def test_redelivered_tasks_never_duplicate_rows(aws_integration, open_ssh_group, manual_engine):
    # given a scan whose part and roll-up already ran once
    job = services.scan_trigger(tenant=aws_integration.tenant, actor=None, integration_types=["aws"])
    engine.scan_start(scan_job_id=str(job.pk))
    part = ScanPart.objects.get(scan_job=job)
    engine.scan_part_run(part_id=str(part.pk))
    outcomes = CheckOutcome.objects.filter(scan_job=job).count()
    assert outcomes > 0

    # when the broker redelivers the part (the worker died before acking) and the start task
    ScanPart.objects.filter(pk=part.pk).update(status="running")
    engine.scan_part_run(part_id=str(part.pk))
    engine.scan_start(scan_job_id=str(job.pk))
    # then the outcomes were replaced, not added to, and no second part appeared
    assert CheckOutcome.objects.filter(scan_job=job).count() == outcomes
    assert ScanPart.objects.filter(scan_job=job).count() == 1

    # when the roll-up runs twice
    engine.scan_finalize(scan_job_id=str(job.pk))
    results = ScanResult.objects.filter(scan_job=job).count()
    evidence = Evidence.objects.filter(scan_job=job).count()
    engine.scan_finalize(scan_job_id=str(job.pk))
    engine.scan_part_run(part_id=str(part.pk))
    # then one result and one evidence artifact per control, and the completed job is untouched
    job.refresh_from_db()
    assert job.status == "completed"
    assert results == evidence == job.total_controls > 0
    assert ScanResult.objects.filter(scan_job=job).count() == results
    assert Evidence.objects.filter(scan_job=job).count() == evidence
    assert CheckOutcome.objects.filter(scan_job=job).count() == outcomes


@pytest.mark.django_db(transaction=True)
def test_unreachable_broker_fails_the_job_and_answers_503(aws_integration, admin_client, monkeypatch):
    # given a broker that refuses connections
    def refuse(scan_job_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services, "_enqueue_scan", refuse)
    # when
    response = admin_client.post("/api/scans/trigger", format="json")
    # then the client is told, and the job is not left queued forever
    assert response.status_code == 503
    assert "broker" in response.json()["detail"]
    job = ScanJob.objects.get(pk=response.json()["scan_job_id"])
    assert job.status == "failed" and "broker is unreachable" in job.error
