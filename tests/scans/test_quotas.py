"""Per-tenant quotas on queued scans and pending exports (429), and fair share between tenants."""

import itertools
import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from complywise.choices import Role
from evidence.models import EvidenceExport
from frameworks.models import TenantFramework
from integrations.services import integration_create
from scans import services
from scans.models import ScanJob, ScanSchedule
from tests.factories import MembershipFactory, TenantFactory
from tests.frameworks.factories import FrameworkFactory
from tests.integrations.host.support import non_compliant_host

from .worker_support import poll_job, private_broker, published_not_run, start_worker, stop_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    # The DRF throttles count in the cache; quotas must be what answers 429 here, not a leftover rate.
    cache.clear()
    yield
    cache.clear()


def _with_framework(tenant):
    TenantFramework.objects.create(tenant=tenant, framework=FrameworkFactory())
    return tenant


def _queued(tenant, n, status="queued"):
    return [ScanJob.objects.create(tenant=tenant, status=status) for _ in range(n)]


@override_settings(TENANT_MAX_QUEUED_SCANS=3)
def test_trigger_over_the_queued_scan_quota_is_429(tenant, other_tenant, client_for):
    # given a tenant with two scans queued and one running (its quota is 3)
    _with_framework(tenant)
    _with_framework(other_tenant)
    _queued(tenant, 2)
    _queued(tenant, 1, status="running")
    # when it triggers another
    response = client_for(tenant, Role.MEMBER).post("/api/scans/trigger", format="json")
    # then it is refused with a reason, the limit and a Retry-After; no job is created
    assert response.status_code == 429
    body = response.json()
    assert "3 scans queued or running" in body["detail"] and body["limit"] == 3
    assert int(response["Retry-After"]) > 0
    assert ScanJob.objects.for_tenant(tenant).count() == 3
    # and another tenant is not affected
    assert client_for(other_tenant, Role.MEMBER).post("/api/scans/trigger", format="json").status_code == 202


@override_settings(TENANT_MAX_QUEUED_SCANS=2)
def test_finished_scans_free_the_quota(tenant, client_for):
    # given a tenant at its quota
    _with_framework(tenant)
    first, _ = _queued(tenant, 2)
    client = client_for(tenant, Role.MEMBER)
    assert client.post("/api/scans/trigger", format="json").status_code == 429
    # when one of its scans finishes
    ScanJob.objects.filter(pk=first.pk).update(status="completed", completed_at=timezone.now())
    # then it may trigger again
    assert client.post("/api/scans/trigger", format="json").status_code == 202


@override_settings(TENANT_MAX_QUEUED_SCANS=1)
def test_web_run_over_the_quota_is_429_with_a_message(tenant):
    # given a signed-in member whose tenant already has a scan queued
    _with_framework(tenant)
    _queued(tenant, 1)
    membership = MembershipFactory(tenant=tenant, role=Role.MEMBER)
    client = Client()
    client.force_login(membership.user)
    # when the "Run scan" form is posted
    response = client.post(reverse("web:scan-run"), {})
    # then the page says why, with 429 and Retry-After, and no job is added
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "scans queued or running" in response.content.decode()
    assert ScanJob.objects.for_tenant(tenant).count() == 1


@override_settings(TENANT_MAX_QUEUED_SCANS=1)
def test_a_schedule_over_the_quota_skips_with_a_logged_reason(tenant, caplog):
    # given a due schedule of a tenant that already has a scan queued
    _with_framework(tenant)
    _queued(tenant, 1)
    past = timezone.now() - timedelta(minutes=1)
    schedule = ScanSchedule.objects.create(tenant=tenant, name="nightly", interval_minutes=60, next_run_at=past)
    # when the beat runs due schedules
    with caplog.at_level(logging.WARNING, logger="scans.services"):
        jobs = services.schedules_run_due()
    # then no scan is added, the skip is logged with its reason, and the schedule moves on
    assert jobs == []
    assert ScanJob.objects.for_tenant(tenant).count() == 1
    assert any("quota" in r.getMessage() and "limit is 1" in r.error for r in caplog.records)
    schedule.refresh_from_db()
    assert schedule.next_run_at > timezone.now()


@override_settings(TENANT_MAX_PENDING_EXPORTS=2, API_THROTTLE_EXPORT="100/min")
def test_export_over_the_pending_export_quota_is_429(tenant, other_tenant, client_for):
    # given a tenant with one export queued and one being built (its quota is 2)
    framework = FrameworkFactory()
    for status in ("queued", "running"):
        EvidenceExport.objects.create(tenant=tenant, framework=framework, status=status)
    EvidenceExport.objects.create(tenant=tenant, framework=framework, status="completed")
    # when it asks for another
    response = client_for(tenant, Role.AUDITOR).post(
        "/api/evidence/export", {"framework_id": str(framework.pk)}, format="json"
    )
    # then it is refused with a reason and a Retry-After, and nothing is queued
    assert response.status_code == 429
    assert "2 exports being built" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert EvidenceExport.objects.for_tenant(tenant).count() == 3
    # and another tenant is not affected
    other = client_for(other_tenant, Role.AUDITOR).post(
        "/api/evidence/export", {"framework_id": str(framework.pk)}, format="json"
    )
    assert other.status_code == 202


# --- fair share on a real worker ------------------------------------------------------------------


def _host_tenant(slug, root):
    tenant = _with_framework(TenantFactory(name=slug.title(), slug=slug))
    non_compliant_host(root)
    integration_create(tenant=tenant, actor=None, type="host", name="web-1", config={"root": str(root)}, credentials={})
    return tenant


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_one_tenants_burst_does_not_starve_another(tmp_path):
    # given tenant A with five scans queued before tenant B's one, and a worker that runs one task at a time
    a = _host_tenant("burst", tmp_path / "a")
    b = _host_tenant("quiet", tmp_path / "b")
    with private_broker(tmp_path) as broker_env:
        with override_settings(TENANT_MAX_QUEUED_SCANS=5), published_not_run():
            a_jobs = [services.scan_trigger(tenant=a, actor=None) for _ in range(5)]
            b_job = services.scan_trigger(tenant=b, actor=None)
        worker = start_worker(
            tmp_path,
            concurrency=1,
            env={**broker_env, "TENANT_MAX_RUNNING_SCANS": "1", "SCAN_FAIR_SHARE_RETRY_SECONDS": "1"},
        )
        try:
            # when the worker drains the queue
            finished = {str(j.pk): poll_job(str(j.pk), worker, timeout=180) for j in [*a_jobs, b_job]}
        finally:
            stop_worker(worker)
    # then every scan completed
    assert all(j.status == "completed" for j in finished.values()), worker.log.read_text()[-3000:]
    # and B's scan did not wait behind all of A's: it started before most of A's scans did
    b_started = finished[str(b_job.pk)].started_at
    a_started = sorted(finished[str(j.pk)].started_at for j in a_jobs)
    assert sum(1 for t in a_started if t > b_started) >= 3, (b_started, a_started)
    # and A never ran two scans at once (its running-scan cap is 1)
    spans = sorted((finished[str(j.pk)].started_at, finished[str(j.pk)].completed_at) for j in a_jobs)
    assert all(prev_end <= next_start for (_, prev_end), (next_start, _) in itertools.pairwise(spans))
