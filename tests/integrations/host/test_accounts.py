"""The host's local login accounts for access reviews, collected from a fixture root filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.providers.host.accounts import SOURCE
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check
from tests.integrations.host.support import HostTree, base_host

CHECK_ID = f"host.{REVOCATION_CHECK_SUFFIX}"

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:27:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/zsh
carol:x:1002:10:Carol:/home/carol:/usr/sbin/nologin
svc:x:999:999::/var/lib/svc:/bin/false
toor:x:0:0:backdoor:/root:/bin/sh
dave:x:1003:1003:Dave:/home/dave:/bin/bash
erin:x:1004:1004:Erin:/home/erin:/bin/bash
"""

SHADOW = """\
root:$6$salt$roothash:19700:1:90:14:::
daemon:*:19700:0:99999:7:::
alice:$6$salt$alicehash:19700:1:90:14:::
bob:!$6$salt$lockedhash:19700:1:90:14:::
carol:$6$salt$carolhash:19700:1:90:14:::
svc:!:19700:0:99999:7:::
toor:$6$salt$toorhash:19700:1:90:14:::
dave:$6$salt$davehash:19700:1:90:14:::
erin:$6$salt$erinhash:19700:1:90:14:::
"""

GROUP = """\
root:x:0:
daemon:x:1:
wheel:x:10:
sudo:x:27:dave
bob:x:1001:
svc:x:999:
dave:x:1003:
erin:x:1004:
docker:x:998:erin, dave
"""


@pytest.fixture
def host(tmp_path: Path) -> HostTree:
    """root, alice (primary group sudo), bob (password locked, shell kept), carol (wheel, shell taken away),
    a service account, a second uid 0 account, dave (added to sudo and docker as supplementary groups, as
    ``usermod -aG`` does) and erin (docker only)."""
    tree = base_host(tmp_path / "host")
    tree.write("/etc/passwd", PASSWD)
    tree.write("/etc/shadow", SHADOW, mode=0o640)
    tree.write("/etc/group", GROUP)
    return tree


def collect(tree: HostTree) -> Inventory:
    inventory = tree.connector().collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory


def by_id(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_login_accounts_are_listed_with_their_group(host: HostTree) -> None:
    # when the accounts of the collected host are extracted
    found = by_id(collect(host))
    # then the accounts with a login shell or a password are listed, the daemon and the service account are not
    assert sorted(found) == ["alice", "bob", "carol", "dave", "erin", "root", "toor"]
    assert {a.kind for a in found.values()} == {AccountKind.USER}
    # and each holds its primary and supplementary groups, the uid 0 ones uid:0 as well
    assert {k: a.privileges for k, a in found.items()} == {
        "root": ("group:root", "uid:0"),
        "toor": ("group:root", "uid:0"),
        "alice": ("group:sudo",),
        "bob": ("group:bob",),
        "carol": ("group:wheel",),
        "dave": ("group:dave", "group:docker", "group:sudo"),
        "erin": ("group:docker", "group:erin"),
    }


def test_admins_and_who_can_still_log_in(host: HostTree) -> None:
    # when the accounts of the collected host are extracted
    found = by_id(collect(host))
    # then uid 0 and the sudo and wheel groups make administrators, as primary or as supplementary groups
    assert {k for k, a in found.items() if a.admin} == {"root", "toor", "alice", "carol", "dave"}
    # and only taking the shell away ends access (a locked password still lets an SSH key in)
    assert {k: a.active for k, a in found.items()} == {
        "root": True,
        "toor": True,
        "alice": True,
        "bob": True,
        "carol": False,
        "dave": True,
        "erin": True,
    }
    assert all(a.last_activity is None for a in found.values())


def revoked(name: str) -> dict[str, str]:
    return {
        "id": name,
        "name": name,
        "reason": "access review Q4",
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
    }


def test_revocation_check(host: HostTree) -> None:
    # given a review that revoked bob (password locked, shell kept), carol (shell removed) and a deleted user
    inventory = collect(host)
    inventory.context["revoked_accounts"] = [revoked("bob"), revoked("carol"), revoked("mallory")]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o for o in check.run(inventory)}
    # then bob fails; carol and the deleted user pass
    assert {k: o.status for k, o in outcomes.items()} == {
        "bob": OutcomeStatus.FAIL,
        "carol": OutcomeStatus.PASS,
        "mallory": OutcomeStatus.PASS,
    }
    assert outcomes["bob"].reason == "bob was revoked (access review Q4) but still has access"
    assert (outcomes["carol"].observed["present"], outcomes["mallory"].observed["present"]) == (True, False)


def test_without_a_readable_shadow_only_shells_decide(host: HostTree) -> None:
    # given a host whose /etc/shadow is missing
    host.path("/etc/shadow").unlink()
    inventory = collect(host)
    assert inventory.data["accounts"]["shadow"] is None
    # when its accounts are extracted
    found = by_id(inventory)
    # then carol (no shell) is no longer listed, having no password known either
    assert sorted(found) == ["alice", "bob", "dave", "erin", "root", "toor"]


def test_an_inventory_collected_before_supplementary_groups_still_lists_its_accounts(host: HostTree) -> None:
    # given an inventory kept from before group members were collected
    inventory = collect(host)
    del inventory.data["accounts"]["members"]
    # when its accounts are extracted, then they are judged by their primary groups, as then
    found = by_id(inventory)
    assert found["dave"].privileges == ("group:dave",) and not found["dave"].admin
    assert found["alice"].admin
