"""The retention purge deletes in bounded batches of rows, each its own transaction, and a stopped run is finished
by the next; the dry run counts exactly what a run would delete."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from complywise.models import AuditEvent
from evidence.models import Evidence
from evidence.services import evidence_store_auto_batch
from scans import retention
from scans.models import CheckOutcome, ScanJob, ScanPart, ScanResult, ScanSchedule
from tests.evidence.factories import active_control, auto_items
from tests.frameworks.factories import FrameworkFactory

pytestmark = pytest.mark.django_db

BATCH = 5
OUTCOMES_PER_JOB = 7
SCANS_TABLES = {"scans_checkoutcome", "scans_scanresult", "scans_scanpart", "scans_scanjob"}


@pytest.fixture
def controls(tenant):
    framework = FrameworkFactory(key="purge-test")
    return [active_control(tenant, framework=framework, ref=f"P{i}") for i in range(3)]


def aged_job(tenant, *, days, controls):
    """A completed scan ``days`` old with a part, OUTCOMES_PER_JOB outcomes, a result and evidence per control."""
    job = ScanJob.objects.create(tenant=tenant, status="completed")
    ScanJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))
    ScanPart.objects.create(tenant=tenant, scan_job=job, integration_type="aws", integration_name="prod")
    CheckOutcome.objects.bulk_create(
        CheckOutcome(
            tenant=tenant, scan_job=job, check_id="aws.iam.root_mfa_enabled", resource_id=f"r-{n}", status="pass"
        )
        for n in range(OUTCOMES_PER_JOB)
    )
    ScanResult.objects.bulk_create(
        ScanResult(tenant=tenant, scan_job=job, framework=c.framework, control=c, status="pass") for c in controls
    )
    evidence_store_auto_batch(tenant=tenant, scan_job=job, items=auto_items(controls), collected_at=timezone.now())
    return job


def rows_of(job):
    return {
        model.__name__: set(model.objects.filter(scan_job=job).values_list("pk", flat=True))
        for model in (CheckOutcome, ScanResult, ScanPart, Evidence)
    }


@pytest.fixture
def scans(tenant, other_tenant, controls):
    """Three scans past a 30-day retention, one within it, and another tenant's old scan within its 365 days."""
    tenant.retention_days = 30
    tenant.save()
    expired = [aged_job(tenant, days=40 + n, controls=controls) for n in range(3)]
    fresh = aged_job(tenant, days=29, controls=controls)
    theirs = aged_job(other_tenant, days=40, controls=[active_control(other_tenant)])
    kept = {job.pk: rows_of(job) for job in (fresh, theirs)}
    return expired, kept


def assert_kept_untouched(kept):
    for job_id, rows in kept.items():
        assert ScanJob.objects.filter(pk=job_id).exists()
        assert rows_of(ScanJob(pk=job_id)) == rows


def assert_expired_gone(expired):
    ids = [job.pk for job in expired]
    assert not ScanJob.objects.filter(pk__in=ids).exists()
    for model in (CheckOutcome, ScanResult, ScanPart, Evidence):
        assert not model.objects.filter(scan_job_id__in=ids).exists()


@contextmanager
def deletes_and_commits():
    """Every DELETE with the rows it removed, and a mark when the transaction it ran in commits."""
    events = []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("DELETE"):
            events.append(("delete", sql.split('"')[1], context["cursor"].rowcount))
            # Runs at once outside a transaction, else when the one this DELETE ran in commits.
            transaction.on_commit(lambda: events.append(("commit", "", 0)))
        return result

    with connection.execute_wrapper(record):
        yield events


