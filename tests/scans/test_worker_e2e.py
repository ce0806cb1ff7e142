"""The seed flow with a real Celery worker process: embedded broker by default, Redis when CI sets it."""

import os
import signal
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from complywise.celery import app as celery_app
from frameworks.catalog import catalog_load_all
from frameworks.services import tenant_activate_default_frameworks
from integrations.services import integration_create
from scans import services
from scans.models import CheckOutcome, ScanJob, ScanResult
from tests.scans.worker_support import purge_broker, start_worker, stop_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "e2e-secret-access-key-00000000000000000000"


@pytest.fixture
def worker(tmp_path):
    """A real `celery worker` process on this test database; the test process publishes to it."""
    purge_broker()
    process = start_worker(tmp_path, env={"SCAN_RUNNING_STALL_SECONDS": "900"}, name="e2e")
    was_eager = celery_app.conf.task_always_eager
    # Whatever the test does, the worker is stopped and the suite runs tasks eagerly again: a worker left
    # behind would take the next tests' tasks from the shared broker.
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = was_eager
        stop_worker(process)


def _poll(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/scans/{job_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"scan {job_id} still {body['status']} after {timeout}s")


@pytest.fixture
def aws_tenant(tenant, moto_reset):
    catalog_load_all()
    tenant_activate_default_frameworks(tenant=tenant, keys=["soc2", "cis-aws"])
    integration_create(
        tenant=tenant,
        actor=None,
        type="aws",
        name="prod",
        config={"regions": ["us-east-1"], "endpoint_url": moto_reset},
        credentials={"access_key_id": "AKIAE2ETEST000000000", "secret_access_key": SECRET},
    )
    return tenant


def test_seed_flow_with_a_real_worker(aws_tenant, client_for, worker, open_ssh_group):
    # given an admin's API token
    client = client_for(aws_tenant)
    # when a scan is triggered (no body) and polled as the seed document says
    triggered = client.post("/api/scans/trigger", format="json")
    assert triggered.status_code == 202
    job = _poll(client, triggered.json()["scan_job_id"])
    # then it completed in the worker, with counts that add up and failing results to read
    assert job["status"] == "completed", (job, worker.log.read_text()[-3000:])
    assert job["total_controls"] == job["passed_controls"] + job["failed_controls"] + job["not_applicable_controls"]
    failing = client.get(f"/api/scans/{job['id']}/results?status=fail&limit=1000").json()
    assert failing["count"] == job["failed_controls"] > 0
    assert any(open_ssh_group in r["finding"] for r in failing["results"])
    # and nothing was written twice
    assert ScanResult.objects.filter(scan_job_id=job["id"]).count() == job["total_controls"]
    history = client.get("/api/scans").json()
    assert history["results"][0]["id"] == job["id"]


@pytest.fixture
def blackhole():
    """A TCP endpoint that accepts connections and never answers: a provider call that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_worker_killed_mid_scan_ends_failed_via_the_reaper(tenant, client_for, worker, blackhole):
    # given an integration whose provider hangs, and a scan the worker is stuck in
    catalog_load_all()
    tenant_activate_default_frameworks(tenant=tenant, keys=["soc2"])
    integration_create(
        tenant=tenant,
        actor=None,
        type="aws",
        name="hangs",
        config={"regions": ["us-east-1"], "endpoint_url": blackhole},
        credentials={"access_key_id": "AKIAE2EHANG000000000", "secret_access_key": SECRET},
    )
    client = client_for(tenant)
    job_id = client.post("/api/scans/trigger", format="json").json()["scan_job_id"]
    deadline = time.monotonic() + 60
    while not ScanJob.objects.get(pk=job_id).parts.filter(status="running").exists():
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.2)
    # when the worker is killed outright and the reaper runs after the stall deadline
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    later = timezone.now() + timedelta(seconds=settings.SCAN_RUNNING_STALL_SECONDS + 1)
    reaped = services.scan_reap_stale(now=later)
    # then the job is failed with a reason, and no partial rows were left behind
    job = ScanJob.objects.get(pk=job_id)
    assert reaped == 1
    assert job.status == "failed" and "stopped reporting progress" in job.error
    assert not CheckOutcome.objects.filter(scan_job_id=job_id).exists()
    assert client.get(f"/api/scans/{job_id}/results").json()["partial"] is True
