"""The host connector: its transport stays inside the root, connection test, collection, and the real machine."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import pytest

from integrations.providers.host.client import SUPPORTED_SERVICES, HostConnector, build_connector
from integrations.providers.host.transport import LocalTransport, PathOutsideRootError
from integrations.registry import OutcomeStatus, all_checks
from tests.integrations.host.support import HOSTNAME, SHADOW, base_host, compliant_host

# --- the transport never leaves its root -------------------------------------------------


@pytest.fixture
def tree(tmp_path):
    return compliant_host(tmp_path / "root")


def test_reads_host_paths_under_the_root(tree):
    transport = LocalTransport(str(tree.root))
    assert transport.read_text("/etc/hostname") == f"{HOSTNAME}\n"
    assert transport.stat("/etc/shadow").octal == "0640"
    assert "sshd_config" in transport.list_dir("/etc/ssh")


def test_an_absolute_symlink_to_etc_shadow_resolves_inside_the_root(tree):
    # given a symlink in the fixture to the machine's real /etc/shadow
    tree.symlink("/etc/stolen", "/etc/shadow")
    transport = LocalTransport(str(tree.root))
    # when it is read
    text = transport.read_text("/etc/stolen")
    # then it is the fixture's own shadow file (chroot semantics), never the machine's
    assert text == SHADOW
    assert transport.stat("/etc/stolen").path == "/etc/shadow"


def test_a_symlink_to_a_file_outside_the_root_is_never_followed_out(tmp_path):
    # given a secret next to the root and links climbing towards it in every way
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    tree = base_host(tmp_path / "root")
    tree.symlink("/etc/absolute", str(secret))
    tree.symlink("/etc/relative", "../../secret.txt")
    transport = LocalTransport(str(tree.root))
    # then each resolves inside the root, where there is no such file
    for path in ("/etc/absolute", "/etc/relative", "/../secret.txt", "/etc/../../../secret.txt"):
        with pytest.raises(FileNotFoundError):
            transport.read_text(path)


def test_dot_dot_stops_at_the_root(tree):
    transport = LocalTransport(str(tree.root))
    assert transport.read_text("/../../etc/hostname") == f"{HOSTNAME}\n"
    assert transport.stat("/..").path == "/"


def test_the_final_guard_refuses_a_path_outside_the_root(tree, tmp_path):
    # given a local path that (through a race) ended up outside the root
    transport = LocalTransport(str(tree.root))
    # then the last check before any open refuses it
    with pytest.raises(PathOutsideRootError):
        transport._ensure_inside(tmp_path)
    with pytest.raises(PathOutsideRootError):
        transport._ensure_inside(Path(str(tree.root) + "-sibling"))


def test_symlink_loops_are_reported_not_followed_forever(tree):
    tree.symlink("/etc/loop-a", "/etc/loop-b")
    tree.symlink("/etc/loop-b", "/etc/loop-a")
    with pytest.raises(OSError) as exc:
        LocalTransport(str(tree.root)).read_text("/etc/loop-a")
    assert exc.value.errno == errno.ELOOP


def test_a_fifo_is_not_read(tree):
    # given a FIFO where a config file should be (reading it would block for ever)
    os.mkfifo(tree.path("/etc/login.defs.fifo"))
    with pytest.raises(OSError, match="Not a regular file"):
        LocalTransport(str(tree.root)).read_text("/etc/login.defs.fifo")


def test_reads_are_bounded(tree):
    tree.write("/etc/huge.conf", "x" * 5000)
    assert len(LocalTransport(str(tree.root)).read_text("/etc/huge.conf", max_bytes=1000)) == 1000


def test_walk_does_not_descend_into_symlinked_directories(tree, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "file").write_text("x")
    tree.symlink("/etc/link-out", str(outside))
    result = LocalTransport(str(tree.root)).walk("/etc", max_entries=10_000)
    paths = {entry.path: entry.kind for entry in result.entries}
    assert paths["/etc/link-out"] == "symlink"
    assert not any(p.startswith("/etc/link-out/") for p in paths)


# --- connection test and collection ---------------------------------------------------------


def test_connection_reports_hostname_and_os(tree):
    ok, detail = tree.connector().test_connection()
    assert ok is True
    assert detail == f"Reading host {HOSTNAME} (Debian GNU/Linux 12 (bookworm)) from the files under {tree.root}"


def test_connection_to_a_missing_root_fails(tmp_path):
    connector = build_connector(config={"root": str(tmp_path / "absent")}, credentials={})
    ok, detail = connector.test_connection()
    assert ok is False
    assert detail == f"The root {tmp_path / 'absent'} does not exist on the worker"


def test_connection_to_a_file_fails(tmp_path):
    (tmp_path / "file").write_text("x")
    ok, detail = build_connector(config={"root": str(tmp_path / "file")}, credentials={}).test_connection()
    assert ok is False
    assert "is not a directory" in detail


def test_collect_from_a_missing_root_records_errors_for_every_service(tmp_path):
    inventory = build_connector(config={"root": str(tmp_path / "absent")}, credentials={}).collect({"sshd", "audit"})
    assert set(inventory.errors) == {"sshd", "audit"}
    assert "does not exist" in inventory.errors["sshd"]
    assert inventory.data == {}


def test_unknown_service_is_an_error_not_a_crash(tree):
    inventory = tree.connector().collect({"sshd", "kubernetes"})
    assert inventory.errors == {"kubernetes": "the host connector does not collect this service"}
    assert "sshd" in inventory.data


def test_a_file_that_cannot_be_read_is_that_service_s_error(tree, monkeypatch):
    # given /etc/passwd cannot be read
    transport = LocalTransport(str(tree.root))
    original = transport.read_text

    def deny(path, **kwargs):
        if path == "/etc/passwd":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return original(path, **kwargs)

    monkeypatch.setattr(transport, "read_text", deny)
    # when
    inventory = HostConnector(transport).collect({"accounts", "login_defs"})
    # then only the accounts service failed, with a clear message
    assert inventory.errors == {"accounts": "/etc/passwd: Permission denied (the scan needs to run as root to read it)"}
    assert "login_defs" in inventory.data
    outcome = next(c for c in all_checks("host") if c.id == "host.accounts.only_root_has_uid_0").run(inventory)[0]
    assert outcome.status == OutcomeStatus.ERROR


def test_hostname_falls_back_to_the_root_path_for_a_mounted_root(tmp_path):
    (tmp_path / "etc").mkdir()
    connector = build_connector(config={"root": str(tmp_path)}, credentials={})
    assert connector.hostname() == str(tmp_path)


def test_inventory_keeps_no_password_hash(tree):
    inventory = tree.connector().collect({"accounts"})
    assert "$6$" not in repr(inventory.data)
    states = {row["name"]: row["password"] for row in inventory.data["accounts"]["shadow"]}
    assert states == {"root": "set", "daemon": "locked", "alice": "locked"}


# --- the machine these tests run on -------------------------------------------------------------


def test_collect_and_every_check_run_against_this_machine():
    # given the connector the embedded demo creates ("This machine")
    connector = build_connector(config={"root": "/"}, credentials={})
    # when every service is collected from the real root
    inventory = connector.collect(set(SUPPORTED_SERVICES))
    # then nothing failed to collect, and every check produces outcomes or none without raising
    assert inventory.errors == {}
    assert set(inventory.data) == set(SUPPORTED_SERVICES)
    names = {socket.gethostname()}
    if Path("/etc/hostname").is_file():
        names.add(Path("/etc/hostname").read_text().strip())
    assert inventory.account_id in names
    for check in all_checks("host"):
        outcomes = check.run(inventory)
        assert all(o.status in (OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR) for o in outcomes)
        assert all(o.resource_id.startswith(f"{inventory.account_id}:") for o in outcomes)
    ok, detail = connector.test_connection()
    assert ok is True and inventory.account_id in detail
