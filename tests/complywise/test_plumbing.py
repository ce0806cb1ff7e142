import json
import logging

import pytest

from complywise.logging import RequestContextFilter

pytestmark = pytest.mark.django_db


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_each_dependency(client):
    # when
    response = client.get("/readyz")
    # then
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}


def test_readyz_is_503_naming_the_failed_dependency(client, monkeypatch):
    # given a broker that cannot be reached
    from complywise import health

    def broken():
        raise ConnectionRefusedError("no broker")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    # when
    response = client.get("/readyz")
    # then
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_schema_is_valid_openapi(client):
    # when
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    # then
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/me" in schema["paths"]
    # paths are documented as the seed contract writes them, without a trailing slash
    assert {"/api/scans/trigger", "/api/scans/{id}", "/api/scans/{id}/results", "/api/evidence/upload"} <= set(
        schema["paths"]
    )
    assert not [p for p in schema["paths"] if p.endswith("/")]


def test_swagger_ui_is_served_offline(client):
    # when
    html = client.get("/api/docs/").content.decode()
    # then its assets come from this server, not a CDN
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html


def test_request_id_header_and_log_context(client, caplog):
    # when
    with caplog.at_level(logging.INFO, logger="complywise.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    # then
    assert response["X-Request-ID"] == "abc-123"
    record = next(r for r in caplog.records if r.name == "complywise.request")
    RequestContextFilter().filter(record)
    assert record.request_id == "abc-123"


def test_unsafe_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_admin_login_goes_through_the_site_login(client):
    # given the admin's own password-only form would skip the second factor and the lockout
    # when
    response = client.get("/admin/login/?next=/admin/")
    # then the site login (lockout, second factor) is where staff sign in, and it serves
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(response["Location"]).status_code == 200


def test_pagination_shape(admin_client):
    body = admin_client.get("/api/tokens?limit=1").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 1


def test_log_lines_during_an_api_request_carry_tenant_and_user(client_for, tenant, caplog):
    # given a token of the tenant, and a logger used while the request is handled
    from complywise.choices import Role

    client = client_for(tenant, Role.VIEWER)
    # when
    with caplog.at_level(logging.INFO, logger="complywise.request"):
        client.get("/api/me")
    # then the request's log record names the tenant
    record = next(r for r in caplog.records if r.name == "complywise.request")
    RequestContextFilter().filter(record)
    assert record.tenant_id == str(tenant.pk)
    assert record.user_id != "-"


def test_one_log_line_per_request_names_method_path_status_and_time(client, caplog):
    # when
    with caplog.at_level(logging.INFO, logger="complywise.request"):
        client.get("/healthz")
    # then exactly one line, readable without the JSON fields
    [record] = [r for r in caplog.records if r.name == "complywise.request"]
    assert record.getMessage().startswith("GET /healthz 200 ") and record.getMessage().endswith("ms")
    assert record.duration_ms >= 0 and record.status == 200


def test_a_worker_log_line_names_its_task_and_tenant(aws_integration, admin_client, run_scan, tenant, caplog):
    # given a scan run by its tasks (eagerly here; a worker runs the same code)
    with caplog.at_level(logging.INFO, logger="scans"):
        run_scan(admin_client)
    # then the roll-up's line carries the task as its request id and the tenant it worked for
    record = next(r for r in caplog.records if r.getMessage() == "scan completed")
    RequestContextFilter().filter(record)
    assert record.request_id.startswith("scans.finalize:")
    assert record.tenant_id == str(tenant.pk)
