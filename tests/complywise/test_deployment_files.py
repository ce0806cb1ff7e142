"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so parse and check them."""

from pathlib import Path
from urllib.parse import urlsplit

import compose_spec
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    parsed = compose_spec.PyOptions(apply_merge=True).from_yaml((ROOT / "docker-compose.yml").read_text())
    parsed.validate()
    return parsed.to_dict()


def test_compose_has_the_three_process_types_and_backing_services(compose):
    assert set(compose["services"]) == {"migrate", "web", "worker", "beat", "postgres", "redis", "minio", "minio-init"}


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_share_one_image_and_production_wiring(compose, name):
    # given an app service
    service = compose["services"][name]
    env = service["environment"]
    # then it runs the production settings against the stack's PostgreSQL, Redis and MinIO
    assert service["image"] == "complywise:latest"
    assert env["DJANGO_SETTINGS_MODULE"] == "complywise.settings.production"
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["AWS_STORAGE_BUCKET_NAME"] == "complywise-evidence"
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert service["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    # and only once migrate (as the owner) finished
    assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_commands_of_each_process_type(compose):
    assert "gunicorn complywise.wsgi:application" in compose["services"]["web"]["command"]
    assert "migrate" in compose["services"]["migrate"]["command"]
    assert compose["services"]["worker"]["command"].startswith("celery -A complywise worker")
    assert compose["services"]["beat"]["command"].startswith("celery -A complywise beat")


@pytest.mark.parametrize("name", ["web", "worker", "postgres", "redis", "minio"])
def test_health_checks(compose, name):
    assert compose["services"][name]["healthcheck"]["test"]


def _db_user(url: str) -> str:
    return urlsplit(url).username


def test_app_processes_connect_as_the_app_role_and_migrate_as_the_owner(compose):
    # given the stack's database roles
    services = compose["services"]
    owner = services["postgres"]["environment"]["POSTGRES_USER"]
    migrate = services["migrate"]
    # then migrate connects as the owner (a superuser in the postgres image) and grants the app role
    assert _db_user(migrate["environment"]["DATABASE_URL"]) == owner
    app_role = _db_user(migrate["environment"]["DATABASE_APP_URL"])
    assert app_role != owner
    assert "setup_database_roles" in migrate["command"]
    assert migrate["command"].index("migrate --noinput") < migrate["command"].index("setup_database_roles")
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"
    # and web, worker and beat connect as that role, which row-level security holds, and never migrate
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"] == migrate["environment"]["DATABASE_APP_URL"], name
        assert "migrate" not in services[name]["command"], name


def test_web_health_check_probes_readiness(compose):
    assert "/readyz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_bucket_is_created(compose):
    assert "mc mb --ignore-existing local/complywise-evidence" in compose["services"]["minio-init"]["entrypoint"]


def test_dockerfile_uses_production_settings_and_non_root_user():
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in text
    assert "DJANGO_SETTINGS_MODULE=complywise.settings.production" in text
    assert "collectstatic" in text
    assert "USER complywise" in text
