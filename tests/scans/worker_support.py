"""Real Celery worker processes (and a private Redis) for the fault and fair-share tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.db import connection

from complywise.celery import app as celery_app
from scans.models import ScanJob
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _reset_pools() -> None:
    # Celery caches its connection and producer pools per broker URL; a new URL needs new pools.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker(url: str, transport_options: dict):
    """Publish from this test process to ``url`` instead of the configured broker."""
    conf = celery_app.conf
    saved = (
        conf.get("broker_write_url"),
        conf.get("broker_read_url"),
        conf.broker_transport_options,
        conf.broker_transport,
    )
    # The write/read URLs, because Celery prefers a CELERY_BROKER_URL environment variable to broker_url.
    conf.broker_write_url = conf.broker_read_url = url
    conf.broker_transport_options = transport_options
    # As the settings choose it: the explicit transport class applies to redis:// URLs only.
    conf.broker_transport = "complywise.broker:RedisTransport" if url.startswith("redis://") else None
    _reset_pools()
    try:
        yield
    finally:
        conf.broker_write_url, conf.broker_read_url, conf.broker_transport_options, conf.broker_transport = saved
        _reset_pools()


def purge_broker() -> None:
    if (celery_app.conf.broker_write_url or "").startswith("filesystem"):
        options = celery_app.conf.broker_transport_options
        for key in ("data_folder_in", "processed_folder"):
            for path in Path(options[key]).glob("*"):
                path.unlink(missing_ok=True)
    else:
        celery_app.control.purge()


def embedded_broker_options(var_dir: Path) -> dict:
    """The embedded broker's folders under ``var_dir``, as the settings lay them out."""
    folders = {name: var_dir / "broker" / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }


@contextmanager
def private_broker(tmp_path: Path):
    """A broker only this test and its worker use; yields the environment the worker needs for it.

    The embedded broker's folder under var/ is shared by every test run in this working tree (another
    run's worker would take our messages, its purge would drop them), so it gets a folder of its own.
    """
    if (celery_app.conf.broker_write_url or "").startswith("filesystem"):
        var_dir = tmp_path / "var"
        with broker("filesystem://", embedded_broker_options(var_dir)):
            yield {"COMPLYWISE_VAR_DIR": str(var_dir)}
    else:
        yield {}


@contextmanager
def published_not_run():
    """Tasks are published to the broker (for a worker to run later) instead of run in this process."""
    purge_broker()
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = was_eager


def start_worker(tmp_path: Path, *, concurrency: int = 2, env: dict | None = None, name: str = "w") -> subprocess.Popen:
    """A real `celery worker` process on this test database; waits until it is ready."""
    log = tmp_path / f"worker-{name}.log"
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "complywise.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": database_url(),
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "complywise", "worker", "--loglevel", "INFO",
        "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", f"{name}-{os.getpid()}@%h",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    process.log = log
    # Generous: on a loaded two-core machine a worker's imports alone can take a while.
    deadline = time.monotonic() + 120
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            raise AssertionError(f"worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        # A warm shutdown is asked of the main process only, as an operator's SIGTERM does: it stops its own pool.
        # Signalling the whole group killed the pool's children under it, and the main process then waited out the
        # 20 seconds below for children already gone.
        os.kill(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    # Whatever is left of the group (a child the main process did not reap) goes too.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def poll_job(job_id: str, worker: subprocess.Popen, timeout: float = 120) -> ScanJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ScanJob.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.3)
    raise AssertionError(f"scan {job_id} still {job.status} after {timeout}s:\n{worker.log.read_text()[-4000:]}")


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class PrivateRedis:
    """A throw-away redis-server on its own port (no persistence), to stop and start under a test."""

    def __init__(self, tmp_path: Path, port: int | None = None) -> None:
        # A port of its own (suites run side by side in CI; a fixed one would be taken by the other's server).
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        if _port_open(self.port):
            raise AssertionError(f"port {self.port} is taken; the private Redis needs it")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if time.monotonic() > deadline:
                raise AssertionError("the private redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
