"""`make run`'s process manager for real: web, worker and beat start, serve, log each request once and stop cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.ports import free_port

START_TIMEOUT = 90
STOP_TIMEOUT = 30
ONE_REQUEST = "runstack-test-request"


def _alive(port: int, request_id: str = "") -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": request_id} if request_id else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_runstack_serves_logs_each_request_once_and_stops_cleanly_on_ctrl_c(tmp_path: Path):
    # given the embedded stack in its own data folder (its own SQLite and filesystem broker: never the suite's)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER")
    }
    env |= {"COMPLYWISE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "complywise.settings.base"}
    log = (tmp_path / "stack.log").open("w+")
    stack = subprocess.Popen(
        [sys.executable, "manage.py", "runstack", "--port", str(port), "--concurrency", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _alive(port):
            assert stack.poll() is None, (tmp_path / "stack.log").read_text()
            assert time.monotonic() < deadline, "the stack did not serve /healthz in time"
            time.sleep(0.5)
        # (the worker and beat start alongside the web server: Ctrl-C comes once all three are up, as a user's would)
        while not all(mark in (tmp_path / "stack.log").read_text() for mark in (" ready.", "beat: Starting")):
            assert stack.poll() is None, (tmp_path / "stack.log").read_text()
            assert time.monotonic() < deadline, "the worker and beat did not start in time"
            time.sleep(0.5)
        # when a request is served and then Ctrl-C reaches the command (the terminal signals its process group)
        assert _alive(port, request_id=ONE_REQUEST)
        # (its children run in their own sessions, so the terminal's SIGINT reaches the command alone)
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=STOP_TIMEOUT)
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.wait()
    output = (tmp_path / "stack.log").read_text()
    # then it stopped by itself, nothing was killed hard, and the port is free again
    assert stack.returncode == 0, output
    assert "Stopped in" in output
    assert "SIGKILL" not in output and "Traceback" not in output, output
    assert not _alive(port)
    # and the request was logged once, by the application, with what it needs (no second access-log line)
    [line] = [line for line in output.splitlines() if f"req={ONE_REQUEST}" in line]
    assert "complywise.request" in line and "GET /healthz 200" in line and line.endswith("ms")
    assert '"GET /healthz HTTP/1.1"' not in output
