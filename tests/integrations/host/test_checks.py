"""Every host check against a hardened and a neglected fixture host, plus the edge cases of each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrations.providers.host.collectors import system as host_system_collectors
from integrations.registry import OutcomeStatus, all_checks
from tests.integrations.host.support import (
    HOSTNAME,
    IS_ROOT,
    RSA_1024_FINGERPRINT,
    SSHD_DROP_IN,
    HostTree,
    base_host,
    collect,
    compliant_host,
    host_check_ids,
    inventory,
    non_compliant_host,
    only,
    run,
    scan,
)

SSHD = f"{HOSTNAME}:/etc/ssh/sshd_config"
SUDOERS = f"{HOSTNAME}:/etc/sudoers"
PASSWD_STACK = f"{HOSTNAME}:/etc/pam.d/passwd"

# check id -> {resource id: a phrase its failure reason must contain} on the neglected host.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "host.ssh.root_login_disabled": {SSHD: "PermitRootLogin yes (/etc/ssh/sshd_config:1)"},
    "host.ssh.password_authentication_disabled": {SSHD: "PasswordAuthentication yes"},
    "host.ssh.strong_ciphers": {SSHD: "weak algorithms allowed: aes128-cbc, 3des-cbc"},
    "host.ssh.strong_macs": {SSHD: "weak algorithms allowed: hmac-md5, hmac-sha1-96"},
    "host.ssh.max_auth_tries": {SSHD: "MaxAuthTries 6"},
    "host.ssh.x11_forwarding_disabled": {SSHD: "X11Forwarding yes"},
    "host.ssh.idle_timeout": {SSHD: "idle sessions are never checked"},
    "host.ssh.authorized_keys_strong": {
        f"{HOSTNAME}:user:alice": f"alice accepts weak keys: ssh-rsa 1024 {RSA_1024_FINGERPRINT} (old@box) in "
        "/home/alice/.ssh/authorized_keys:2"
    },
    "host.accounts.shadow_file_protected": {f"{HOSTNAME}:/etc/shadow": "mode 0644 grants more than 0640"},
    "host.accounts.passwd_file_protected": {f"{HOSTNAME}:/etc/passwd": "mode 0666 grants more than 0644"},
    "host.accounts.no_empty_passwords": {f"{HOSTNAME}:user:bob": "Account bob has an empty password"},
    "host.accounts.only_root_has_uid_0": {f"{HOSTNAME}:user:toor": "Account toor has user id 0"},
    "host.accounts.password_aging": {f"{HOSTNAME}:/etc/login.defs": "PASS_MAX_DAYS is 99999"},
    "host.accounts.dormant_accounts_disabled": {
        f"{HOSTNAME}:user:alice": "alice last logged in 200 days ago on pts/0 from 203.0.113.9 (more than 90)"
    },
    "host.sudo.use_pty": {SUDOERS: "Defaults !use_pty (/etc/sudoers:2)"},
    "host.sudo.logfile": {SUDOERS: "Defaults logfile is not set"},
    "host.sudo.password_required": {
        SUDOERS: "line 6: alice -> ALL",
        f"{HOSTNAME}:/etc/sudoers.d/deploy": "line 1: deploy -> /usr/bin/systemctl",
    },
    "host.sudo.reauthentication_required": {SUDOERS: "line 3: Defaults:alice !authenticate"},
    "host.sudo.timestamp_timeout": {SUDOERS: "Defaults timestamp_timeout=-1 (/etc/sudoers:4)"},
    "host.sudo.policy_files_protected": {f"{HOSTNAME}:/etc/sudoers.d/deploy": "mode 0664 lets its group (gid"},
    "host.pam.password_length": {
        PASSWD_STACK: "No password quality module (pam_pwquality) in the passwd stack (modules: pam_unix, pam_deny)"
    },
    "host.pam.failed_login_lockout": {
        f"{HOSTNAME}:/etc/pam.d": "sshd: no pam_faillock in the auth stack; login: deny = 10 (/etc/pam.d/login:1), "
        "more than 5 or none"
    },
    "host.pam.strong_password_hashing": {
        PASSWD_STACK: "passwords are hashed with md5 (/etc/pam.d/common-password:1), not sha512 or yescrypt"
    },
    "host.time.synchronized": {
        f"{HOSTNAME}:timesync": "2 time daemons are enabled and would fight over the clock: chrony, systemd-timesyncd"
    },
    "host.integrity.file_integrity_monitoring": {f"{HOSTNAME}:aide": "AIDE is not installed"},
    "host.network.firewall_enabled": {f"{HOSTNAME}:firewall": "/etc/nftables.conf holds no rule"},
    "host.updates.automatic_security_updates": {f"{HOSTNAME}:updates": 'APT::Periodic::Unattended-Upgrade is "0"'},
    "host.audit.auditd_enabled": {f"{HOSTNAME}:/etc/audit/auditd.conf": "auditd is not installed"},
    "host.kernel.core_dumps_restricted": {f"{HOSTNAME}:core-dumps": "fs.suid_dumpable is 2 (/etc/sysctl.conf)"},
    "host.filesystem.no_world_writable_system_files": {
        f"{HOSTNAME}:system-directories": "3 world-writable paths: /etc/passwd, /etc/app/world.conf, /usr/bin/drop"
    },
    "host.filesystem.tmp_sticky_bit": {f"{HOSTNAME}:/tmp": "world-writable without the sticky bit"},
}
# Checks whose pass needs files owned by root: only a root test run can create those.
NEEDS_ROOT_OWNERSHIP = {
    "host.accounts.shadow_file_protected",
    "host.accounts.passwd_file_protected",
    "host.sudo.policy_files_protected",
}


@pytest.fixture
def good(tmp_path) -> HostTree:
    return compliant_host(tmp_path / "good")


@pytest.fixture
def bad(tmp_path) -> HostTree:
    return non_compliant_host(tmp_path / "bad")


def test_there_are_enough_host_checks_and_every_one_is_covered_here():
    assert len(host_check_ids()) >= 12
    assert sorted(EXPECTED_FAILURES) == host_check_ids()


@pytest.mark.parametrize("check_id", sorted(EXPECTED_FAILURES))
def test_compliant_host_passes(good, check_id):
    if check_id in NEEDS_ROOT_OWNERSHIP and not IS_ROOT:
        pytest.skip("only root can make the fixture files root-owned")
    # when
    outcomes = scan(good, check_id)
    # then
    assert outcomes, "a compliant host must produce outcomes"
    assert all(o.status == OutcomeStatus.PASS for o in outcomes), [(o.resource_id, o.reason) for o in outcomes]
    assert all(o.resource_id.startswith(f"{HOSTNAME}:") for o in outcomes)


@pytest.mark.parametrize("check_id", sorted(EXPECTED_FAILURES))
def test_non_compliant_host_fails_with_resource_and_reason(bad, check_id):
    # when
    outcomes = scan(bad, check_id)
    # then exactly the expected resources fail, each for the expected reason
    failures = {o.resource_id: o.reason for o in outcomes if o.status == OutcomeStatus.FAIL}
    expected = EXPECTED_FAILURES[check_id]
    assert set(failures) == set(expected), failures
    for resource_id, phrase in expected.items():
        assert phrase in failures[resource_id], failures[resource_id]


def test_observed_values_are_reported(bad):
    # given the neglected host
    inv = collect(bad)
    # then outcomes carry what was seen, e.g. the octal modes and the offending values
    shadow = only(run(inv, "host.accounts.shadow_file_protected"))
    assert shadow.observed["mode"] == "0644"
    ssh = only(run(inv, "host.ssh.max_auth_tries"))
    assert ssh.observed["MaxAuthTries"] == "6"
    assert ssh.observed["source"] == "/etc/ssh/sshd_config:5"
    world = only(run(inv, "host.filesystem.no_world_writable_system_files"))
    assert world.observed["world_writable"] == [
        "/etc/passwd (0666)",
        "/etc/app/world.conf (0666)",
        "/usr/bin/drop (0777)",
    ]


@pytest.mark.skipif(IS_ROOT, reason="as root the fixture files are root-owned")
def test_ownership_is_reported_when_not_root(good):
    outcome = only(scan(good, "host.accounts.shadow_file_protected"))
    assert outcome.status == OutcomeStatus.FAIL
    assert "not root" in outcome.reason and "mode" not in outcome.reason


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another owner")
def test_shadow_owned_by_a_user_fails_even_with_a_strict_mode(good):
    # given
    import os

    os.chown(good.path("/etc/shadow"), 1000, 0)
    # when
    outcome = only(scan(good, "host.accounts.shadow_file_protected"))
    # then
    assert outcome.status == OutcomeStatus.FAIL
    assert "owned by alice (uid 1000), not root" in outcome.reason


# --- sshd -----------------------------------------------------------------------------


def test_no_sshd_means_no_ssh_outcomes(tmp_path):
    # given a host without an SSH server
    tree = base_host(tmp_path)
    # when
    inv = collect(tree)
    # then the SSH checks do not apply
    assert inv.data["sshd"]["installed"] is False
    for check_id in host_check_ids():
        if check_id.startswith("host.ssh."):
            assert run(inv, check_id) == []


def test_drop_in_values_win_over_later_main_file_values(good):
    # given sshd_config says "PermitRootLogin yes" after including a drop-in that says "no"
    outcome = only(scan(good, "host.ssh.root_login_disabled"))
    # then the first value (from the drop-in) wins, as in sshd
    assert outcome.observed["source"] == "/etc/ssh/sshd_config.d/10-hardening.conf:1"
    assert outcome.status == OutcomeStatus.PASS


def test_a_match_block_that_weakens_a_setting_fails(good):
    # given a Match block re-enabling passwords for one group
    good.write("/etc/ssh/sshd_config.d/20-contractors.conf", "Match Group contractors\n  PasswordAuthentication yes\n")
    # when
    outcome = only(scan(good, "host.ssh.password_authentication_disabled"))
    # then
    assert outcome.status == OutcomeStatus.FAIL
    assert "in 'Match Group contractors' (/etc/ssh/sshd_config.d/20-contractors.conf:2)" in outcome.reason


def test_a_match_block_does_not_set_global_values(tmp_path):
    # given the only MaxAuthTries is inside a Match block
    tree = base_host(tmp_path)
    tree.write("/etc/ssh/sshd_config", "Match Address 10.0.0.0/8\n  MaxAuthTries 2\n")
    # when
    outcome = only(scan(tree, "host.ssh.max_auth_tries"))
    # then the global default (6) applies and fails
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.observed["source"] == "OpenSSH default"


def test_absent_settings_fall_back_to_openssh_defaults(tmp_path):
    # given an empty sshd_config
    tree = base_host(tmp_path)
    tree.write("/etc/ssh/sshd_config", "# nothing set\n")
    inv = collect(tree)
    # then
    assert only(run(inv, "host.ssh.root_login_disabled")).status == OutcomeStatus.FAIL  # prohibit-password
    assert only(run(inv, "host.ssh.password_authentication_disabled")).status == OutcomeStatus.FAIL  # yes
    assert only(run(inv, "host.ssh.x11_forwarding_disabled")).status == OutcomeStatus.PASS  # no
    assert only(run(inv, "host.ssh.strong_ciphers")).status == OutcomeStatus.PASS
    assert only(run(inv, "host.ssh.strong_macs")).status == OutcomeStatus.PASS
    assert only(run(inv, "host.ssh.idle_timeout")).status == OutcomeStatus.FAIL  # 0


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("Ciphers +aes128-cbc", OutcomeStatus.FAIL),
        ("Ciphers ^arcfour256,aes256-ctr", OutcomeStatus.FAIL),
        ("Ciphers -chacha20-poly1305@openssh.com", OutcomeStatus.PASS),
        ("Ciphers=aes256-gcm@openssh.com,aes128-ctr", OutcomeStatus.PASS),
        ('Ciphers "aes256-ctr,blowfish-cbc"', OutcomeStatus.FAIL),
    ],
)
def test_cipher_list_forms(tmp_path, line, status):
    tree = base_host(tmp_path)
    tree.write("/etc/ssh/sshd_config", f"{line}\n")
    assert only(scan(tree, "host.ssh.strong_ciphers")).status == status


@pytest.mark.parametrize(
    ("value", "status"),
    [("300", OutcomeStatus.PASS), ("5m", OutcomeStatus.PASS), ("1h", OutcomeStatus.FAIL), ("soon", OutcomeStatus.FAIL)],
)
def test_idle_timeout_understands_sshd_time_format(tmp_path, value, status):
    tree = base_host(tmp_path)
    tree.write("/etc/ssh/sshd_config", f"ClientAliveInterval {value}\n")
    assert only(scan(tree, "host.ssh.idle_timeout")).status == status


def test_keyboard_interactive_with_pam_still_allows_passwords(tmp_path):
    # given passwords off, but PAM's keyboard-interactive on
    tree = base_host(tmp_path)
    tree.write("/etc/ssh/sshd_config", "PasswordAuthentication no\nUsePAM yes\nChallengeResponseAuthentication yes\n")
    # when
    outcome = only(scan(tree, "host.ssh.password_authentication_disabled"))
    # then
    assert outcome.status == OutcomeStatus.FAIL
    assert "still lets PAM ask for a password" in outcome.reason


def test_include_relative_to_etc_ssh_and_include_loops_are_bounded(tmp_path):
    # given a relative Include and a file that includes itself
    tree = base_host(tmp_path)
    tree.write("/etc/ssh/sshd_config", "Include sshd_config.d/*.conf\n")
    tree.write("/etc/ssh/sshd_config.d/00-loop.conf", "Include /etc/ssh/sshd_config.d/00-loop.conf\n")
    tree.write("/etc/ssh/sshd_config.d/10-hardening.conf", SSHD_DROP_IN)
    # when
    outcome = only(scan(tree, "host.ssh.max_auth_tries"))
    # then the drop-in is read and the loop ends
    assert outcome.status == OutcomeStatus.PASS
    assert outcome.observed["source"] == "/etc/ssh/sshd_config.d/10-hardening.conf:3"


# --- accounts -----------------------------------------------------------------------------


def test_unreadable_shadow_is_an_error_not_a_pass():
    # given a collection that could not read /etc/shadow (scan not run as root)
    inv = inventory(
        accounts={"users": [], "files": {}, "shadow": None, "shadow_error": "/etc/shadow: Permission denied"}
    )
    # when
    outcome = only(run(inv, "host.accounts.no_empty_passwords"))
    # then
    assert outcome.status == OutcomeStatus.ERROR
    assert "Permission denied" in outcome.reason


def test_missing_login_defs_uses_shadow_utils_defaults(tmp_path):
    tree = base_host(tmp_path)
    outcome = only(scan(tree, "host.accounts.password_aging"))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason.startswith("/etc/login.defs does not exist")
    assert outcome.observed["defaults_used"] == ["PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE"]


# --- firewall, updates, audit, core dumps -----------------------------------------------------


def test_nftables_rules_without_the_service_enabled_fail(good):
    # given the ruleset but no nftables.service wants-link
    good.path("/etc/systemd/system/sysinit.target.wants/nftables.service").unlink()
    outcome = only(scan(good, "host.network.firewall_enabled"))
    assert outcome.status == OutcomeStatus.FAIL
    assert "nftables.service is not enabled" in outcome.reason


@pytest.mark.parametrize(
    ("files", "enabled"),
    [
        ({"/etc/ufw/ufw.conf": "# ufw\nENABLED=yes\nLOGLEVEL=low\n"}, None),
        (
            {"/etc/iptables/rules.v4": "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n"},
            "netfilter-persistent.service",
        ),
        ({"/etc/firewalld/firewalld.conf": "DefaultZone=public\n"}, "firewalld.service"),
    ],
)
def test_other_firewalls_count(tmp_path, files, enabled):
    tree = base_host(tmp_path)
    for path, text in files.items():
        tree.write(path, text)
    if enabled:
        tree.enable(enabled)
    assert only(scan(tree, "host.network.firewall_enabled")).status == OutcomeStatus.PASS


def test_ufw_installed_but_disabled_fails(tmp_path):
    tree = base_host(tmp_path)
    tree.write("/etc/ufw/ufw.conf", "ENABLED=no\n")
    outcome = only(scan(tree, "host.network.firewall_enabled"))
    assert outcome.status == OutcomeStatus.FAIL
    assert "ufw is installed but not enabled" in outcome.reason


def test_nested_apt_syntax_and_later_files_override(tmp_path):
    # given the nested form turning it on, and a later file turning it off again
    tree = base_host(tmp_path)
    tree.write("/usr/bin/unattended-upgrade", "#!/bin/true\n", mode=0o755)
    tree.write("/etc/apt/apt.conf.d/20auto-upgrades", 'APT { Periodic { Unattended-Upgrade "1"; }; }; // on\n')
    inv = collect(tree, ["host.updates.automatic_security_updates"])
    assert only(run(inv, "host.updates.automatic_security_updates")).status == OutcomeStatus.PASS
    tree.write("/etc/apt/apt.conf.d/99local", '/* override */\nAPT::Periodic::Unattended-Upgrade "0";\n')
    # when
    outcome = only(scan(tree, "host.updates.automatic_security_updates"))
    # then
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.observed["apt"]["files"][-1] == "/etc/apt/apt.conf.d/99local"


def test_unattended_upgrade_on_without_the_package_fails(tmp_path):
    tree = base_host(tmp_path)
    tree.write("/etc/apt/apt.conf.d/20auto-upgrades", 'APT::Periodic::Unattended-Upgrade "1";\n')
    outcome = only(scan(tree, "host.updates.automatic_security_updates"))
    assert outcome.status == OutcomeStatus.FAIL
    assert "unattended-upgrades is not installed" in outcome.reason


def test_dnf_automatic_applying_updates_passes(tmp_path):
    tree = base_host(tmp_path)
    tree.write("/etc/dnf/automatic.conf", "[commands]\nupgrade_type = security\napply_updates = yes\n")
    tree.enable("dnf-automatic.timer", "timers.target")
    outcome = only(scan(tree, "host.updates.automatic_security_updates"))
    assert outcome.status == OutcomeStatus.PASS
    assert "dnf-automatic" in outcome.reason


def test_dnf_automatic_downloading_only_fails(tmp_path):
    tree = base_host(tmp_path)
    tree.write("/etc/dnf/automatic.conf", "[commands]\napply_updates = no\n")
    tree.enable("dnf-automatic.timer", "timers.target")
    outcome = only(scan(tree, "host.updates.automatic_security_updates"))
    assert outcome.status == OutcomeStatus.FAIL
    assert "apply_updates is 'no'" in outcome.reason


def test_auditd_installed_but_not_enabled_fails(good):
    good.path("/etc/systemd/system/multi-user.target.wants/auditd.service").unlink()
    outcome = only(scan(good, "host.audit.auditd_enabled"))
    assert outcome.status == OutcomeStatus.FAIL
    assert "auditd.service is not enabled" in outcome.reason


def test_core_limit_in_limits_d_and_sysctl_precedence(tmp_path):
    # given the limit in limits.d, and an /etc/sysctl.d file hiding a vendor file of the same name
    tree = base_host(tmp_path)
    tree.write("/etc/security/limits.d/10-core.conf", "*  -  core  0\n")
    tree.write("/usr/lib/sysctl.d/50-coredump.conf", "fs.suid_dumpable = 2\n")
    tree.write("/etc/sysctl.d/50-coredump.conf", "fs.suid_dumpable = 0\n")
    # when
    outcome = only(scan(tree, "host.kernel.core_dumps_restricted"))
    # then
    assert outcome.status == OutcomeStatus.PASS, outcome.reason
    assert outcome.observed["suid_dumpable_source"] == "/etc/sysctl.d/50-coredump.conf"


def test_missing_core_limit_fails(tmp_path):
    tree = base_host(tmp_path)
    outcome = only(scan(tree, "host.kernel.core_dumps_restricted"))
    assert outcome.status == OutcomeStatus.FAIL
    assert outcome.reason == "no '* hard core 0' limit is set"


# --- filesystem -------------------------------------------------------------------------------


def test_world_writable_walk_is_bounded(bad, monkeypatch):
    # given a bound smaller than the tree
    monkeypatch.setattr(host_system_collectors, "MAX_WALK_ENTRIES", 3)
    # when
    data = collect(bad, ["host.filesystem.no_world_writable_system_files"]).data["filesystem"]
    # then
    assert data["scanned"] == 3
    assert data["truncated"] is True


def test_world_writable_symlinks_are_skipped_and_not_followed(good, tmp_path):
    # given a symlink (always 0777) in /etc pointing at a world-writable directory outside the root
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o777)
    outside.chmod(0o777)
    (outside / "evil").write_text("x")
    (outside / "evil").chmod(0o666)
    good.symlink("/etc/evil-link", str(outside))
    # when
    outcome = only(scan(good, "host.filesystem.no_world_writable_system_files"))
    # then
    assert outcome.status == OutcomeStatus.PASS, outcome.reason


def test_bin_symlinked_to_usr_bin_is_walked_once(good):
    data = collect(good, ["host.filesystem.no_world_writable_system_files"]).data["filesystem"]
    assert data["walked"] == ["/etc", "/usr/bin", "/usr/sbin"]


def test_tmp_not_writable_by_others_passes_without_sticky_bit(good):
    good.path("/tmp").chmod(0o755)
    assert only(scan(good, "host.filesystem.tmp_sticky_bit")).status == OutcomeStatus.PASS


def test_missing_tmp_gives_no_outcome(tmp_path):
    assert scan(base_host(tmp_path), "host.filesystem.tmp_sticky_bit") == []


def test_checks_without_their_service_give_no_outcome():
    inv = inventory()
    assert all(run(inv, check_id) == [] for check_id in host_check_ids())


def test_every_host_check_is_documented_once():
    # given the table of docs/host-checks.md
    doc = Path(__file__).resolve().parents[3] / "docs" / "host-checks.md"
    documented = re.findall(r"^\| (host\.[a-z0-9_.]+) \|", doc.read_text(), re.MULTILINE)
    # then it lists every registered host check, the access-review one included, each once
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(c.id for c in all_checks("host"))
