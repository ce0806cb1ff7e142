"""Settings read once from the environment (12-factor).

With no variable set at all, ComplyWise runs embedded on one machine: SQLite under
``var/``, evidence files under ``var/``, and a Celery broker on the local filesystem,
so a real worker process runs with no server to install.
"""

import os
from pathlib import Path

import environ

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
    "complywise",
    "frameworks",
    "integrations",
    "evidence",
    "scans",
    "web",
]

MIDDLEWARE = [
    "complywise.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Tenancy --------------------------------------------------------------------------------
DEFAULT_TENANT_FRAMEWORKS = env.list("DEFAULT_TENANT_FRAMEWORKS", default=["soc2", "iso27001-2022"])
SCAN_QUEUED_DEADLINE_SECONDS = env.int("SCAN_QUEUED_DEADLINE_SECONDS", default=30 * 60)
SCAN_RUNNING_STALL_SECONDS = env.int("SCAN_RUNNING_STALL_SECONDS", default=15 * 60)

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
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
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
LOGGING = {
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

CELERY_BEAT_SCHEDULE = {
    "scans-reap-stale": {"task": "scans.reap_stale", "schedule": 60.0},
    "scans-run-due-schedules": {"task": "scans.run_due_schedules", "schedule": 60.0},
    "scans-purge-expired": {"task": "scans.purge_expired", "schedule": 24 * 3600.0},
}
