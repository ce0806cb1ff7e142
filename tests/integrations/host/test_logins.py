"""Each local user's last login, read from lastlog and lastlog2 files a fixture root filesystem holds as login(1)
and pam_lastlog2 write them; the dormant-account check and access reviews' last activity built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrations.providers.host.accounts import SOURCE
from integrations.registry import OutcomeStatus
from tests.integrations.host.support import HOSTNAME, HostTree, base_host, collect, days_ago, run

CHECK_ID = "host.accounts.dormant_accounts_disabled"

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000::/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
carol:x:1002:1002::/home/carol:/bin/zsh
dave:x:1003:1003::/home/dave:/bin/bash
svc:x:60000:60000::/srv:/bin/bash
"""


def shadow_day(days_before_today: int) -> int:
    return (datetime.now(UTC) - datetime(1970, 1, 1, tzinfo=UTC)).days - days_before_today


@pytest.fixture
def host(tmp_path: Path) -> HostTree:
    """alice logged in 2 days ago, bob 120 days ago, carol never (password set 400 days ago), dave never (set
    10 days ago), svc (a high uid) 5 days ago; daemon has no shell, root is the SSH checks' concern."""
    tree = base_host(tmp_path / "host")
    tree.write("/etc/passwd", PASSWD)
    tree.write(
        "/etc/shadow",
        f"root:$6$s$h:{shadow_day(900)}:0:99999:7:::\n"
        f"alice:$6$s$h:{shadow_day(30)}:0:99999:7:::\n"
        f"bob:$6$s$h:{shadow_day(300)}:0:99999:7:::\n"
        f"carol:$6$s$h:{shadow_day(400)}:0:99999:7:::\n"
        f"dave:!:{shadow_day(10)}:0:99999:7:::\n"
        f"svc:!:{shadow_day(500)}:0:99999:7:::\n",
        mode=0o640,
    )
    tree.lastlog(
        {
            1000: (days_ago(2), "pts/1", "198.51.100.7"),
            1001: (days_ago(120), "tty1", ""),
            60000: (days_ago(5), "pts/3", "10.0.0.9"),
        }
    )
    return tree


def outcomes_by_user(tree: HostTree) -> dict[str, tuple[OutcomeStatus, str]]:
    return {o.resource_id.removeprefix(f"{HOSTNAME}:user:"): (o.status, o.reason) for o in scan(tree)}


def scan(tree: HostTree):
    inventory = collect(tree, [CHECK_ID])
    assert not inventory.errors, inventory.errors
    return run(inventory, CHECK_ID)


def test_lastlog_records_are_read_at_each_users_uid(host: HostTree):
    # when
    data = collect(host, [CHECK_ID]).data["logins"]
    # then the sparse file's records are found at uid × 292, the highest one included, and nobody else has one
    assert data["sources"] == ["/var/log/lastlog"]
    assert set(data["last"]) == {"alice", "bob", "svc"}
    assert data["last"]["alice"]["line"] == "pts/1"
    assert data["last"]["alice"]["host"] == "198.51.100.7"
    assert data["last"]["bob"]["host"] == ""
    at = datetime.fromisoformat(data["last"]["svc"]["at"])
    assert abs(at - (datetime.now(UTC) - timedelta(days=5))) < timedelta(minutes=5)


def test_dormant_and_never_used_accounts_fail(host: HostTree):
    # when
    found = outcomes_by_user(host)
    # then
    assert found == {
        "alice": (OutcomeStatus.PASS, "alice last logged in 2 days ago on pts/1 from 198.51.100.7"),
        "bob": (OutcomeStatus.FAIL, "bob last logged in 120 days ago on tty1 (more than 90)"),
        "carol": (OutcomeStatus.FAIL, "carol has never logged in; its password was set 400 days ago (more than 90)"),
        "dave": (OutcomeStatus.PASS, "dave has never logged in; its password was set 10 days ago"),
        "svc": (OutcomeStatus.PASS, "svc last logged in 5 days ago on pts/3 from 10.0.0.9"),
    }


def test_lastlog2_and_the_later_of_both_records(host: HostTree):
    # given a host moving to lastlog2: bob's newer login is in the database, alice's older one there is ignored
    host.lastlog2(
        {
            "bob": (days_ago(1), "pts/0", "192.0.2.44"),
            "alice": (days_ago(50), "pts/9", ""),
            "stranger": (days_ago(1), "pts/0", ""),
        }
    )
    # when
    data = collect(host, [CHECK_ID]).data["logins"]
    found = outcomes_by_user(host)
    # then
    assert data["sources"] == ["/var/log/lastlog", "/var/lib/lastlog/lastlog2.db"]
    assert data["last"]["bob"]["source"] == "/var/lib/lastlog/lastlog2.db"
    assert data["last"]["alice"]["source"] == "/var/log/lastlog"
    assert "stranger" not in data["last"]
    assert found["bob"] == (OutcomeStatus.PASS, "bob last logged in 1 days ago on pts/0 from 192.0.2.44")


def test_only_lastlog2(host: HostTree):
    host.path("/var/log/lastlog").unlink()
    host.lastlog2({"carol": (days_ago(7), "pts/2", "")})
    found = outcomes_by_user(host)
    assert found["carol"] == (OutcomeStatus.PASS, "carol last logged in 7 days ago on pts/2")
    assert found["alice"][0] == OutcomeStatus.PASS  # never logged in, password set 30 days ago


def test_a_damaged_database_is_an_error_not_a_verdict(host: HostTree):
    # given a lastlog2 file that is not a SQLite database
    host.write("/var/lib/lastlog/lastlog2.db", "not a database\n" * 100)
    # when
    outcomes = scan(host)
    # then nobody is judged on half the records
    assert [(o.status, o.resource_id) for o in outcomes] == [(OutcomeStatus.ERROR, f"{HOSTNAME}:logins")]
    assert "Login records could not be read: /var/lib/lastlog/lastlog2.db:" in outcomes[0].reason


def test_a_host_without_login_records(host: HostTree):
    host.path("/var/log/lastlog").unlink()
    outcomes = scan(host)
    assert [(o.status, o.reason) for o in outcomes] == [
        (
            OutcomeStatus.ERROR,
            "This host keeps no login records (/var/log/lastlog, /var/lib/lastlog/lastlog2.db), so no account's "
            "last login is known",
        )
    ]


def test_never_logged_in_without_a_password_date(host: HostTree):
    # given carol's /etc/shadow row without the day of the last change
    host.write("/etc/shadow", "carol:$6$s$h::0:99999:7:::\n", mode=0o640)
    found = outcomes_by_user(host)
    assert found["carol"] == (
        OutcomeStatus.ERROR,
        "carol has never logged in, and /etc/shadow gives no date to count from",
    )


def test_access_reviews_show_the_last_login(host: HostTree):
    # when
    inventory = host.connector().collect(set(SOURCE.collected))
    accounts = {a.id: a for a in SOURCE.accounts(inventory) or []}
    # then
    assert accounts["alice"].last_activity is not None
    assert abs(accounts["alice"].last_activity - (datetime.now(UTC) - timedelta(days=2))) < timedelta(minutes=5)
    assert accounts["carol"].last_activity is None
    assert accounts["root"].last_activity is None
