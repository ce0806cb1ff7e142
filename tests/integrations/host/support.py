"""Fixture filesystem roots for the host connector tests: a hardened host and a neglected one."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path

from integrations.providers.host.client import HostConnector, build_connector
from integrations.registry import REVOCATION_CHECK_SUFFIX, Inventory, Outcome, OutcomeStatus, all_checks, get_check

HOSTNAME = "web-1"
SHADOW_GID = 42
IS_ROOT = os.geteuid() == 0

SSHD_COMPLIANT = """\
# Debian puts the Include first, so the drop-in files win (first value wins).
Include /etc/ssh/sshd_config.d/*.conf
Port 22
PermitRootLogin yes
UsePAM yes
KbdInteractiveAuthentication no
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com
Subsystem sftp /usr/lib/openssh/sftp-server

Match User backup
    X11Forwarding no
"""

SSHD_DROP_IN = """\
PermitRootLogin no
PasswordAuthentication no
MaxAuthTries 3
X11Forwarding no
ClientAliveInterval 300
ClientAliveCountMax 2
"""

SSHD_NON_COMPLIANT = """\
PermitRootLogin yes
PasswordAuthentication yes
Ciphers aes128-cbc,aes256-ctr,3des-cbc
MACs hmac-md5,hmac-sha2-256,hmac-sha1-96
MaxAuthTries 6
X11Forwarding yes
ClientAliveInterval 0
"""

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
"""

SHADOW = """\
root:$6$salt$hashedvalue:19700:1:90:14:::
daemon:*:19700:0:99999:7:::
alice:!$6$salt$lockedhash:19700:1:90:14:::
"""

GROUP = f"""\
root:x:0:
daemon:x:1:
shadow:x:{SHADOW_GID}:
alice:x:1000:
"""

# Public keys as ssh-keygen wrote them, with the fingerprints ssh-keygen -l printed for them.
ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkkUr17D6W5xvN7vUzD1H14+dQlX+NSPzO6ezb9A4OM alice@laptop"
ED25519_FINGERPRINT = "SHA256:AAxj/y0SiDRFuOBObb5b2lMoQtKUBngcZMlbXgA3WbQ"
RSA_1024_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDCIMdnxB4B1D6/Z9LwYQX+wjKzOUB+Y5C2eKFtlbMhZHy+wkbxzHW+Byo0rZW0TyNdEYLG7"
    "AgmwwHFW7nfT+BrTwwTlOCPpEF3xHjhZi7HkrMwUQJF90CM2M47F4o3hBa7jKDOfUZW3sKtN5f5n9/NKrwlrkCut5P/07RjRRUKDQ== old@box"
)
RSA_1024_FINGERPRINT = "SHA256:GJax1m+9dqRjsA0pI+AbuWkSMv6j29aBGRYl5Q7Cg7s"

SUDOERS_COMPLIANT = """\
Defaults\tenv_reset
Defaults\tuse_pty
Defaults\tlogfile="/var/log/sudo.log"
Defaults\ttimestamp_timeout=5
root\tALL=(ALL:ALL) ALL
%sudo\tALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
"""

SUDOERS_NON_COMPLIANT = """\
Defaults\tenv_reset
Defaults\t!use_pty
Defaults:alice\t!authenticate
Defaults\ttimestamp_timeout=-1
root\tALL=(ALL:ALL) ALL
alice\tALL=(ALL) NOPASSWD: ALL
#includedir /etc/sudoers.d
"""

COMMON_AUTH_COMPLIANT = """\
auth\trequired\t\t\tpam_faillock.so preauth
auth\t[success=1 default=ignore]\tpam_unix.so nullok
auth\t[default=die]\t\t\tpam_faillock.so authfail
auth\trequisite\t\t\tpam_deny.so
auth\trequired\t\t\tpam_permit.so
"""

COMMON_PASSWORD_COMPLIANT = """\
password\trequisite\t\t\tpam_pwquality.so retry=3
password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt
password\trequisite\t\t\tpam_deny.so
password\trequired\t\t\tpam_permit.so
"""

NFTABLES_RULES = """\
#!/usr/sbin/nft -f
flush ruleset

table inet filter {
    chain input {
        type filter hook input priority filter; policy drop;
        ct state established,related accept
        iif lo accept
        tcp dport 22 accept
    }
    chain forward {
        type filter hook forward priority filter; policy drop;
    }
}
"""

NFTABLES_EMPTY = """\
#!/usr/sbin/nft -f
flush ruleset

table inet filter {
    chain input {
        type filter hook input priority filter;
    }
}
"""


class HostTree:
    """A directory standing in for a host's root filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def write(self, path: str, text: str, mode: int = 0o644, owner: tuple[int, int] = (0, 0)) -> Path:
        target = self.path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        os.chmod(target, mode)
        self.chown(target, owner)
        return target

    def mkdir(self, path: str, mode: int = 0o755) -> Path:
        target = self.path(path)
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, mode)
        return target

    def symlink(self, path: str, target: str) -> Path:
        link = self.path(path)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
        return link

    def enable(self, unit: str, target: str = "multi-user.target") -> None:
        self.symlink(f"/etc/systemd/system/{target}.wants/{unit}", f"/lib/systemd/system/{unit}")

    @staticmethod
    def chown(target: Path, owner: tuple[int, int]) -> None:
        # Only root may give files away; other users assert on what they can set up.
        if IS_ROOT:
            os.chown(target, *owner, follow_symlinks=False)

    def lastlog(self, logins: Mapping[int, tuple[float, str, str]]) -> Path:
        """/var/log/lastlog as login(1) writes it: a sparse file, a 292-byte record at each uid × 292 (uid ->
        (when, terminal, remote host))."""
        target = self.path("/var/log/lastlog")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            for uid, (when, line, host) in sorted(logins.items()):
                handle.seek(uid * 292)
                record = (
                    int(when).to_bytes(4, "little") + line.encode().ljust(32, b"\0") + host.encode().ljust(256, b"\0")
                )
                handle.write(record)
        os.chmod(target, 0o664)
        return target

    def lastlog2(self, logins: Mapping[str, tuple[float, str, str]]) -> Path:
        """/var/lib/lastlog/lastlog2.db as pam_lastlog2 writes it (user name -> (when, terminal, remote host))."""
        target = self.path("/var/lib/lastlog/lastlog2.db")
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target)) as database, database:
            database.execute(
                "CREATE TABLE IF NOT EXISTS Lastlog2(Name TEXT PRIMARY KEY, Time INTEGER, TTY TEXT, RemoteHost TEXT, "
                "Service TEXT)"
            )
            database.executemany(
                "INSERT OR REPLACE INTO Lastlog2 VALUES (?, ?, ?, ?, 'sshd')",
                [(name, int(when), line, host) for name, (when, line, host) in logins.items()],
            )
        return target

    def connector(self) -> HostConnector:
        return build_connector(config={"root": str(self.root)}, credentials={})


def days_ago(days: float) -> float:
    return time.time() - days * 86400


def base_host(root: Path) -> HostTree:
    tree = HostTree(root)
    tree.write("/etc/hostname", f"{HOSTNAME}\n")
    tree.write("/etc/os-release", 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    tree.write("/etc/group", GROUP)
    tree.write("/usr/bin/ls", "#!/bin/true\n", mode=0o755)
    tree.write("/usr/sbin/sshd", "#!/bin/true\n", mode=0o755)
    tree.symlink("/bin", "usr/bin")
    tree.symlink("/sbin", "usr/sbin")
    return tree


def compliant_host(root: Path) -> HostTree:
    tree = base_host(root)
    tree.write("/etc/ssh/sshd_config", SSHD_COMPLIANT)
    tree.write("/etc/ssh/sshd_config.d/10-hardening.conf", SSHD_DROP_IN)
    tree.write("/etc/passwd", PASSWD, mode=0o644)
    tree.write("/etc/shadow", SHADOW, mode=0o640, owner=(0, SHADOW_GID))
    tree.write("/etc/login.defs", "MAIL_DIR /var/mail\nPASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t1\nPASS_WARN_AGE\t14\n")
    tree.write("/etc/sudoers", SUDOERS_COMPLIANT, mode=0o440)
    tree.lastlog({1000: (days_ago(3), "pts/0", "192.0.2.10")})
    tree.write("/home/alice/.ssh/authorized_keys", f"{ED25519_KEY}\n", mode=0o600, owner=(1000, 1000))
    tree.write("/etc/pam.d/passwd", "@include common-password\n")
    tree.write("/etc/pam.d/common-password", COMMON_PASSWORD_COMPLIANT)
    tree.write("/etc/pam.d/common-auth", COMMON_AUTH_COMPLIANT)
    tree.write("/etc/pam.d/sshd", "@include common-auth\naccount required pam_nologin.so\n")
    tree.write("/etc/pam.d/login", "auth optional pam_faildelay.so delay=3000000\n@include common-auth\n")
    tree.write("/etc/security/pwquality.conf", "# minlen = 8\nminlen = 14\n")
    tree.write("/etc/security/faillock.conf", "deny = 5\nunlock_time = 900\n")
    tree.write("/etc/chrony/chrony.conf", "pool 2.debian.pool.ntp.org iburst\n")
    tree.enable("chrony.service")
    tree.write("/usr/bin/aide", "#!/bin/true\n", mode=0o755)
    tree.write("/etc/aide/aide.conf", "@@define DBDIR /var/lib/aide\n")
    tree.write("/var/lib/aide/aide.db", "database\n", mode=0o600)
    tree.enable("dailyaidecheck.timer", "timers.target")
    tree.write("/etc/sudoers.d/README", "# Files here are read by the @includedir of /etc/sudoers.\n", mode=0o440)
    tree.write("/etc/nftables.conf", NFTABLES_RULES, mode=0o755)
    tree.enable("nftables.service", "sysinit.target")
    tree.write(
        "/etc/apt/apt.conf.d/20auto-upgrades",
        'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
    )
    tree.write(
        "/etc/apt/apt.conf.d/50unattended-upgrades", 'Unattended-Upgrade::Origins-Pattern { "origin=Debian"; };\n'
    )
    tree.write("/usr/bin/unattended-upgrade", "#!/bin/true\n", mode=0o755)
    tree.write("/etc/audit/auditd.conf", "log_file = /var/log/audit/audit.log\n", mode=0o640)
    tree.write(
        "/etc/audit/rules.d/audit.rules", "-D\n-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S execve\n"
    )
    tree.enable("auditd.service")
    tree.write("/etc/security/limits.conf", "# <domain> <type> <item> <value>\n*    hard    core    0\n")
    tree.write("/etc/sysctl.d/60-coredump.conf", "fs.suid_dumpable = 0\n")
    tree.mkdir("/tmp", 0o1777)
    return tree


def non_compliant_host(root: Path) -> HostTree:
    tree = base_host(root)
    tree.write("/etc/ssh/sshd_config", SSHD_NON_COMPLIANT)
    tree.write("/etc/passwd", PASSWD + "toor:x:0:0:backdoor:/root:/bin/bash\n", mode=0o666)
    tree.write("/etc/shadow", SHADOW + "bob::19700:0:99999:7:::\n", mode=0o644, owner=(1000, 1000))
    tree.write("/etc/login.defs", "PASS_MAX_DAYS 99999\nPASS_MIN_DAYS 0\nPASS_WARN_AGE 3\n")
    tree.write("/etc/sudoers", SUDOERS_NON_COMPLIANT, mode=0o440)
    tree.lastlog({1000: (days_ago(200), "pts/0", "203.0.113.9")})
    tree.write("/home/alice/.ssh/authorized_keys", f"{ED25519_KEY}\n{RSA_1024_KEY}\n", mode=0o600, owner=(1000, 1000))
    tree.write("/etc/pam.d/passwd", "@include common-password\n")
    tree.write(
        "/etc/pam.d/common-password",
        "password [success=1 default=ignore] pam_unix.so obscure md5\npassword requisite pam_deny.so\n",
    )
    tree.write("/etc/pam.d/common-auth", "auth [success=1 default=ignore] pam_unix.so nullok\n")
    tree.write("/etc/pam.d/sshd", "@include common-auth\n")
    tree.write(
        "/etc/pam.d/login", "auth required pam_faillock.so preauth deny=10 unlock_time=0\n@include common-auth\n"
    )
    tree.write("/etc/chrony/chrony.conf", "pool 2.debian.pool.ntp.org iburst\n")
    tree.enable("chrony.service")
    tree.write("/lib/systemd/systemd-timesyncd", "#!/bin/true\n", mode=0o755)
    tree.enable("systemd-timesyncd.service", "sysinit.target")
    tree.write("/etc/sudoers.d/deploy", "deploy ALL = NOPASSWD: /usr/bin/systemctl\n", mode=0o664)
    tree.write("/etc/nftables.conf", NFTABLES_EMPTY, mode=0o755)
    tree.write("/etc/apt/apt.conf.d/20auto-upgrades", 'APT::Periodic::Unattended-Upgrade "0";\n')
    tree.write("/etc/sysctl.conf", "fs.suid_dumpable = 2\n")
    tree.write("/etc/app/world.conf", "anyone=writes\n", mode=0o666)
    tree.mkdir("/usr/bin/drop", 0o777)
    tree.mkdir("/tmp", 0o777)
    return tree


def host_check_ids() -> list[str]:
    # The access-review revocation check judges nothing without a review: test_accounts.py covers it.
    return [c.id for c in all_checks("host") if not c.id.endswith(REVOCATION_CHECK_SUFFIX)]


def collect(tree: HostTree, check_ids: Iterable[str] | None = None) -> Inventory:
    ids = list(check_ids) if check_ids is not None else host_check_ids()
    services = {s for cid in ids for s in _check(cid).services}
    return tree.connector().collect(services)


def _check(check_id: str):
    found = get_check(check_id)
    assert found is not None, f"{check_id} is not registered"
    return found


def run(inventory: Inventory, check_id: str) -> list[Outcome]:
    return _check(check_id).run(inventory)


def scan(tree: HostTree, check_id: str) -> list[Outcome]:
    inventory = collect(tree, [check_id])
    assert not inventory.errors, inventory.errors
    return run(inventory, check_id)


def only(outcomes: list[Outcome]) -> Outcome:
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def statuses(outcomes: Iterable[Outcome]) -> dict[str, OutcomeStatus]:
    return {o.resource_id: o.status for o in outcomes}


def inventory(**data) -> Inventory:
    """A hand-built inventory, for branches a fixture tree cannot reach."""
    return Inventory(integration_type="host", account_id=HOSTNAME, data=data)
