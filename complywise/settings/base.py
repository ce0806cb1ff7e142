"""Settings read once from the environment (12-factor).

With no variable set at all, ComplyWise runs embedded on one machine: SQLite under
``var/``, evidence files under ``var/``, and a Celery broker on the local filesystem,
so a real worker process runs with no server to install.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("COMPLYWISE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The embedded default is for one machine; production.py refuses to start without a real key.
SECRET_KEY = env.str("SECRET_KEY", default="complywise-embedded-insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "complywise",
    "complywise.accounts",
    "frameworks",
    "integrations",
    "evidence",
    "scans",
    "notifications",
    "reviews",
    "web",
]

MIDDLEWARE = [
    "complywise.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "complywise.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout flagged during the request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "complywise.urls"
WSGI_APPLICATION = "complywise.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "complywise.context_processors.tenancy",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'complywise.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web process read while a worker writes; IMMEDIATE avoids
            # "database is locked" when two processes upgrade read locks to write locks.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
    # A file (not in-memory) so a real worker process can share it; one per test run so
    # parallel runs on one machine never clobber each other.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side binding lets psycopg prepare a statement a connection has run five times: PostgreSQL then skips
    # parsing and planning it (a credential lookup's four-table join costs a quarter of the database CPU). Off
    # behind a pooler in transaction mode (PgBouncer before 1.21), where a prepared statement may not be there.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
# PostgreSQL row-level security (complywise.rls): web and workers connect (DATABASE_URL) as this role, which
# owns nothing and bypasses nothing; `migrate` and `setup_database_roles` run as the owner with this set.
DATABASE_APP_URL = env.str("DATABASE_APP_URL", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- Web login security (complywise.accounts) -------------------------------------------------
# django-axes checks the lockout before any password is compared; it needs ``request`` in authenticate().
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed logins (wrong password or wrong second-factor code) counted per username and, independently, per IP.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not clear an IP's count: one valid account would otherwise reset a guessing run on others.
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_CALLABLE = "complywise.accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "complywise.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "complywise.accounts.lockout.lockout_response"
# Reverse proxies in front of the web tier that append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="ComplyWise")
# The Django admin reaches every tenant's rows: staff must have set up a second factor (and used it) to open it.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=True)
# Seconds between a correct password and the second-factor code before the password must be typed again.
MFA_LOGIN_PENDING_SECONDS = env.int("MFA_LOGIN_PENDING_SECONDS", default=300)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Reset e-mails sent per hour to one address, and asked for per hour from one client address: past either, the
# form answers as usual and sends nothing (no mailbox flooded, no relay for spam, no hint either way).
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env.int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", default=3)
PASSWORD_RESET_PER_CLIENT_PER_HOUR = env.int("PASSWORD_RESET_PER_CLIENT_PER_HOUR", default=20)
# E-mail (password reset, invitations): printed on the console unless EMAIL_URL names a server,
# e.g. smtp+tls://user:password@smtp.example.com:587.
vars().update({k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v is not None})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ComplyWise <complywise@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people reach this install (e.g. https://comply.example.com): links in webhooks, Slack messages and
# digests are made absolute with it; without it they are paths.
PUBLIC_URL = env.str("PUBLIC_URL", default="")

# Content-Security-Policy: scripts only from this origin (no inline script anywhere), nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# --- Static and evidence files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
MEDIA_ROOT = VAR_DIR / "media"

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
EVIDENCE_STORAGE = env.str("EVIDENCE_STORAGE", default="s3" if AWS_STORAGE_BUCKET_NAME else "local")
EVIDENCE_ROOT = VAR_DIR / "evidence"

if EVIDENCE_STORAGE == "s3":
    _evidence_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            # SigV4 presigned URLs: S3 refuses SigV2 for buckets created since 2020.
            "signature_version": "s3v4",
            "querystring_expire": env.int("EVIDENCE_URL_EXPIRE_SECONDS", default=300),
            "object_parameters": {"ServerSideEncryption": env.str("AWS_S3_SSE", default="AES256")},
        },
    }
else:
    _evidence_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(EVIDENCE_ROOT), "base_url": None},
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "evidence": _evidence_storage,
}

EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Uploads bigger than this go to a temporary file instead of memory while streaming.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Credentials encryption ----------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation). The embedded
# default derives one from SECRET_KEY so a fresh install works with no variable set.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])

# --- Celery ---------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
)
# Fan-out is coordinated through the database (see scans.services), so no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker restart must not make a worker exit: reconnect for as long as it takes. A task in flight
# keeps running (its work is in the database); cancelling it would lose it when Redis comes back empty.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# kombu's Redis transport, minus the crash on a connection lost with a task in flight (see complywise/broker.py).
CELERY_BROKER_TRANSPORT = "complywise.broker:RedisTransport" if CELERY_BROKER_URL.startswith("redis://") else None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Two queues, so operators can size them apart (docs/DEPLOY.md): "collect" holds the calls to customers'
# providers (I/O-bound, one task per integration or per region/service unit); "celery" holds the rest
# (evaluation, roll-up, evidence, notifications, beat jobs). A worker without -Q consumes both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("collect"))
CELERY_TASK_ROUTES = {
    "scans.run_integration": {"queue": "collect"},
    "scans.collect_unit": {"queue": "collect"},
}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Per process. Room for what pages keep about finished scans (counts, anchors, a page's 50 result cells)
    # without culling a third of it every few pages, as the default 300 entries would.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}}

# --- Tenancy --------------------------------------------------------------------------------
DEFAULT_TENANT_FRAMEWORKS = env.list("DEFAULT_TENANT_FRAMEWORKS", default=["soc2", "iso27001-2022"])
SCAN_QUEUED_DEADLINE_SECONDS = env.int("SCAN_QUEUED_DEADLINE_SECONDS", default=30 * 60)
SCAN_RUNNING_STALL_SECONDS = env.int("SCAN_RUNNING_STALL_SECONDS", default=15 * 60)
# Per-tenant quotas: queued-or-running scans and queued-or-running exports above these answer 429.
TENANT_MAX_QUEUED_SCANS = env.int("TENANT_MAX_QUEUED_SCANS", default=5)
TENANT_MAX_PENDING_EXPORTS = env.int("TENANT_MAX_PENDING_EXPORTS", default=3)
# Fair share: a tenant runs at most this many scans at once; the next waits (re-queued) so others get a turn.
TENANT_MAX_RUNNING_SCANS = env.int("TENANT_MAX_RUNNING_SCANS", default=1)
SCAN_FAIR_SHARE_RETRY_SECONDS = env.int("SCAN_FAIR_SHARE_RETRY_SECONDS", default=5)
EXPORT_QUEUED_DEADLINE_SECONDS = env.int("EXPORT_QUEUED_DEADLINE_SECONDS", default=30 * 60)
# Per-credential request rates (DRF throttles; counted in the Django cache): "N/sec|min|hour|day".
API_THROTTLE_TRIGGER = env.str("API_THROTTLE_TRIGGER", default="30/min")
API_THROTTLE_UPLOAD = env.str("API_THROTTLE_UPLOAD", default="60/min")
API_THROTTLE_EXPORT = env.str("API_THROTTLE_EXPORT", default="10/min")

# --- Egress (what integrations may reach) -----------------------------------------------------
# CIDRs and host names connectors may reach beyond public addresses (complywise.egress).
# Embedded default: loopback too, so the demo and local emulators work; "" allows nothing more.
INTEGRATION_EGRESS_ALLOW = env.list("INTEGRATION_EGRESS_ALLOW", default=["127.0.0.0/8", "::1", "localhost"])
# Absolute paths under which host integrations may read files; "" turns host integrations off.
HOST_SCAN_ALLOWED_ROOTS = env.list("HOST_SCAN_ALLOWED_ROOTS", default=["/"])
# A connection test (POST /api/integrations/{id}/test) answers within this many seconds, and a
# tenant runs at most this many at once (429 beyond), so a silent target cannot stall the web tier.
INTEGRATION_TEST_TIMEOUT_SECONDS = env.float("INTEGRATION_TEST_TIMEOUT_SECONDS", default=10.0)
INTEGRATION_TEST_CONCURRENCY = env.int("INTEGRATION_TEST_CONCURRENCY", default=2)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "complywise.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["complywise.permissions.TenantRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "complywise.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "complywise.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["complywise.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # Bounded in size and depth; they refuse body fields the operation does not declare (400 naming them).
        "complywise.api.parsers.JSONParser",
        "complywise.api.parsers.MultiPartParser",
        "complywise.api.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ComplyWise API",
    "DESCRIPTION": "Scans, findings, frameworks, integrations and evidence for one tenant per credential.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "complywise.api.schema.strip_trailing_slashes",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ScanStatusEnum": "scans.choices.ScanStatus",
        "ScanPartStatusEnum": "scans.choices.PartStatus",
        "OutcomeStatusEnum": "scans.choices.OutcomeStatus",
        "ResultStatusEnum": "scans.choices.ResultStatus",
        "ScanTriggerEnum": "scans.choices.ScanTrigger",
        "IntegrationStatusEnum": "integrations.choices.IntegrationStatus",
        "IntegrationTypeEnum": "integrations.choices.IntegrationType",
        "EvidenceTypeEnum": "evidence.choices.EvidenceType",
        "RoleEnum": "complywise.choices.Role",
    },
}

# --- Logging ------------------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# A logging.config.dictConfig dict; the production settings change the formatter in place.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "complywise.logging.RequestContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s tenant=%(tenant_id)s "
            "user=%(user_id)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(tenant_id)s %(user_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}

_DATA_FOLDERS = (VAR_DIR, STATIC_ROOT, EVIDENCE_ROOT, MEDIA_ROOT)
_BROKER_FOLDERS = (BROKER_DIR / "queue", BROKER_DIR / "processed", BROKER_DIR / "control")
for _folder in (*_DATA_FOLDERS, *_BROKER_FOLDERS):
    _folder.mkdir(parents=True, exist_ok=True)

# Webhooks (notifications app): a delivery is tried WEBHOOK_MAX_ATTEMPTS times, waiting base × 2^n seconds
# (capped) between tries; a webhook whose deliveries fail for good this many times in a row is disabled.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)
# Events (what webhooks and digests report) are kept this long, deliveries with them.
NOTIFICATION_EVENT_RETENTION_DAYS = env.int("NOTIFICATION_EVENT_RETENTION_DAYS", default=90)

CELERY_BEAT_SCHEDULE = {
    "scans-reap-stale": {"task": "scans.reap_stale", "schedule": 60.0},
    "scans-run-due-schedules": {"task": "scans.run_due_schedules", "schedule": 60.0},
    "scans-purge-expired": {"task": "scans.purge_expired", "schedule": 24 * 3600.0},
    "evidence-reap-stale-exports": {"task": "evidence.reap_stale_exports", "schedule": 60.0},
    "notifications-evidence-expiry": {"task": "notifications.evidence_expiry_sweep", "schedule": 3600.0},
    "notifications-send-digests": {"task": "notifications.send_digests", "schedule": 300.0},
    "notifications-resume-deliveries": {"task": "notifications.resume_deliveries", "schedule": 60.0},
    # Opens scheduled access reviews and reminds reviewers; hourly so a new day is picked up soon after midnight.
    "reviews-tick": {"task": "reviews.tick", "schedule": 3600.0},
}
