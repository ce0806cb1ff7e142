"""Run web, worker and beat together in the foreground; Ctrl-C (or any one dying) stops them all."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def bind_warning(host: str) -> str | None:
    """A warning when ``host`` may accept connections from other machines; None for loopback."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return None
    try:
        if ipaddress.ip_address(name).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may resolve to any interface, so warn
    return (
        f"WARNING: binding to {host}, which is not a loopback address: other machines can reach this "
        "embedded install (development settings, plain HTTP, the demo login). Use the production profile "
        "(DJANGO_SETTINGS_MODULE=complywise.settings.production, behind TLS) for anything shared."
    )


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat in the foreground (embedded install)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--no-beat", action="store_true")

    def handle(self, *args, **opts):
        warning = bind_warning(opts["host"])
        if warning:
            self.stderr.write(self.style.WARNING(warning))
        python = sys.executable
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "complywise.settings.base"),
        }
        commands = {
            "web": [
                python, "-m", "gunicorn", "complywise.wsgi:application",
                "--bind", f"{opts['host']}:{opts['port']}", "--workers", "2", "--threads", "4",
                "--access-logfile", "-", "--graceful-timeout", "10",
            ],
            "worker": [
                python, "-m", "celery", "-A", "complywise", "worker", "--loglevel", "INFO",
                "--concurrency", str(opts["concurrency"]), "--hostname", "worker@%h",
            ],
        }  # fmt: skip
        if not opts["no_beat"]:
            commands["beat"] = [
                python, "-m", "celery", "-A", "complywise", "beat", "--loglevel", "INFO",
                "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ]  # fmt: skip
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(f"ComplyWise running on http://{opts['host']}:{opts['port']}/ — Ctrl-C stops everything.")

        stopping = False

        def _stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        exit_code = 0
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping the others.")
                        exit_code = proc.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._terminate(processes)
        if exit_code:
            sys.exit(exit_code)

    def _terminate(self, processes: dict[str, subprocess.Popen]) -> None:
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in processes.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.stdout.write("Stopped.")