@pytest.mark.django_db(transaction=True)
def test_purge_deletes_in_bounded_batches_each_its_own_transaction(tenant, scans, monkeypatch):
    # given 3 expired scans of 7 outcomes (21, more than a batch of 5), their evidence batched alike too
    expired, kept = scans
    monkeypatch.setattr("evidence.services.PURGE_BATCH", BATCH)
    dry = retention.scans_purge_expired(dry_run=True)
    steps = []
    # when
    with deletes_and_commits() as events:
        report = retention.scans_purge_expired(batch=BATCH, on_batch=steps.append)
    # then everything expired is gone, the rest untouched, and the run deleted what the dry run counted
    assert_expired_gone(expired)
    assert_kept_untouched(kept)
    assert dry.tenants["acme"] == {"scan_jobs": 3, "outcomes": 21, "results": 9, "evidence": 9, "audit_events": 0}
    assert report.tenants == dry.tenants and "globex" not in report.tenants
    # and no DELETE removed more than a batch
    deleting = [(table, rows) for kind, table, rows in events if kind == "delete" and rows]
    assert deleting and max(rows for _, rows in deleting) <= BATCH
    outcome_deletes = [rows for table, rows in deleting if table == "scans_checkoutcome"]
    assert sum(outcome_deletes) == 21 and len(outcome_deletes) >= 5
    # and each DELETE on the scans tables committed before the next one ran
    pending = False
    for kind, table, rows in events:
        if kind == "commit":
            pending = False
        elif table in SCANS_TABLES and rows:
            assert not pending, "two batches in one transaction"
            pending = True
    # and every committed step was reported, within the bound
    assert sum(s.rows for s in steps if s.table == "scans_checkoutcome") == 21
    assert all(s.rows <= BATCH for s in steps)
    assert sum(s.rows for s in steps if s.table == "scans_scanjob") == 3


def test_an_interrupted_purge_is_finished_by_the_next_run(tenant, scans):
    # given a purge stopped (the worker killed, say) after its second committed batch
    expired, kept = scans
    seen = []

    def stop_after_two(step):
        seen.append(step)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        retention.scans_purge_expired(batch=BATCH, on_batch=stop_after_two)
    # then two batches of outcomes are gone, while every expired job is still there
    ids = [job.pk for job in expired]
    assert [s.table for s in seen] == ["scans_checkoutcome"] * 2
    gone = sum(s.rows for s in seen)
    assert 0 < gone < 21 and CheckOutcome.objects.filter(scan_job_id__in=ids).count() == 21 - gone
    assert ScanJob.objects.filter(pk__in=ids).count() == 3
    # when a dry run, then the next run
    dry = retention.scans_purge_expired(dry_run=True)
    report = retention.scans_purge_expired(batch=BATCH)
    # then the dry run counted exactly what was left, and the next run deleted just that, and all of it
    left = {"scan_jobs": 3, "outcomes": 21 - gone, "results": 9, "evidence": 9, "audit_events": 0}
    assert dry.tenants["acme"] == left and report.tenants["acme"] == left
    assert_expired_gone(expired)
    assert_kept_untouched(kept)
    # and every deleted job is audited once
    audited = AuditEvent.objects.filter(tenant=tenant, action="scans.purged")
    assert sum(event.data["scan_jobs"] for event in audited) == 3


def test_purge_with_the_default_batch_takes_jobs_in_rounds(tenant, scans, monkeypatch):
    # given rounds of two jobs, and a schedule whose last scan is past retention
    expired, kept = scans
    monkeypatch.setattr(retention, "PURGE_JOBS", 2)
    schedule = ScanSchedule.objects.create(tenant=tenant, name="hourly", interval_minutes=60, last_scan_job=expired[0])
    # when
    report = retention.scans_purge_expired()
    # then the three jobs went in two rounds, each audited with what it deleted
    assert_expired_gone(expired)
    assert_kept_untouched(kept)
    assert report.tenants["acme"]["scan_jobs"] == 3
    audited = AuditEvent.objects.filter(tenant=tenant, action="scans.purged").order_by("created_at")
    assert [(e.data["scan_jobs"], e.data["outcomes"], e.data["results"]) for e in audited] == [(2, 14, 6), (1, 7, 3)]
    # and the schedule stays, without its last scan
    schedule.refresh_from_db()
    assert schedule.last_scan_job_id is None


def test_a_round_closes_once_its_jobs_hold_enough_outcomes(tenant, scans, monkeypatch):
    # given rounds of up to 100 jobs but at most one batch (5) of outcomes, or one job with more
    expired, kept = scans
    monkeypatch.setattr(retention, "PURGE_ROUND_BATCHES", 1)
    # when
    retention.scans_purge_expired(batch=BATCH)
    # then each job of 7 outcomes went in a round of its own
    assert_expired_gone(expired)
    assert_kept_untouched(kept)
    audited = AuditEvent.objects.filter(tenant=tenant, action="scans.purged").order_by("created_at")
    assert [(e.data["scan_jobs"], e.data["outcomes"]) for e in audited] == [(1, 7)] * 3
