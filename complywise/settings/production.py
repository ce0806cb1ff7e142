"""Production settings: everything from the environment, nothing insecure by default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING, env

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("complywise-embedded-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set in production.")

DEBUG = False
WHITENOISE_USE_FINDERS = False
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Lax: links into the site from elsewhere keep the session, cross-site POSTs never carry it.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Password-reset links must never end up in the logs: without EMAIL_URL, mail goes to the local MTA.
vars().update({k: v for k, v in env.email_url("EMAIL_URL", default="smtp://localhost:25").items() if v is not None})

# --- Egress: public addresses only, and no host scans, unless the operator says otherwise.
INTEGRATION_EGRESS_ALLOW = env.list("INTEGRATION_EGRESS_ALLOW", default=[])
HOST_SCAN_ALLOWED_ROOTS = env.list("HOST_SCAN_ALLOWED_ROOTS", default=[])

LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="json")
