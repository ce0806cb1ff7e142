"""Helpers shared by the host check modules (they read the inventory only, never the host)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from integrations.registry import Inventory, checks_of, error_outcome, outcome

from ..parsers import has_login_shell  # noqa: F401 - the checks' shared reads
from ..shapes import (
    Accounts,
    Audit,
    Filesystem,
    Firewall,
    Integrity,
    Limits,
    LoginDefs,
    Logins,
    Pam,
    Sshd,
    SshKeys,
    Sudo,
    Sysctl,
    TimeSync,
    Updates,
)

INTEGRATION_TYPE = "host"


host_check = checks_of(INTEGRATION_TYPE)
# The outcome builders every check module uses, under their short names.
result = outcome
error = error_outcome


def service_data(inventory: Inventory, service: str) -> Mapping[str, Any] | None:
    """The collected data of a service, or None when it was not collected (no outcome then)."""
    data = inventory.data.get(service)
    return data if isinstance(data, Mapping) else None


# Typed views of each service; None when it was not collected (its checks then give no outcome).


def sshd_data(inventory: Inventory) -> Sshd | None:
    return cast(Sshd | None, service_data(inventory, "sshd"))


def pam_data(inventory: Inventory) -> Pam | None:
    return cast(Pam | None, service_data(inventory, "pam"))


def timesync_data(inventory: Inventory) -> TimeSync | None:
    return cast(TimeSync | None, service_data(inventory, "timesync"))


def integrity_data(inventory: Inventory) -> Integrity | None:
    return cast(Integrity | None, service_data(inventory, "integrity"))


def ssh_keys_data(inventory: Inventory) -> SshKeys | None:
    return cast(SshKeys | None, service_data(inventory, "ssh_keys"))


def accounts_data(inventory: Inventory) -> Accounts | None:
    return cast(Accounts | None, service_data(inventory, "accounts"))


def logins_data(inventory: Inventory) -> Logins | None:
    return cast(Logins | None, service_data(inventory, "logins"))


def login_defs_data(inventory: Inventory) -> LoginDefs | None:
    return cast(LoginDefs | None, service_data(inventory, "login_defs"))


def sudo_data(inventory: Inventory) -> Sudo | None:
    return cast(Sudo | None, service_data(inventory, "sudo"))


def firewall_data(inventory: Inventory) -> Firewall | None:
    return cast(Firewall | None, service_data(inventory, "firewall"))


def updates_data(inventory: Inventory) -> Updates | None:
    return cast(Updates | None, service_data(inventory, "updates"))


def audit_data(inventory: Inventory) -> Audit | None:
    return cast(Audit | None, service_data(inventory, "audit"))


def sysctl_data(inventory: Inventory) -> Sysctl | None:
    return cast(Sysctl | None, service_data(inventory, "sysctl"))


def limits_data(inventory: Inventory) -> Limits | None:
    return cast(Limits | None, service_data(inventory, "limits"))


def filesystem_data(inventory: Inventory) -> Filesystem | None:
    return cast(Filesystem | None, service_data(inventory, "filesystem"))


def whole_number(value: str) -> int | None:
    """A configuration value as an integer ("14", " 90 "); None when it is not one."""
    try:
        return int(value.strip())
    except ValueError:
        return None


def host_name(inventory: Inventory) -> str:
    return inventory.account_id or "host"


def resource(inventory: Inventory, what: str) -> str:
    """A resource id such as "web-1:/etc/ssh/sshd_config"."""
    return f"{host_name(inventory)}:{what}"
