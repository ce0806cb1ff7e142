"""The keys users' authorized_keys files accept: the file format, where sshd looks, the strength check, and the
keys an access reviewer sees. Key lines and fingerprints are ssh-keygen's own (generated and printed by it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from integrations.providers.host import authorized_keys
from integrations.providers.host.accounts import SOURCE
from integrations.registry import OutcomeStatus
from tests.integrations.host.support import (
    ED25519_FINGERPRINT,
    ED25519_KEY,
    HOSTNAME,
    RSA_1024_FINGERPRINT,
    RSA_1024_KEY,
    HostTree,
    base_host,
    collect,
    run,
)

CHECK_ID = "host.ssh.authorized_keys_strong"
ECDSA_384_KEY = (
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBM7PIv3qireniVbaR6Q/RSGAzJVayTJKxG6tfvya5"
    "ICtYk5kbGa/ZnBho+iHy/uP4oUISX9Vjuh4NqwpaLS1AtGsQOPwtQa/ofBo4MXHIuA+earT0t6Fss//ZAhTVmxzcw=="
)
ECDSA_384_FINGERPRINT = "SHA256:zyFwe4idJhouqxtoVskBESUCfj0baph78z91x8y99Rg"
DSA_KEY = (
    "ssh-dss AAAAB3NzaC1kc3MAAACBAL/hB8cszqIzbElaf8FU0aDp7ZaEATf2XlRWaskDVJx+5ND+ew42cT+bHRxPOAhoH7nxQQTPJoBUjmxVNtmXW"
    "PTFIN/0DyvpAZjdjIjpYVb8SwNSA0cHl/QxXksNEQk3uPUQP7sW5qCDZP2QMisGExUgBsCGvywmeM83nKu2JDyJAAAAFQDZ6bN2qnlzDeWEqjZH4s"
    "34g0UxAwAAAIBajQRVjTTF4y60RFpvrk+R7LuxrgwTAmuiUjUl/3/esac6cYWzGRc/X3dLRZFQRc6O43bi75b4WSImiK1cvBQ5L5J/2dz90JJPyJ"
    "yVXDTwRgsP/Zf+6/ou1CT+uL+VAQGFthZIFnpUPJdFn3+T+VNEnc9znwlAXyp4d+QFlY9ukQAAAIAEcj2A9F83t8TfM+TmWH16Kmc4bdoJFTuSpv"
    "Gjk30+lmApFVFw1DzpuuALlPuS7i/343EbIm8c/XUK2LNZK9TXVIdeugutQY172PmRSFxClNgOtiay6t+hrKFJkyrQosIt9rFMOOgJ5buBHS5ohg"
    "K0A+Q8FK8+QXOWbiKnOhctcA== legacy"
)
DSA_FINGERPRINT = "SHA256:Wjpx+F3veZ8HxDwe7wX70iITSQWI6gRsy1fCpvFK2v0"

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000::/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
svc:x:999:999::/srv/svc:/usr/sbin/nologin
"""


@pytest.fixture
def host(tmp_path: Path) -> HostTree:
    tree = base_host(tmp_path / "host")
    tree.write("/etc/passwd", PASSWD)
    tree.write("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\n")
    return tree


def test_types_sizes_and_fingerprints_match_ssh_keygen():
    # given lines ssh-keygen wrote, one with options before the key
    text = (
        "# keys of the team\n"
        f"{ED25519_KEY}\n"
        f'from="10.0.0.0/8,192.0.2.1",command="/usr/bin/backup --all",no-pty {RSA_1024_KEY}\n'
        f"{ECDSA_384_KEY}\n"
        f"{DSA_KEY}\n"
    )
    # when
    keys, invalid = authorized_keys.keys(text, file="/home/alice/.ssh/authorized_keys")
    # then the same sizes and fingerprints as `ssh-keygen -lf` printed
    assert invalid == []
    assert [(k["type"], k["bits"], k["fingerprint"], k["comment"], k["line"]) for k in keys] == [
        ("ssh-ed25519", 256, ED25519_FINGERPRINT, "alice@laptop", 2),
        ("ssh-rsa", 1024, RSA_1024_FINGERPRINT, "old@box", 3),
        ("ecdsa-sha2-nistp384", 384, ECDSA_384_FINGERPRINT, "", 4),
        ("ssh-dss", 1024, DSA_FINGERPRINT, "legacy", 5),
    ]
    assert keys[1]["options"] == ['from="10.0.0.0/8,192.0.2.1"', 'command="/usr/bin/backup --all"', "no-pty"]


def test_lines_sshd_would_not_accept_are_reported_not_raised():
    body = ED25519_KEY.split()[1]
    keys, invalid = authorized_keys.keys(
        "garbage line\n"
        f"ssh-rsa {body} mislabelled\n"
        "ssh-ed25519 !!!notbase64 x\n"
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB truncated\n",
        file="/root/.ssh/authorized_keys",
    )
    assert keys == []
    assert [(i.line, i.reason) for i in invalid] == [
        (1, "not a public key line"),
        (2, "ssh-rsa key that cannot be read: the key says it is ssh-ed25519, the line says ssh-rsa"),
        (3, "ssh-ed25519 key that cannot be read: Only base64 data is allowed"),
        (4, "ssh-rsa key that cannot be read: truncated key"),
    ]


