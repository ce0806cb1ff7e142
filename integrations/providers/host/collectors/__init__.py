"""What the host connector reads, one module per group of services (mirroring ``checks``).

Each collector reads one service's files through the transport and returns plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..transport import Transport
from . import accounts, logins, monitoring, pam, ssh, sudo, system
from ._common import describe_error, read_optional

Collector = Callable[[Transport], Mapping[str, Any]]

COLLECTORS: dict[str, Collector] = {
    "sshd": ssh.collect_sshd,
    "ssh_keys": ssh.collect_ssh_keys,
    "accounts": accounts.collect_accounts,
    "login_defs": accounts.collect_login_defs,
    "logins": logins.collect_logins,
    "sudo": sudo.collect_sudo,
    "pam": pam.collect_pam,
    "timesync": monitoring.collect_timesync,
    "integrity": monitoring.collect_integrity,
    "firewall": system.collect_firewall,
    "updates": system.collect_updates,
    "audit": system.collect_audit,
    "sysctl": system.collect_sysctl,
    "limits": system.collect_limits,
    "filesystem": system.collect_filesystem,
}

__all__ = ["COLLECTORS", "Collector", "describe_error", "read_optional"]
