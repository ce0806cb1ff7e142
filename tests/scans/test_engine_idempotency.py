"""Redelivered tasks and an unreachable broker: nothing duplicated, nothing stuck."""

import pytest
from kombu.exceptions import OperationalError

from evidence.models import Evidence
from scans import engine, services
from scans.models import CheckOutcome, ScanJob, ScanPart, ScanResult, ScanUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual_engine(monkeypatch):
    """Run the engine's steps by hand: nothing is enqueued behind the test's back."""
    monkeypatch.setattr(engine, "_enqueue_parts", lambda ids: None)
    monkeypatch.setattr(engine, "_enqueue_finalize", lambda job_id: None)
    monkeypatch.setattr(engine, "_enqueue_units_or_log", lambda part_id, ids: None)
    monkeypatch.setattr(engine, "_evaluate_soon", lambda part_id: None)


def _run_part(part):
    """The part's task, then each of its collection units, then its evaluation, as the workers would."""
    engine.scan_part_run(part_id=str(part.pk))
    for unit_id in ScanUnit.objects.filter(part=part).values_list("pk", flat=True):
        engine.scan_unit_run(unit_id=str(unit_id))
    engine.scan_part_evaluate(part_id=str(part.pk))


def test_redelivered_tasks_never_duplicate_rows(aws_integration, open_ssh_group, manual_engine):
    # given a scan whose part and roll-up already ran once
    job = services.scan_trigger(tenant=aws_integration.tenant, actor=None, integration_types=["aws"])
    engine.scan_start(scan_job_id=str(job.pk))
    part = ScanPart.objects.get(scan_job=job)
    _run_part(part)
    outcomes = CheckOutcome.objects.filter(scan_job=job).count()
    units = ScanUnit.objects.filter(part=part).count()
    assert outcomes > 0 and units > 1

    # when the broker redelivers a finished unit, the part (the worker died before acking) and the start task
    engine.scan_unit_run(unit_id=str(ScanUnit.objects.filter(part=part).first().pk))
    ScanPart.objects.filter(pk=part.pk).update(status="running")
    _run_part(part)
    engine.scan_start(scan_job_id=str(job.pk))
    # then the outcomes were replaced, not added to, and no second part or unit appeared
    assert CheckOutcome.objects.filter(scan_job=job).count() == outcomes
    assert ScanPart.objects.filter(scan_job=job).count() == 1
    assert ScanUnit.objects.filter(part=part).count() == units

    # when the roll-up runs twice
    engine.scan_finalize(scan_job_id=str(job.pk))
    results = ScanResult.objects.filter(scan_job=job).count()
    evidence = Evidence.objects.filter(scan_job=job).count()
    engine.scan_finalize(scan_job_id=str(job.pk))
    _run_part(part)
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
