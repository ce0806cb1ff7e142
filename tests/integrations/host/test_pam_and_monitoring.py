"""PAM's password and lockout rules, time synchronisation and AIDE, on fixture root filesystems laid out as
Debian and RHEL lay them out: the branches the hardened and neglected fixture hosts of test_checks.py miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.providers.host import parsers
from integrations.registry import OutcomeStatus
from tests.integrations.host.support import HOSTNAME, HostTree, base_host, collect, only, run

LENGTH = "host.pam.password_length"
LOCKOUT = "host.pam.failed_login_lockout"
HASHING = "host.pam.strong_password_hashing"
TIME = "host.time.synchronized"
AIDE = "host.integrity.file_integrity_monitoring"

# RHEL 9 as authselect writes it: passwd and sshd reach system-auth and password-auth through substack/include.
SYSTEM_AUTH = """\
auth        required      pam_env.so
auth        required      pam_faillock.so preauth silent deny=4
auth        sufficient    /usr/lib64/security/pam_unix.so try_first_pass
auth        [default=die] pam_faillock.so authfail deny=4
auth        required      pam_deny.so
password    requisite     pam_pwquality.so local_users_only minlen=16
password    sufficient    pam_unix.so sha512 shadow use_authtok
-session    optional      pam_systemd.so
"""


@pytest.fixture
def host(tmp_path: Path) -> HostTree:
    return base_host(tmp_path / "host")


def outcome(tree: HostTree, check_id: str):
    return only(run(collect(tree, [check_id]), check_id))


def test_pam_lines():
    lines = parsers.pam_lines(
        "# comment\n"
        "auth\t[success=1  default=ignore]\t/lib/x86_64-linux-gnu/security/pam_unix.so nullok\n"
        "-session optional pam_systemd.so\n"
        "@include common-account\n"
        "password substack system-auth\n"
        "bogus required pam_x.so\n"
    )
    assert [(pl.kind, pl.control, pl.module, pl.args, pl.line) for pl in lines] == [
        ("auth", "[success=1 default=ignore]", "pam_unix", ["nullok"], 2),
        ("session", "optional", "pam_systemd", [], 3),
        ("@include", "include", "common-account", [], 4),
        ("password", "substack", "system-auth", [], 5),
    ]


def test_rhel_layout_module_arguments_win_over_the_configuration_file(host: HostTree):
    # given RHEL's substack/include layout, and configuration files the module arguments override
    host.write("/etc/pam.d/system-auth", SYSTEM_AUTH)
    host.write("/etc/pam.d/password-auth", SYSTEM_AUTH)
    host.write("/etc/pam.d/passwd", "auth include system-auth\npassword substack system-auth\n")
    host.write("/etc/pam.d/sshd", "auth substack password-auth\naccount required pam_nologin.so\n")
    host.write("/etc/security/pwquality.conf", "minlen = 8\n")
    host.write("/etc/security/faillock.conf", "deny = 9\nunlock_time = 0\n")
    # when / then
    length = outcome(host, LENGTH)
    assert (length.status, length.reason) == (
        OutcomeStatus.PASS,
        "pam_pwquality minlen is 16 (/etc/pam.d/system-auth:6)",
    )
    lockout = outcome(host, LOCKOUT)
    assert (lockout.status, lockout.reason) == (
        OutcomeStatus.PASS,
        "pam_faillock locks after 4 failures until an administrator unlocks it (sshd)",
    )
    hashing = outcome(host, HASHING)
    assert (hashing.status, hashing.reason) == (
        OutcomeStatus.PASS,
        "passwords are hashed with sha512 (/etc/pam.d/system-auth:7)",
    )


def test_pwquality_drop_ins_and_defaults(host: HostTree):
    host.write("/etc/pam.d/passwd", "password requisite pam_pwquality.so\npassword required pam_unix.so\n")
    assert outcome(host, LENGTH).reason == "pam_pwquality minlen is 8 (default), less than 14"
    host.write("/etc/security/pwquality.conf", "minlen = 9\n")
    host.write("/etc/security/pwquality.conf.d/50-cis.conf", "minlen = 15\n")
    found = outcome(host, LENGTH)
    assert (found.status, found.reason) == (
        OutcomeStatus.PASS,
        "pam_pwquality minlen is 15 (/etc/security/pwquality.conf.d/50-cis.conf)",
    )


def test_hashing_falls_back_to_login_defs(host: HostTree):
    host.write("/etc/pam.d/passwd", "password required pam_unix.so obscure\n")
    assert outcome(host, HASHING).reason == "pam_unix names no hash and /etc/login.defs sets no ENCRYPT_METHOD"
    host.write("/etc/login.defs", "ENCRYPT_METHOD YESCRYPT\n")
    found = outcome(host, HASHING)
    assert (found.status, found.reason) == (
        OutcomeStatus.PASS,
        "passwords are hashed with yescrypt (/etc/login.defs ENCRYPT_METHOD)",
    )


def test_lockout_default_unlock_time_is_too_short(host: HostTree):
    host.write("/etc/pam.d/login", "auth required pam_faillock.so preauth\nauth sufficient pam_unix.so\n")
    found = outcome(host, LOCKOUT)
    assert (found.status, found.reason) == (
        OutcomeStatus.FAIL,
        "login: unlock_time = 600 (default), under 900 s",
    )


def test_pam_without_the_services_read(host: HostTree):
    # given /etc/pam.d with neither passwd, sshd nor login
    host.write("/etc/pam.d/other", "auth required pam_deny.so\n")
    inventory = collect(host, [LENGTH])
    assert run(inventory, LOCKOUT) == []
    assert [o.reason for o in run(inventory, LENGTH)] == ["/etc/pam.d/passwd does not exist"]
    assert [o.status for o in run(inventory, HASHING)] == [OutcomeStatus.FAIL]


def test_no_pam_no_outcome_and_include_loops_end(host: HostTree):
    inventory = collect(host, [LENGTH])
    assert [run(inventory, c) for c in (LENGTH, LOCKOUT, HASHING)] == [[], [], []]
    # an include loop is followed only as deep as Linux-PAM would
    host.write("/etc/pam.d/passwd", "@include passwd\npassword required pam_unix.so sha512\n")
    assert outcome(host, HASHING).status == OutcomeStatus.PASS


@pytest.mark.parametrize(
    ("layout", "status", "reason"),
    [
        ({}, OutcomeStatus.FAIL, "No time synchronisation daemon is enabled"),
        (
            {"/etc/chrony/chrony.conf": "pool pool.example.org\n"},
            OutcomeStatus.FAIL,
            "No time synchronisation daemon is enabled (chrony installed but not enabled)",
        ),
        (
            {"/etc/chrony/chrony.conf": "# pool pool.example.org\nmakestep 1 3\n", "enable": "chrony.service"},
            OutcomeStatus.FAIL,
            "chrony is enabled but /etc/chrony/chrony.conf names no server or pool",
        ),
        (
            {"/lib/systemd/systemd-timesyncd": "", "enable": "systemd-timesyncd.service"},
            OutcomeStatus.PASS,
            "systemd-timesyncd synchronises the clock from its built-in servers",
        ),
        (
            {
                "/etc/systemd/timesyncd.conf": "[Time]\nNTP=time1.example.org time2.example.org\n",
                "enable": "systemd-timesyncd.service",
            },
            OutcomeStatus.PASS,
            "systemd-timesyncd synchronises the clock from time1.example.org, time2.example.org",
        ),
        (
            {"/etc/ntpsec/ntp.conf": "server 192.0.2.123 iburst\n", "enable": "ntpsec.service"},
            OutcomeStatus.PASS,
            "ntpd synchronises the clock from 192.0.2.123",
        ),
    ],
)
def test_time_synchronisation(host: HostTree, layout, status, reason):
    host.mkdir("/etc/systemd/system")
    for path, text in layout.items():
        if path == "enable":
            host.enable(text, "sysinit.target")
        else:
            host.write(path, text)
    found = outcome(host, TIME)
    assert (found.status, found.reason) == (status, reason)


def test_without_systemd_an_installed_daemon_counts(host: HostTree):
    host.write("/etc/chrony.conf", "server 192.0.2.1\n")
    found = outcome(host, TIME)
    assert (found.status, found.reason) == (OutcomeStatus.PASS, "chrony synchronises the clock from 192.0.2.1")


def test_aide_installed_but_never_initialised_or_run(host: HostTree):
    host.mkdir("/etc/systemd/system")
    host.write("/usr/sbin/aide", "#!/bin/true\n", mode=0o755)
    host.write("/etc/aide.conf", "database_in=file:/var/lib/aide/aide.db.gz\n")
    found = outcome(host, AIDE)
    assert (found.status, found.resource_id, found.reason) == (
        OutcomeStatus.FAIL,
        f"{HOSTNAME}:aide",
        "AIDE is installed but its database was never initialised (no /var/lib/aide/aide.db); "
        "nothing runs it (no enabled aide timer and no cron job)",
    )
    # when the database is initialised and a cron job runs it
    host.write("/var/lib/aide/aide.db.gz", "db", mode=0o600)
    host.write("/etc/cron.d/aide", "# daily check\n0 5 * * * root /usr/sbin/aide --check\n")
    found = outcome(host, AIDE)
    assert (found.status, found.reason) == (
        OutcomeStatus.PASS,
        "AIDE checks /var/lib/aide/aide.db.gz against the files, run by /etc/cron.d/aide",
    )


def test_a_commented_cron_line_does_not_schedule_aide(host: HostTree):
    host.write("/usr/bin/aide", "#!/bin/true\n", mode=0o755)
    host.write("/etc/aide/aide.conf", "\n")
    host.write("/var/lib/aide/aide.db", "db", mode=0o600)
    host.write("/etc/crontab", "# 0 5 * * * root aide --check\n")
    assert outcome(host, AIDE).reason == "AIDE is installed but nothing runs it (no enabled aide timer and no cron job)"
