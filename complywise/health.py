"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import os
import tempfile

from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse

from complywise.celery import app

logger = logging.getLogger(__name__)


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    # The URL publishing uses (the write URL falls back to broker_url).
    if (app.conf.broker_write_url or "").startswith("filesystem"):
        _probe_filesystem_broker(app.conf.broker_transport_options or {})
        return
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _probe_filesystem_broker(options: dict) -> None:
    """Write and remove a file where publishing writes messages, and list where workers read them.

    Connecting to the filesystem transport always succeeds, so only a real write shows whether a
    publish would. The probe's name never ends in ``.<queue>.msg``, so no worker takes it for a task.
    """
    for key in ("data_folder_out", "control_folder"):
        if options.get(key):
            with tempfile.NamedTemporaryFile(dir=options[key], prefix=".readyz-", suffix=".probe") as probe:
                probe.write(b"ok")
                probe.flush()
    if options.get("data_folder_in"):
        os.listdir(options["data_folder_in"])


def _check_storage() -> None:
    storages["evidence"].exists("healthcheck")


CHECKS = {"database": _check_database, "broker": _check_broker, "storage": _check_storage}


def readyz(request):
    results = {}
    for name, probe in CHECKS.items():
        try:
            probe()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - a probe must report any failure, not crash
            logger.warning("readiness check failed", extra={"check": name, "error": str(exc)})
            results[name] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in results.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": results}, status=200 if ok else 503)
