"""Broker faults: every scan, part and export ends completed or failed with a reason.

Faults are real: a Redis port nobody listens on, the embedded broker losing its messages
(purged, as a kill -9 leaves it), a broker folder that is a file, a private redis-server
stopped and restarted under a running worker, and a worker killed with SIGKILL.
"""

import json
import os
import signal
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from complywise.choices import Role
from evidence.exports import evidence_exports_reap_stale
from evidence.models import Evidence, EvidenceExport
from frameworks.models import TenantFramework
from integrations.services import integration_create
from scans import engine, services
from scans.models import ScanJob, ScanPart, ScanResult
from tests.frameworks.factories import ControlFactory, FrameworkFactory
from tests.integrations.host.support import non_compliant_host
from tests.ports import closed_port

from .worker_support import (
    PrivateRedis,
    broker,
    poll_job,
    private_broker,
    published_not_run,
    purge_broker,
    start_worker,
    stop_worker,
)

pytestmark = pytest.mark.django_db(transaction=True)

# A Redis that is down: a port held, never listening, for the whole run (refused, and no other test run takes it).
DOWN_REDIS = f"redis://127.0.0.1:{closed_port()}/0"
REDIS_OPTIONS = {"visibility_timeout": 3600}


@pytest.fixture(autouse=True)
def own_broker(tmp_path):
    """Publish to a broker no other test run in this tree shares (their workers and purges stay out)."""
    with private_broker(tmp_path) as worker_env:
        yield worker_env


@pytest.fixture
def scan_tenant(tenant, tmp_path):
    """A tenant with one framework control and two host integrations (two scan parts)."""
    control = ControlFactory(framework=FrameworkFactory())
    TenantFramework.objects.create(tenant=tenant, framework=control.framework)
    for name in ("web-1", "web-2"):
        non_compliant_host(tmp_path / name)
        integration_create(
            tenant=tenant, actor=None, type="host", name=name, config={"root": str(tmp_path / name)}, credentials={}
        )
    return tenant


def _started_job(tenant) -> ScanJob:
    """A triggered scan that a worker has started (parts created and published), run step by step here."""
    job = services.scan_trigger(tenant=tenant, actor=None)
    engine.scan_start(scan_job_id=str(job.pk))
    return ScanJob.objects.get(pk=job.pk)


def _parts(job) -> list[ScanPart]:
    return list(ScanPart.objects.filter(scan_job=job).order_by("integration_name"))


def test_a_lost_roll_up_is_rolled_up_by_the_reaper(scan_tenant):
    # given a scan whose parts all finished, but whose roll-up message the embedded broker lost
    with published_not_run():
        job = _started_job(scan_tenant)
        for part in _parts(job):
            engine.scan_part_run(part_id=str(part.pk))
        purge_broker()
    job.refresh_from_db()
    assert job.status == "running" and job.progress == 90
    # when the reaper runs within the grace period, it leaves the job alone
    assert services.scan_reap_stale() == 0
    # when it runs after the grace period
    reaped = services.scan_reap_stale(now=timezone.now() + services.ROLLUP_GRACE + timedelta(seconds=1))
    # then the job is rolled up, not failed as "worker lost"
    job.refresh_from_db()
    assert reaped == 1
    assert job.status == "completed" and job.progress == 100 and not job.partial and job.error == ""
    assert ScanResult.objects.filter(scan_job=job).count() == job.total_controls == 1
    assert Evidence.objects.filter(scan_job_id=job.pk).count() == 1


def test_redis_down_at_the_end_of_a_scan_rolls_up_in_the_worker(scan_tenant, caplog):
    # given a scan started while the broker worked
    with published_not_run():
        job = _started_job(scan_tenant)
        purge_broker()
        # when Redis is down as the last part finishes (nothing listens on its port)
        with broker(DOWN_REDIS, REDIS_OPTIONS):
            for part in _parts(job):
                engine.scan_part_run(part_id=str(part.pk))
    # then the roll-up could not be enqueued, so the worker rolled up itself: the job is not stuck at 90 %
    job.refresh_from_db()
    assert job.status == "completed" and job.progress == 100
    assert ScanResult.objects.filter(scan_job=job).count() == 1
    assert any("roll-up not enqueued" in r.getMessage() for r in caplog.records)


def test_a_part_whose_worker_died_fails_with_a_reason_and_the_scan_completes_partial(scan_tenant):
    # given a scan with one part done and one a killed worker left "running" (its message gone with it)
    with published_not_run():
        job = _started_job(scan_tenant)
        done, lost = _parts(job)
        engine.scan_part_run(part_id=str(done.pk))
        ScanPart.objects.filter(pk=lost.pk).update(status="running", started_at=timezone.now())
        purge_broker()
    # when the reaper runs after the stall deadline
    later = timezone.now() + timedelta(seconds=settings.SCAN_RUNNING_STALL_SECONDS + 1)
    reaped = services.scan_reap_stale(now=later)
    # then the lost part is failed with a reason, and the scan completes on what was scanned, marked partial
    assert reaped == 1
    lost.refresh_from_db()
    done.refresh_from_db()
    assert done.status == "done"
    assert lost.status == "failed" and "worker lost or killed" in lost.error and lost.completed_at
    job.refresh_from_db()
    assert job.status == "completed" and job.partial
    assert "1 integration(s) not scanned" in job.error
    assert ScanResult.objects.filter(scan_job=job).count() == 1


def test_parts_that_never_started_fail_and_so_does_the_scan(scan_tenant, caplog):
    # given a scan whose fan-out could not be published (Redis down as the worker started it)
    with published_not_run():
        job = services.scan_trigger(tenant=scan_tenant, actor=None)
        purge_broker()
        with broker(DOWN_REDIS, REDIS_OPTIONS):
            engine.scan_start(scan_job_id=str(job.pk))
    assert any("scan parts not enqueued" in r.getMessage() for r in caplog.records)
    assert {p.status for p in _parts(job)} == {"pending"}
    # when the reaper runs after the stall deadline
    later = timezone.now() + timedelta(seconds=settings.SCAN_RUNNING_STALL_SECONDS + 1)
    assert services.scan_reap_stale(now=later) == 1
    # then every part and the scan end failed, each with a reason
    for part in _parts(job):
        assert part.status == "failed" and "never started" in part.error
    job.refresh_from_db()
    assert job.status == "failed" and "stopped reporting progress" in job.error and job.completed_at


# --- exports --------------------------------------------------------------------------------------


@pytest.fixture
def unwritable_broker_folder(tmp_path):
    """Embedded-broker options whose outgoing folder is a regular file: every publish fails."""
    blocker = tmp_path / "queue-is-a-file"
    blocker.write_text("not a folder")
    folder = str(tmp_path / "ok")
    os.mkdir(folder)
    return {
        "data_folder_in": folder,
        "data_folder_out": str(blocker),
        "processed_folder": folder,
        "control_folder": folder,
        "store_processed": False,
    }


@pytest.mark.parametrize("fault", ["redis-down", "embedded-folder-unwritable"])
def test_export_requested_while_the_broker_is_down_is_503_and_failed(
    fault, tenant, client_for, unwritable_broker_folder
):
    # given a broker that cannot take a message
    url, options = (DOWN_REDIS, REDIS_OPTIONS) if fault == "redis-down" else ("filesystem://", unwritable_broker_folder)
    framework = FrameworkFactory()
    client = client_for(tenant, Role.AUDITOR)
    # when an export is requested
    with published_not_run(), broker(url, options):
        response = client.post("/api/evidence/export", {"framework_id": str(framework.pk)}, format="json")
    # then the client gets a JSON 503 naming the export, which has failed with a reason (not queued forever)
    assert response.status_code == 503, response.content
    body = response.json()
    assert "broker is unreachable" in body["detail"]
    export = EvidenceExport.objects.get(pk=body["export_id"])
    assert export.status == "failed" and "broker is unreachable" in export.error and export.completed_at


def test_scan_triggered_while_the_embedded_broker_cannot_write_is_503(
    scan_tenant, client_for, unwritable_broker_folder
):
    # given an embedded broker whose queue folder cannot be written
    client = client_for(scan_tenant, Role.MEMBER)
    # when a scan is triggered
    with published_not_run(), broker("filesystem://", unwritable_broker_folder):
        response = client.post("/api/scans/trigger", format="json")
    # then 503, and the job is failed with a reason
    assert response.status_code == 503, response.content
    job = ScanJob.objects.get(pk=response.json()["scan_job_id"])
    assert job.status == "failed" and "broker is unreachable" in job.error


def test_the_reaper_fails_exports_stuck_queued_or_running(tenant):
    # given exports queued and running long ago (messages lost, worker killed), and fresh ones
    framework = FrameworkFactory()
    long_ago = timezone.now() - timedelta(hours=3)
    stuck_queued = EvidenceExport.objects.create(tenant=tenant, framework=framework, status="queued")
    stuck_running = EvidenceExport.objects.create(tenant=tenant, framework=framework, status="running")
    EvidenceExport.objects.filter(pk__in=[stuck_queued.pk, stuck_running.pk]).update(
        created_at=long_ago, updated_at=long_ago
    )
    fresh = [EvidenceExport.objects.create(tenant=tenant, framework=framework, status=s) for s in ("queued", "running")]
    # when the reaper runs
    reaped = evidence_exports_reap_stale()
    # then the stuck ones failed, each with its reason, and the fresh ones were left alone
    assert reaped == 2
    for export, phrase in ((stuck_queued, "No worker started"), (stuck_running, "worker lost or killed")):
        export.refresh_from_db()
        assert export.status == "failed" and phrase in export.error and export.completed_at
    assert sorted(EvidenceExport.objects.filter(pk__in=[f.pk for f in fresh]).values_list("status", flat=True)) == [
        "queued",
        "running",
    ]


