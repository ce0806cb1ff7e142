"""The PostgreSQL integration's config and credentials validation, and an integration created and tested via the API."""

from __future__ import annotations

import re

import pytest

from integrations.providers.postgres.schema import ConfigSerializer, CredentialsSerializer, credentials_hint
from tests.integrations.postgres.support import PG_HOST, PG_PORT, PG_USER, requires_server

MINIMAL = {"host": "db.internal", "dbname": "app", "user": "auditor"}


def test_minimal_config_gets_the_defaults():
    serializer = ConfigSerializer(data=MINIMAL)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        **MINIMAL,
        "port": 5432,
        "sslmode": "prefer",
        "max_superusers": 3,
        "require_password_expiry": False,
        "require_pgaudit": False,
        "min_supported_major": 13,
    }


@pytest.mark.parametrize("host", ["10.0.0.5", "::1", "DB.Example.COM.", "postgres_db", "pg-1.internal"])
def test_hosts_are_accepted_and_normalised(host, settings):
    # given an operator who lets integrations reach loopback and a private network
    settings.INTEGRATION_EGRESS_ALLOW = ["127.0.0.0/8", "::1", "10.0.0.0/8"]
    serializer = ConfigSerializer(data={**MINIMAL, "host": host})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["host"] == host.lower().rstrip(".")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", None),
        ("host", ""),
        ("host", "db internal"),
        ("host", "host=evil sslmode=disable"),
        ("port", 0),
        ("port", 70000),
        ("sslmode", "maybe"),
        ("sslmode", "REQUIRE"),
        ("dbname", ""),
        ("dbname", "x" * 64),
        ("user", "bad\nuser"),
        ("max_superusers", -1),
        ("min_supported_major", 8),
        ("require_pgaudit", "perhaps"),
        ("password", "secret"),
    ],
)
def test_bad_config_fields_are_rejected_per_field(field, value):
    serializer = ConfigSerializer(data={**MINIMAL, field: value})
    assert not serializer.is_valid()
    assert list(serializer.errors) == [field]


@pytest.mark.parametrize("missing", ["host", "dbname", "user"])
def test_required_fields(missing):
    data = {k: v for k, v in MINIMAL.items() if k != missing}
    serializer = ConfigSerializer(data=data)
    assert not serializer.is_valid()
    assert list(serializer.errors) == [missing]


def test_password_is_optional_and_kept_exactly():
    empty = CredentialsSerializer(data={})
    assert empty.is_valid() and empty.validated_data == {"password": ""}
    spaced = CredentialsSerializer(data={"password": "  pass phrase  "})
    assert spaced.is_valid() and spaced.validated_data == {"password": "  pass phrase  "}
    assert not CredentialsSerializer(data={"password": "a\x00b"}).is_valid()
    assert not CredentialsSerializer(data={"password": "x", "user": "y"}).is_valid()


def test_credentials_hint_reveals_nothing_about_the_password():
    assert credentials_hint({"password": "hunter2"}) == "password set"
    assert credentials_hint({"password": ""}) == "no password"


def test_bad_config_through_the_api_is_a_400_naming_the_fields(admin_client):
    response = admin_client.post(
        "/api/integrations",
        {"type": "postgres", "name": "db", "config": {"dbname": "app", "user": "x", "sslmode": "sometimes"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["config"]) == {"host", "sslmode"}


@requires_server
def test_create_and_test_a_postgres_integration_through_the_api(admin_client):
    # when created
    response = admin_client.post(
        "/api/integrations",
        {
            "type": "postgres",
            "name": "local-db",
            "config": {"host": PG_HOST, "port": PG_PORT, "dbname": "test", "user": PG_USER, "sslmode": "disable"},
            "credentials": {"password": "not-needed-with-trust"},
        },
        format="json",
    )
    # then the password is stored but never shown
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["has_credentials"] is True
    assert body["credentials_hint"] == "password set"
    assert "not-needed-with-trust" not in response.content.decode()
    # when tested
    tested = admin_client.post(f"/api/integrations/{body['id']}/test")
    # then
    assert tested.status_code == 200
    assert tested.json()["ok"] is True
    assert re.fullmatch(
        rf"Connected to PostgreSQL \d+\.\d+ on {PG_HOST}:{PG_PORT} as {PG_USER}", tested.json()["detail"]
    )


def test_an_unreachable_server_fails_its_test_through_the_api(admin_client):
    response = admin_client.post(
        "/api/integrations",
        {
            "type": "postgres",
            "name": "gone",
            "config": {"host": "127.0.0.1", "port": 1, "dbname": "app", "user": "auditor"},
            "credentials": {"password": "s3cret-pw"},
        },
        format="json",
    )
    assert response.status_code == 201
    tested = admin_client.post(f"/api/integrations/{response.json()['id']}/test").json()
    assert tested["ok"] is False
    assert tested["status"] == "error"
    assert tested["detail"].startswith("Could not connect to PostgreSQL on 127.0.0.1:1 as auditor")
    assert "s3cret-pw" not in tested["detail"]
