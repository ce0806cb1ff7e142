"""The web and Celery workers settle their heap once loaded (complywise.heap), in a fresh interpreter each, as
gunicorn and ``celery worker`` start them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from complywise import heap

ROOT = Path(__file__).resolve().parents[2]

REPORT = """
import gc, json, sys, weakref
{load}
class Node:
    pass
a, b = Node(), Node()
a.other, b.other = b, a
alive = weakref.ref(a)
del a, b
gc.collect()
print(json.dumps({{
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold(),
    "views_loaded": "scans.api.views" in sys.modules,
    "cycle_freed": alive() is None,
}}))
"""


def run_report(load: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="complywise.settings.base", COMPLYWISE_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", REPORT.format(load=load)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_worker_freezes_its_loaded_heap_with_every_view_in_it(tmp_path):
    # when: what a gunicorn worker does first
    report = run_report("from complywise.wsgi import application", tmp_path)
    # then: the loaded application (views included) is out of the collector's walk, which still runs
    assert report["frozen"] > 50_000
    assert report["views_loaded"] is True
    assert report["threshold"][0] == heap.YOUNG_THRESHOLD
    assert report["cycle_freed"] is True


def test_a_celery_worker_freezes_its_heap_before_forking_its_pool(tmp_path):
    # when: the signal a worker's main process sends before it starts the pool
    report = run_report(
        "from celery import signals\nfrom complywise.celery import app\nimport django\ndjango.setup()\n"
        "signals.worker_init.send(sender=None)",
        tmp_path,
    )
    # then
    assert report["frozen"] > 50_000
    assert report["threshold"][0] == heap.YOUNG_THRESHOLD
    assert report["cycle_freed"] is True


def test_nothing_is_frozen_until_a_worker_starts(tmp_path):
    # when: the settings and the Celery app are only imported (manage.py commands, tests)
    report = run_report("from complywise.celery import app\nimport django\ndjango.setup()", tmp_path)
    # then
    assert report["frozen"] == 0
    assert report["threshold"][0] != heap.YOUNG_THRESHOLD
