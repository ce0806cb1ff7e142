"""The host integration's config validation, and a host integration created and tested through the API."""

from __future__ import annotations

import pytest

from integrations import services
from integrations.models import Integration
from integrations.providers.host.schema import ConfigSerializer
from tests.integrations.host.support import HOSTNAME, compliant_host


@pytest.mark.parametrize(("root", "clean"), [("/", "/"), ("/mnt/host/", "/mnt/host"), ("//srv//img/./x", "/srv/img/x")])
def test_absolute_roots_are_normalised(root, clean):
    serializer = ConfigSerializer(data={"root": root})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"root": clean}


def test_root_defaults_to_this_machine():
    serializer = ConfigSerializer(data={})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"root": "/"}


@pytest.mark.parametrize("root", ["relative/path", "", "~/host", "./x", "/mnt/\x00evil", 42])
def test_bad_roots_are_rejected(root):
    serializer = ConfigSerializer(data={"root": root})
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["root"]


def test_unknown_keys_are_rejected():
    serializer = ConfigSerializer(data={"root": "/", "password": "x"})
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["password"]


def test_an_operator_can_confine_roots(settings):
    # given a deployment that only scans mounted images under /mnt/hosts
    settings.HOST_SCAN_ALLOWED_ROOTS = ["/mnt/hosts"]
    # then
    assert ConfigSerializer(data={"root": "/mnt/hosts/web-1"}).is_valid()
    denied = ConfigSerializer(data={"root": "/"})
    assert not denied.is_valid()
    assert "only scans roots under: /mnt/hosts" in str(denied.errors["root"][0])
    assert not ConfigSerializer(data={"root": "/mnt/hostsX"}).is_valid()


def test_create_and_test_a_host_integration_through_the_api(admin_client, tmp_path):
    # given a fixture root
    tree = compliant_host(tmp_path / "root")
    # when it is created
    response = admin_client.post(
        "/api/integrations",
        {"type": "host", "name": "web-1", "config": {"root": str(tree.root) + "/"}},
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["config"] == {"root": str(tree.root)}
    assert body["has_credentials"] is False
    # when it is tested
    tested = admin_client.post(f"/api/integrations/{body['id']}/test")
    # then
    assert tested.status_code == 200
    assert tested.json()["ok"] is True
    assert tested.json()["status"] == "connected"
    assert f"Reading host {HOSTNAME} (Debian GNU/Linux 12 (bookworm))" in tested.json()["detail"]


def test_a_missing_root_is_accepted_but_fails_its_test(admin_client, tmp_path):
    response = admin_client.post(
        "/api/integrations", {"type": "host", "name": "gone", "config": {"root": str(tmp_path / "gone")}}, format="json"
    )
    assert response.status_code == 201
    tested = admin_client.post(f"/api/integrations/{response.json()['id']}/test").json()
    assert tested["ok"] is False
    assert tested["status"] == "error"
    assert "does not exist" in tested["detail"]


def test_a_relative_root_is_a_400_with_the_field_error(admin_client):
    response = admin_client.post(
        "/api/integrations", {"type": "host", "name": "bad", "config": {"root": "etc"}}, format="json"
    )
    assert response.status_code == 400
    assert "root" in response.json()["config"]


def test_credentials_are_refused_for_a_host(admin_client):
    response = admin_client.post(
        "/api/integrations",
        {"type": "host", "name": "box", "config": {"root": "/"}, "credentials": {"password": "x"}},
        format="json",
    )
    assert response.status_code == 400
    assert "credentials" in response.json()


def test_seed_demo_creates_this_machine_with_the_real_host_provider(tenant):
    # when the demo is seeded twice
    services.integration_seed_demo(tenant=tenant)
    services.integration_seed_demo(tenant=tenant)
    # then "This machine" scans "/" and connects
    integration = Integration.objects.for_tenant(tenant).get()
    assert (integration.type, integration.name, integration.config) == ("host", "This machine", {"root": "/"})
    ok, detail = services.integration_test(integration=integration)
    assert ok is True, detail
