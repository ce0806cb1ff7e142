"""Host integrations read only where the operator allows (HOST_SCAN_ALLOWED_ROOTS), never the platform's own data,
and the API cannot be used to probe which paths exist on the worker."""

from __future__ import annotations

import os

import pytest

from integrations import services
from integrations.models import Integration
from integrations.providers.host import policy
from integrations.providers.host.client import build_connector
from integrations.providers.host.transport import ProtectedPathError
from tests.integrations.factories import IntegrationFactory
from tests.integrations.host.support import HOSTNAME, compliant_host

pytestmark = pytest.mark.django_db


def create_host(client, root: str):
    return client.post("/api/integrations", {"type": "host", "name": "box", "config": {"root": root}}, format="json")


@pytest.fixture
def data_folder(settings, tmp_path):
    """The platform's evidence folder, holding a file, somewhere a root of "/" covers."""
    folder = tmp_path / "platform" / "evidence"
    folder.mkdir(parents=True)
    (folder / "secret.txt").write_text("evidence of another tenant\n")
    settings.EVIDENCE_ROOT = folder
    return folder


def test_host_scans_are_off_when_no_root_is_allowed(admin_client, tenant, settings, tmp_path):
    # given a deployment that allows no root (production's default), and a host tree
    settings.HOST_SCAN_ALLOWED_ROOTS = []
    tree = compliant_host(tmp_path / "root")
    # when a host integration is created, and a row bypassing validation is tested
    created = create_host(admin_client, str(tree.root))
    row = IntegrationFactory(tenant=tenant, type="host", config={"root": str(tree.root)}, credentials_encrypted="")
    ok, detail = services.integration_test(integration=row)
    inventory = build_connector(config={"root": str(tree.root)}, credentials={}).collect({"sshd", "accounts"})
    # then both are refused, saying so, and the tree was never read (not even its host name)
    assert created.status_code == 400
    assert "turned off" in created.json()["config"]["root"][0]
    assert ok is False and "turned off" in detail
    assert inventory.account_id == str(tree.root) and HOSTNAME not in repr(inventory.errors)
    assert set(inventory.errors) == {"sshd", "accounts"} and not inventory.data


def test_the_demo_machine_is_not_seeded_where_host_scans_are_off(tenant, settings):
    settings.HOST_SCAN_ALLOWED_ROOTS = []
    services.integration_seed_demo(tenant=tenant)
    assert not Integration.objects.for_tenant(tenant).exists()


def test_a_missing_root_and_an_existing_refused_one_get_the_same_answer(admin_client, settings, tmp_path):
    # given roots confined to one directory, a directory that exists outside it, and one that does not
    settings.HOST_SCAN_ALLOWED_ROOTS = [str(tmp_path / "hosts")]
    existing = tmp_path / "etc-like"
    existing.mkdir()
    # when both are offered
    answers = [create_host(admin_client, str(path)) for path in (existing, tmp_path / "does-not-exist")]
    # then they are refused alike: the API tells nothing about what exists on the worker
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()


@pytest.mark.parametrize("where", ["VAR_DIR", "EVIDENCE_ROOT", "BROKER_DIR", "MEDIA_ROOT"])
def test_a_root_inside_the_platforms_data_is_refused(admin_client, settings, where):
    root = os.path.join(str(getattr(settings, where)), "x", "..")
    response = create_host(admin_client, root)
    assert response.status_code == 400
    assert "never the platform's own data folders" in response.json()["config"]["root"][0]


def test_a_root_that_is_a_symlink_into_the_platforms_data_is_refused_when_scanned(data_folder, tmp_path, tenant):
    # given a root that passes validation (a path under "/") but leads into the data folder
    link = tmp_path / "innocent"
    link.symlink_to(data_folder)
    row = IntegrationFactory(tenant=tenant, type="host", config={"root": str(link)}, credentials_encrypted="")
    # when it is tested
    ok, detail = services.integration_test(integration=row)
    # then it is refused before anything is read
    assert ok is False
    assert "never the platform's own data folders" in detail


def test_a_root_of_slash_cannot_read_the_platforms_data(data_folder, tmp_path):
    # given the whole machine as the root (the demo's "This machine"), and a symlink elsewhere into the data
    connector = build_connector(config={"root": "/"}, credentials={})
    (tmp_path / "shortcut").symlink_to(data_folder)
    # then neither the file, nor its folder, nor the way round through the symlink can be read
    with pytest.raises(ProtectedPathError):
        connector.transport.read_text(str(data_folder / "secret.txt"))
    with pytest.raises(ProtectedPathError):
        connector.transport.list_dir(str(data_folder))
    with pytest.raises(ProtectedPathError):
        connector.transport.read_text(str(tmp_path / "shortcut" / "secret.txt"))
    # and a walk over a directory that holds the data folder steps around it
    walked = connector.transport.walk(str(tmp_path), max_entries=1000)
    paths = {entry.path for entry in walked.entries}
    assert str(tmp_path / "shortcut") in paths
    assert not any(path.startswith(str(data_folder)) for path in paths)
    # while everything else stays readable
    assert connector.test_connection()[0] is True


def test_relative_allowed_roots_are_ignored(settings):
    settings.HOST_SCAN_ALLOWED_ROOTS = ["mnt/hosts", " /srv/images/ ", ""]
    assert policy.allowed_roots() == ["/srv/images"]