def test_weak_keys_fail_for_their_account(host: HostTree):
    # given alice with a strong and a DSA key, bob with a strong key only, and a key for an account with no shell
    host.write("/home/alice/.ssh/authorized_keys", f"{ED25519_KEY}\n{DSA_KEY}\n", mode=0o600)
    host.write("/home/bob/.ssh/authorized_keys2", f"{ECDSA_384_KEY}\n", mode=0o600)
    host.write("/srv/svc/.ssh/authorized_keys", f"{RSA_1024_KEY}\n", mode=0o600)
    # when
    outcomes = {o.resource_id: o for o in run(collect(host, [CHECK_ID]), CHECK_ID)}
    # then
    assert set(outcomes) == {f"{HOSTNAME}:user:alice", f"{HOSTNAME}:user:bob"}
    alice = outcomes[f"{HOSTNAME}:user:alice"]
    assert alice.status == OutcomeStatus.FAIL
    assert alice.reason == (
        f"alice accepts weak keys: ssh-dss {DSA_FINGERPRINT} (legacy) in /home/alice/.ssh/authorized_keys:2"
    )
    assert alice.observed["weak"] == [DSA_FINGERPRINT]
    bob = outcomes[f"{HOSTNAME}:user:bob"]
    assert (bob.status, bob.reason) == (
        OutcomeStatus.PASS,
        "bob has 1 authorized keys, none weak (ecdsa-sha2-nistp384)",
    )


def test_authorized_keys_file_from_sshd_config(host: HostTree):
    # given keys kept centrally, as AuthorizedKeysFile says (a later value is ignored: the first one wins)
    host.write(
        "/etc/ssh/sshd_config",
        "AuthorizedKeysFile /etc/ssh/keys/%u .ssh/extra_keys\nAuthorizedKeysFile .ssh/ignored\n",
    )
    host.write("/etc/ssh/keys/bob", f"{RSA_1024_KEY}\n")
    host.write("/home/alice/.ssh/extra_keys", f"{ED25519_KEY}\n")
    host.write("/home/alice/.ssh/authorized_keys", f"{DSA_KEY}\n")
    # when
    data = collect(host, [CHECK_ID]).data["ssh_keys"]
    # then
    assert data["patterns"] == ["/etc/ssh/keys/%u", ".ssh/extra_keys"]
    assert data["source"] == "/etc/ssh/sshd_config:1"
    assert {user: [k["file"] for k in keys] for user, keys in data["keys"].items()} == {
        "alice": ["/home/alice/.ssh/extra_keys"],
        "bob": ["/etc/ssh/keys/bob"],
    }


def test_no_keys_anywhere_passes_once(host: HostTree):
    outcomes = run(collect(host, [CHECK_ID]), CHECK_ID)
    assert [(o.status, o.resource_id, o.reason) for o in outcomes] == [
        (
            OutcomeStatus.PASS,
            f"{HOSTNAME}:authorized_keys",
            "No account with a login shell has an authorized SSH key (.ssh/authorized_keys .ssh/authorized_keys2)",
        )
    ]


def test_without_an_ssh_server_no_outcome(host: HostTree):
    host.path("/etc/ssh/sshd_config").unlink()
    host.write("/home/alice/.ssh/authorized_keys", f"{DSA_KEY}\n")
    assert run(collect(host, [CHECK_ID]), CHECK_ID) == []


def test_an_access_review_lists_each_accounts_keys(host: HostTree):
    host.write("/home/alice/.ssh/authorized_keys", f"{ED25519_KEY}\n{ECDSA_384_KEY}\n", mode=0o600)
    inventory = host.connector().collect(set(SOURCE.collected))
    accounts = {a.id: a for a in SOURCE.accounts(inventory) or []}
    assert [p for p in accounts["alice"].privileges if p.startswith("ssh-key:")] == [
        f"ssh-key:ecdsa-sha2-nistp384 {ECDSA_384_FINGERPRINT}",
        f"ssh-key:ssh-ed25519 {ED25519_FINGERPRINT} alice@laptop",
    ]
    assert not any(p.startswith("ssh-key:") for p in accounts["bob"].privileges)


def test_a_keys_file_that_cannot_be_read_is_an_error(host: HostTree):
    # given a FIFO planted where bob's keys should be (it must not hang the scan either)
    host.path("/home/bob/.ssh").mkdir(parents=True)
    os.mkfifo(host.path("/home/bob/.ssh/authorized_keys"))
    # when
    outcomes = run(collect(host, [CHECK_ID]), CHECK_ID)
    # then
    assert [(o.status, o.resource_id, o.reason) for o in outcomes] == [
        (
            OutcomeStatus.ERROR,
            f"{HOSTNAME}:/home/bob/.ssh/authorized_keys",
            "/home/bob/.ssh/authorized_keys could not be read: /home/bob/.ssh/authorized_keys: Not a regular file",
        )
    ]
