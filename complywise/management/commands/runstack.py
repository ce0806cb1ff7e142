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


STOP_GRACE_SECONDS = 3
STOP_COLD_SECONDS = 3


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
                # No access log: RequestContextMiddleware logs each request once, with tenant, user and time.
                "--graceful-timeout", "5",
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
        # Each child in its own session: Ctrl-C reaches this command alone, which then stops each child the way
        # it stops quickly and cleanly (a terminal's SIGINT to the whole group made celery see it twice and
        # gunicorn wait out its graceful timeout before SIGKILLing its workers).
        processes = {
            name: subprocess.Popen(cmd, env=env, start_new_session=True)  # noqa: S603
            for name, cmd in commands.items()
        }
        self.stdout.write(f"ComplyWise running on http://{opts['host']}:{opts['port']}/ — Ctrl-C stops everything.")

        stopping = False

        def _stop(signum, frame):
            nonlocal stopping
            stopping = True

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _stop)
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
        """Stop every child within a few seconds, each the way it stops cleanly.

        gunicorn: SIGINT, a quick shutdown (an idle keep-alive connection would hold a graceful one open).
        celery worker and beat: SIGTERM, a warm shutdown that lets a running task finish; after
        ``STOP_GRACE_SECONDS`` a cold one (SIGQUIT): an unacknowledged task goes back to the queue (acks_late).
        """
        started = time.monotonic()
        for name, proc in processes.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT if name == "web" else signal.SIGTERM)
        self._wait(processes, started + STOP_GRACE_SECONDS)
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT)
        self._wait(processes, time.monotonic() + STOP_COLD_SECONDS)
        for proc in processes.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.stdout.write(f"Stopped in {time.monotonic() - started:.1f} s.")

    @staticmethod
    def _wait(processes: dict[str, subprocess.Popen], deadline: float) -> None:
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue
