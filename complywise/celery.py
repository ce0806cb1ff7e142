"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery, signals
from kombu.exceptions import ChannelError, OperationalError

from . import heap, rls
from . import logging as task_log_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complywise.settings.base")

app = Celery("complywise")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Row-level security: every task starts with no tenant and scopes itself once it knows its job's tenant;
# the scope it found (an eager task inside a request) is given back when it ends. Log lines name the task and,
# once scoped, the tenant.
signals.task_prerun.connect(rls.on_task_prerun, dispatch_uid="complywise.rls.task_prerun")
signals.task_postrun.connect(rls.on_task_postrun, dispatch_uid="complywise.rls.task_postrun")
signals.task_prerun.connect(task_log_context.on_task_prerun, dispatch_uid="complywise.logging.task_prerun")
signals.task_postrun.connect(task_log_context.on_task_postrun, dispatch_uid="complywise.logging.task_postrun")


@signals.worker_init.connect(dispatch_uid="complywise.heap.worker_init")
def settle_heap(**kwargs) -> None:
    # In the worker's main process, before it forks its pool: every child inherits the frozen heap, and
    # never writing to those objects' headers keeps their memory pages shared between the children.
    heap.settle(load_urls=False)


# What publishing raises when the broker cannot take a message: Redis unreachable (OperationalError),
# the embedded filesystem broker's folder unwritable (ChannelError), or a raw socket/file error.
BROKER_ERRORS = (OperationalError, ChannelError, OSError)
# How long a request waits for the broker when publishing a task before it answers 503.
BROKER_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
