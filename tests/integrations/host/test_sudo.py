"""sudo's policy on a host: the sudoers grammar, the files sudo reads, the checks' edge cases, and who it makes
an administrator in an access review. Every policy is collected from a fixture root filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.providers.host import sudoers
from integrations.providers.host.accounts import SOURCE
from integrations.registry import Account, Inventory, OutcomeStatus
from tests.integrations.host.support import HOSTNAME, IS_ROOT, HostTree, base_host, collect, only, run

SUDOERS = f"{HOSTNAME}:/etc/sudoers"


@pytest.fixture
def host(tmp_path: Path) -> HostTree:
    return base_host(tmp_path / "host")


def rules(text: str) -> list[dict]:
    return [e for e in sudoers.entries(text, file="/etc/sudoers") if isinstance(e, dict) and "commands" in e]


def defaults(text: str) -> list[dict]:
    return [e for e in sudoers.entries(text, file="/etc/sudoers") if isinstance(e, dict) and "scope" in e]


# --- the grammar ------------------------------------------------------------------------------------------


def test_tags_carry_over_to_later_commands_until_the_opposite_tag():
    # given a rule whose first command has NOPASSWD and whose third turns it off again
    text = "alice ALL = (root) NOPASSWD: /usr/bin/apt update, /usr/bin/apt upgrade, PASSWD: /usr/bin/apt\n"
    # when
    (rule,) = rules(text)
    # then
    assert [(c["command"], c["tags"], c["runas"]) for c in rule["commands"]] == [
        ("/usr/bin/apt update", ["NOPASSWD"], "root"),
        ("/usr/bin/apt upgrade", ["NOPASSWD"], "root"),
        ("/usr/bin/apt", ["PASSWD"], "root"),
    ]


def test_continuations_comments_user_ids_and_escaped_commas():
    # given a rule over two lines, for a user id (#1000 is not a comment), with a trailing comment, an escaped
    # comma in a command's argument, a negated command, options and a digest
    text = (
        "#1000, %#27 ALL = (www-data : www) CWD=/srv sha256:0a1b /usr/bin/rsync -a\\,b, \\\n"
        "    !/usr/bin/su  # not su\n"
        "# a comment with = signs, ALL = ALL\n"
    )
    # when
    (rule,) = rules(text)
    # then
    assert rule["users"] == ["#1000", "%#27"]
    assert rule["line"] == 1
    assert rule["commands"] == [
        {"command": "/usr/bin/rsync -a,b", "runas": "www-data : www", "tags": [], "negated": False},
        {"command": "/usr/bin/su", "runas": "www-data : www", "tags": [], "negated": True},
    ]


def test_one_user_specification_with_two_host_sections():
    # when
    found = rules("OPS web1, web2 = (root) NOEXEC:NOPASSWD: ALL : db1 = /usr/bin/psql\n")
    # then
    assert [(r["users"], r["hosts"], [c["command"] for c in r["commands"]]) for r in found] == [
        (["OPS"], ["web1", "web2"], ["ALL"]),
        (["OPS"], ["db1"], ["/usr/bin/psql"]),
    ]
    assert found[0]["commands"][0]["tags"] == ["NOEXEC", "NOPASSWD"]


def test_defaults_bindings_operators_and_negations():
    # when
    found = defaults(
        'Defaults secure_path="/usr/sbin:/usr/bin", !!use_pty\n'
        "Defaults:%ops,bob !authenticate, timestamp_timeout = 30\n"
        "Defaults@web1 env_keep += HOME\n"
        "Defaults!/usr/bin/su !use_pty\n"
        "Defaults>root !set_logname\n"
    )
    # then
    assert [(d["scope"], d["name"], d["op"], d["value"], d["negated"]) for d in found] == [
        ("", "secure_path", "=", "/usr/sbin:/usr/bin", False),
        ("", "use_pty", "", "", False),
        (":%ops,bob", "authenticate", "", "", True),
        (":%ops,bob", "timestamp_timeout", "=", "30", False),
        ("@web1", "env_keep", "+=", "HOME", False),
        ("!/usr/bin/su", "use_pty", "", "", True),
        (">root", "set_logname", "", "", True),
    ]


def test_aliases_and_both_spellings_of_the_include_directives():
    # when
    entries = sudoers.entries(
        "User_Alias ADMINS = alice, bob : OPS = %ops\n"
        "Cmd_Alias SHELLS = /bin/sh, /bin/bash\n"
        "#includedir /etc/sudoers.d\n"
        '@include "local rules"\n'
        "# includedir is a comment with a space\n",
        file="/etc/sudoers",
    )
    # then
    assert entries == [
        sudoers.SudoAlias("User_Alias", "ADMINS", ["alice", "bob"], 1),
        sudoers.SudoAlias("User_Alias", "OPS", ["%ops"], 1),
        sudoers.SudoAlias("Cmnd_Alias", "SHELLS", ["/bin/sh", "/bin/bash"], 2),
        sudoers.SudoInclude("/etc/sudoers.d", True, 3),
        sudoers.SudoInclude("local rules", False, 4),
    ]


def test_lines_it_cannot_read_are_skipped():
    assert sudoers.entries("this is not sudoers\nalice bob carol = \n=\n", file="/etc/sudoers") == []


# --- the files sudo reads -------------------------------------------------------------------------------


def test_files_are_read_in_sudos_order_and_a_later_setting_wins(host: HostTree):
    # given /etc/sudoers turning use_pty on, then an included directory turning it off again in its last file
    host.write("/etc/sudoers", "Defaults use_pty\n@includedir /etc/sudoers.d\nDefaults logfile=/var/log/sudo\n")
    host.write("/etc/sudoers.d/10-first", "Defaults timestamp_timeout=5\n")
    host.write("/etc/sudoers.d/20-second", "Defaults !use_pty\n")
    # sudo skips editor backups and names with a dot, so neither of these counts
    host.write("/etc/sudoers.d/30-third~", "Defaults use_pty\n")
    host.write("/etc/sudoers.d/40-old.dpkg-old", "Defaults use_pty\nmallory ALL = NOPASSWD: ALL\n")
    # when
    inventory = collect(host, ["host.sudo.use_pty"])
    # then
    data = inventory.data["sudo"]
    assert [f["path"] for f in data["files"]] == [
        "/etc/sudoers",
        "/etc/sudoers.d",
        "/etc/sudoers.d/10-first",
        "/etc/sudoers.d/20-second",
    ]
    assert [(d["name"], d["file"]) for d in data["defaults"]] == [
        ("use_pty", "/etc/sudoers"),
        ("timestamp_timeout", "/etc/sudoers.d/10-first"),
        ("use_pty", "/etc/sudoers.d/20-second"),
        ("logfile", "/etc/sudoers"),
    ]
    outcome = only(run(inventory, "host.sudo.use_pty"))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason == "Defaults !use_pty (/etc/sudoers.d/20-second:1)"
    assert run(inventory, "host.sudo.password_required")[0].status == OutcomeStatus.PASS


def test_relative_includes_and_loops(host: HostTree):
    # given an include relative to the including file's directory, which includes /etc/sudoers back
    host.write("/etc/sudoers", "@include sudoers.local\nroot ALL = (ALL) ALL\n")
    host.write("/etc/sudoers.local", "@include /etc/sudoers\n@includedir /etc/missing.d\nops ALL = /usr/bin/ls\n")
    # when
    inventory = collect(host, ["host.sudo.password_required"])
    # then each file is read once on its path, and a missing directory is no error
    data = inventory.data["sudo"]
    assert [f["path"] for f in data["files"]] == ["/etc/sudoers", "/etc/sudoers.local"]
    assert [(r["users"], r["file"]) for r in data["rules"]] == [
        (["ops"], "/etc/sudoers.local"),
        (["root"], "/etc/sudoers"),
    ]


def test_without_sudoers_no_outcome(host: HostTree):
    # given a host without sudo
    # when
    inventory = collect(host, ["host.sudo.use_pty"])
    # then every sudo check has nothing to judge
    assert inventory.data["sudo"]["installed"] is False
    for check_id in ("host.sudo.use_pty", "host.sudo.password_required", "host.sudo.policy_files_protected"):
        assert run(inventory, check_id) == []


@pytest.mark.skipif(IS_ROOT, reason="root reads every file")
def test_an_unreadable_sudoers_is_a_collection_error(host: HostTree):
    # given /etc/sudoers as sudo installs it (0440, root's) read by a user who is not root
    host.write("/etc/sudoers", "Defaults use_pty\n", mode=0o000)
    # when
    inventory = host.connector().collect({"sudo"})
    # then the service is an error with the reason, not a policy judged from nothing
    assert "sudo" not in inventory.data
    assert "Permission denied" in inventory.errors["sudo"]


# --- the checks' edge cases --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package_database", "status", "phrase"),
    [
        # sudo 1.9.14 and later run every command in a pseudo-terminal unless told not to
        ("/var/lib/dpkg/status", OutcomeStatus.PASS, "use_pty is on (sudo 1.9.15p5-3ubuntu5 default)"),
        ("/lib/apk/db/installed", OutcomeStatus.PASS, "use_pty is on (sudo 1.9.15_p5-r0 default)"),
        (None, OutcomeStatus.FAIL, "a sudo of unknown version does not turn it on by default"),
    ],
)
def test_use_pty_unset_depends_on_the_installed_sudo(host: HostTree, package_database, status, phrase):
    # given a policy that does not mention use_pty, and the package database of the distribution
    host.write("/etc/sudoers", "root ALL = (ALL) ALL\n", mode=0o440)
    if package_database == "/var/lib/dpkg/status":
        host.write(
            package_database,
            "Package: sudo-ldap\nVersion: 1.8.0\n\nPackage: sudo\nStatus: install ok installed\n"
            "Version: 1.9.15p5-3ubuntu5\n\nPackage: zsh\nVersion: 5.9\n",
        )
    elif package_database:
        host.write(package_database, "C:Q1x=\nP:musl\nV:1.2.5-r0\n\nC:Q1y=\nP:sudo\nV:1.9.15_p5-r0\n")
    # when
    outcome = only(run(collect(host, ["host.sudo.use_pty"]), "host.sudo.use_pty"))
    # then
    assert outcome.status == status
    assert phrase in outcome.reason


def test_an_older_sudo_needs_use_pty_set(host: HostTree):
    host.write("/etc/sudoers", "Defaults:alice !use_pty\n", mode=0o440)
    host.write("/var/lib/dpkg/status", "Package: sudo\nVersion: 1.9.13p3-1+deb12u1\n")
    outcome = only(run(collect(host, ["host.sudo.use_pty"]), "host.sudo.use_pty"))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason == (
        "Defaults use_pty is not set, and sudo 1.9.13p3-1+deb12u1 does not turn it on by default; "
        "Defaults:alice !use_pty (/etc/sudoers:1)"
    )


@pytest.mark.parametrize(
    ("line", "status", "phrase"),
    [
        ("", OutcomeStatus.PASS, "timestamp_timeout is 15 minutes (sudo default)"),
        ("Defaults timestamp_timeout=0\n", OutcomeStatus.PASS, "timestamp_timeout is 0 minutes (/etc/sudoers:1)"),
        ("Defaults timestamp_timeout=15\n", OutcomeStatus.PASS, "timestamp_timeout is 15 minutes"),
        ("Defaults timestamp_timeout=15.5\n", OutcomeStatus.FAIL, "Defaults timestamp_timeout=15.5"),
        ("Defaults timestamp_timeout=soon\n", OutcomeStatus.FAIL, "Defaults timestamp_timeout=soon"),
        ("Defaults:bob timestamp_timeout=60\n", OutcomeStatus.FAIL, "Defaults:bob timestamp_timeout=60"),
        ("Defaults !timestamp_timeout\n", OutcomeStatus.PASS, "timestamp_timeout is 0 minutes"),
    ],
)
def test_timestamp_timeout(host: HostTree, line, status, phrase):
    host.write("/etc/sudoers", f"{line}root ALL = (ALL) ALL\n", mode=0o440)
    outcome = only(run(collect(host, ["host.sudo.timestamp_timeout"]), "host.sudo.timestamp_timeout"))
    assert outcome.status == status
    assert phrase in outcome.reason


def test_logfile_turned_off_again(host: HostTree):
    host.write("/etc/sudoers", 'Defaults logfile="/var/log/sudo.log"\nDefaults !logfile\n', mode=0o440)
    outcome = only(run(collect(host, ["host.sudo.logfile"]), "host.sudo.logfile"))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason == "Defaults !logfile turns the log file off (/etc/sudoers:2)"


def test_a_negated_nopasswd_command_grants_nothing(host: HostTree):
    host.write("/etc/sudoers", "alice ALL = (ALL) ALL, NOPASSWD: !/usr/bin/su\n", mode=0o440)
    outcome = only(run(collect(host, ["host.sudo.password_required"]), "host.sudo.password_required"))
    assert outcome.status == OutcomeStatus.PASS
    assert outcome.reason == "None of the 1 rules in 1 sudoers files has NOPASSWD"


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another owner")
def test_a_sudoers_file_owned_by_a_user_fails_even_read_only(host: HostTree):
    host.write("/etc/sudoers", "@includedir /etc/sudoers.d\n", mode=0o440)
    host.mkdir("/etc/sudoers.d", 0o775)
    host.write("/etc/sudoers.d/app", "app ALL = /usr/bin/ls\n", mode=0o440, owner=(1000, 1000))
    outcomes = {
        o.resource_id: o
        for o in run(collect(host, ["host.sudo.policy_files_protected"]), "host.sudo.policy_files_protected")
    }
    assert outcomes[SUDOERS].status == OutcomeStatus.PASS
    directory = outcomes[f"{HOSTNAME}:/etc/sudoers.d"]
    assert directory.status == OutcomeStatus.FAIL
    assert directory.reason == "/etc/sudoers.d (directory) is mode 0775 lets its group (gid 0) write it"
    app = outcomes[f"{HOSTNAME}:/etc/sudoers.d/app"]
    assert app.status == OutcomeStatus.FAIL
    assert app.reason == "/etc/sudoers.d/app (file) is owned by uid 1000, not root"


# --- who sudo makes an administrator -------------------------------------------------------------------------

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
ubuntu:x:1000:1000::/home/ubuntu:/bin/bash
carol:x:1001:1001::/home/carol:/bin/bash
deploy:x:1002:1002::/home/deploy:/bin/bash
erin:x:1003:1003::/home/erin:/bin/bash
frank:x:1004:2001::/home/frank:/bin/bash
"""

