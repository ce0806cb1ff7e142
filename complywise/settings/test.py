"""Settings for the test suite: the embedded default (or DATABASE_URL/CELERY_BROKER_URL when set)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Most tests run tasks in-process; the end-to-end tests switch this off and start a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=["0GUmlMeUfgoZ4FqHiRPLVsg2ntXfDwrh95zS4d2kTnU="])
# seed_demo in a test must never overwrite the real install's demo login in var/.
DEMO_LOGIN_FILE = Path(tempfile.gettempdir()) / f"cw-test-demo-login-{os.getpid()}.txt"
# Tasks run eagerly here, so a webhook retry cannot wait: try fast and give up soon (tests that exercise
# retries set their own numbers).
WEBHOOK_MAX_ATTEMPTS = 2
WEBHOOK_RETRY_BASE_SECONDS = 0
WEBHOOK_TIMEOUT_SECONDS = 2