# --- real workers ---------------------------------------------------------------------------------


class _Gate:
    """A local GitHub API whose every request waits until the test opens the gate, then answers 401."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.hit = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                gate.hit.set()
                gate.opened.wait(timeout=120)
                body = json.dumps({"message": "Bad credentials"}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.opened.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gate():
    gate = _Gate()
    yield gate
    gate.close()


def _gated_github(tenant, gate) -> None:
    integration_create(
        tenant=tenant,
        actor=None,
        type="github",
        name="gated",
        config={"organization": "acme", "api_url": gate.url},
        credentials={"token": "ghp_gatedtoken000000000000000000000000000"},
    )


def _wait_for(condition, what: str, worker, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{worker.log.read_text()[-4000:]}")
        time.sleep(0.2)


@pytest.fixture
def private_redis(tmp_path):
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed; the Redis restart test needs its own server")
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.mark.e2e
def test_a_redis_restart_with_a_task_in_flight_does_not_stop_the_worker(scan_tenant, gate, private_redis, tmp_path):
    # given a worker on a private Redis, and a scan whose GitHub part is in flight (its API holds every request)
    _gated_github(scan_tenant, gate)
    worker = start_worker(tmp_path, concurrency=2, env={"CELERY_BROKER_URL": private_redis.url}, name="redis")
    try:
        with broker(private_redis.url, REDIS_OPTIONS), published_not_run():
            job = services.scan_trigger(tenant=scan_tenant, actor=None)
            _wait_for(gate.hit.is_set, "the GitHub part to start", worker)
            # when Redis stops (and comes back empty, like a restart without persistence) mid-task
            private_redis.stop()
            _wait_for(lambda: "Connection to broker lost" in worker.log.read_text(), "the lost connection", worker)
            time.sleep(1)
            private_redis.start()
            gate.opened.set()
            finished = poll_job(str(job.pk), worker, timeout=120)
            # then the worker is still running and the scan completed, the unreachable GitHub marked as such
            assert worker.poll() is None, worker.log.read_text()[-4000:]
            assert finished.status == "completed", (finished.error, worker.log.read_text()[-4000:])
            parts = {p.integration_name: p for p in _parts(finished)}
            assert parts["gated"].status == "failed" and "rejected the token" in parts["gated"].error
            assert parts["web-1"].status == parts["web-2"].status == "done"
            # and it still takes new work after the restart
            again = services.scan_trigger(tenant=scan_tenant, actor=None)
            assert poll_job(str(again.pk), worker, timeout=120).status == "completed"
    finally:
        stop_worker(worker)


@pytest.mark.e2e
def test_a_worker_killed_on_the_embedded_broker_leaves_no_part_running(scan_tenant, gate, tmp_path, own_broker):
    # given a scan on the embedded broker whose host parts are done and whose GitHub part is in flight
    _gated_github(scan_tenant, gate)
    with published_not_run():
        job = services.scan_trigger(tenant=scan_tenant, actor=None)
        worker = start_worker(tmp_path, concurrency=3, env=own_broker, name="fs")
        try:
            _wait_for(gate.hit.is_set, "the GitHub part to start", worker)
            _wait_for(
                lambda: ScanPart.objects.filter(scan_job=job, status="done").count() == 2, "the host parts", worker
            )
            # when the worker is killed outright (the embedded broker has already handed the message out)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        finally:
            stop_worker(worker)
    assert ScanPart.objects.get(scan_job=job, integration_name="gated").status == "running"
    # and the reaper runs after the stall deadline
    later = timezone.now() + timedelta(seconds=settings.SCAN_RUNNING_STALL_SECONDS + 1)
    assert services.scan_reap_stale(now=later) == 1
    # then no part is left running: the lost one failed with a reason, and the scan completed, partial
    gated = ScanPart.objects.get(scan_job=job, integration_name="gated")
    assert gated.status == "failed" and "worker lost or killed" in gated.error
    job.refresh_from_db()
    assert job.status == "completed" and job.partial and "not scanned" in job.error