GROUP = """\
root:x:0:
ubuntu:x:1000:
carol:x:1001:
deploy:x:1002:
erin:x:1003:
ops:x:2000:carol,ubuntu
build:x:2001:
"""

SUDOERS_RULES = """\
User_Alias OPERATORS = %ops, !ubuntu
Runas_Alias SUPERUSER = root
root ALL = (ALL:ALL) ALL
#1000 ALL = (ALL) NOPASSWD: ALL
OPERATORS ALL = (root) /usr/bin/systemctl restart nginx
deploy db1 = (SUPERUSER) ALL
deploy web-* = (:www) ALL
%#2001 web-1 = (SUPERUSER) ALL, !/usr/bin/su
@includedir /etc/sudoers.d
"""


def accounts(host: HostTree) -> dict[str, Account]:
    inventory = host.connector().collect(set(SOURCE.collected))
    assert inventory.errors == {}
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_sudoers_rules_decide_who_is_an_administrator(host: HostTree):
    # given accounts whose privileges come from sudoers only (no sudo, wheel or admin group anywhere)
    host.write("/etc/passwd", PASSWD)
    host.write("/etc/group", GROUP)
    host.write("/etc/sudoers", SUDOERS_RULES, mode=0o440)
    host.write("/etc/sudoers.d/erin", "erin ALL = (ALL) ALL\n", mode=0o440)
    # when
    found = accounts(host)
    # then
    # by user id, every command as anyone, without a password
    assert found["ubuntu"].admin
    assert "sudo:(ALL) NOPASSWD: ALL" in found["ubuntu"].privileges
    # one command only: privileged, not an administrator (and ubuntu is taken out of OPERATORS by the "!")
    assert not found["carol"].admin
    assert "sudo:(root) /usr/bin/systemctl restart nginx" in found["carol"].privileges
    assert not any("systemctl" in p for p in found["ubuntu"].privileges)
    # every command, but on another host, or only with a group changed: not root here
    assert not found["deploy"].admin
    assert [p for p in found["deploy"].privileges if p.startswith("sudo:")] == ["sudo:(:www) ALL"]
    # a rule in an included file counts like one in /etc/sudoers
    assert found["erin"].admin
    # by primary group id, as root through a Runas_Alias
    assert found["frank"].admin
    assert "sudo:(SUPERUSER) ALL" in found["frank"].privileges


def test_a_host_without_sudo_lists_its_accounts_as_before(host: HostTree):
    host.write("/etc/passwd", PASSWD)
    host.write("/etc/group", GROUP)
    found = accounts(host)
    assert not any(a.admin for a in found.values() if a.id != "root")
    assert not any(p.startswith("sudo:") for a in found.values() for p in a.privileges)


def test_an_inventory_without_the_sudo_service_still_lists_accounts(host: HostTree):
    # given an inventory kept from before sudo was collected
    host.write("/etc/passwd", PASSWD)
    host.write("/etc/group", GROUP)
    host.write("/etc/sudoers", SUDOERS_RULES, mode=0o440)
    inventory = host.connector().collect({"accounts"})
    kept = Inventory(integration_type="host", account_id=HOSTNAME, data=inventory.data)
    # when
    listed = SOURCE.accounts(kept)
    # then
    assert listed is not None
    assert {a.id for a in listed} == {"root", "ubuntu", "carol", "deploy", "erin", "frank"}
