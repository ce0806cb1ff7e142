import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Variables that select a non-default setup; each test starts without them.
CONFIG_VARIABLES = {
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "DEBUG",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    # when
    result = run_manage("check", DJANGO_SETTINGS_MODULE="complywise.settings.production")
    # then
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy():
    # when
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="complywise.settings.production",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-for-tests",
        FIELD_ENCRYPTION_KEY="0GUmlMeUfgoZ4FqHiRPLVsg2ntXfDwrh95zS4d2kTnU=",
        ALLOWED_HOSTS="complywise.example.com",
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_transport_and_mail():
    # given the production profile with an SMTP server from the environment
    show = (
        "import json; from django.conf import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, "
        "s.DEFAULT_FROM_EMAIL, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'], s.AXES_ENABLED]))"
    )
    # when
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        show,
        DJANGO_SETTINGS_MODULE="complywise.settings.production",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-for-tests",
        FIELD_ENCRYPTION_KEY="0GUmlMeUfgoZ4FqHiRPLVsg2ntXfDwrh95zS4d2kTnU=",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="ComplyWise <no-reply@example.com>",
    )
    # then cookies are HTTPS-only and same-site, HSTS is a year, mail goes over SMTP with TLS, scripts are 'self'
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        True,
        True,
        True,
        "Lax",
        "Lax",
        31536000,
        True,
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        587,
        True,
        "ComplyWise <no-reply@example.com>",
        ["'self'"],
        True,
    ]


def test_embedded_default_needs_no_variable(tmp_path):
    # given no database or broker variable at all
    env = {"COMPLYWISE_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "complywise.settings.base"}
    # when
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)",
        **env,
    )
    # then SQLite, the filesystem broker and their folders
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    assert (tmp_path / "var" / "evidence").is_dir()


def test_models_and_migrations_agree():
    # when Django compares the models with the migrations
    result = run_manage("makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="complywise.settings.test")
    # then nothing is missing
    assert result.returncode == 0, result.stdout + result.stderr
