"""The seed flow with a real Celery worker process: embedded broker by default, Redis when CI sets it."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from complywise.celery import app as celery_app
from frameworks.catalog import catalog_load_all
from frameworks.services import tenant_activate_default_frameworks
from integrations.services import integration_create
from scans import services
from scans.models import CheckOutcome, ScanJob, ScanResult

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-access-key-00000000000000000000"


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _purge_broker() -> None:
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        for folder in ("queue", "processed"):
            for path in (settings.BROKER_DIR / folder).glob("*"):
                path.unlink(missing_ok=True)
    else:
        celery_app.control.purge()


@pytest.fixture
def worker(tmp_path):
    """A real `celery worker` process on this test database; the test process publishes to it."""
    _purge_broker()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "complywise.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": _database_url(),
        "SCAN_RUNNING_STALL_SECONDS": "900",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "complywise", "worker", "--loglevel", "INFO", "--concurrency", "2",
        "--without-gossip", "--without-mingle", "--hostname", f"e2e-{os.getpid()}@%h",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    process.log = log
    yield process
    celery_app.conf.task_always_eager = was_eager
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


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
