"""Read-only Linux host connector: configuration files in, inventory out.

It only ever reads files through a :class:`~.transport.Transport` (no command is run,
nothing is written), collects one inventory per scan and hands it to the pure checks in
``checks``.  Secrets never enter the inventory: password hashes are reduced to whether
a password is empty, locked or set.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import posixpath
import socket
import stat as stat_module
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from integrations.registry import Inventory

from . import parsers, policy
from .transport import FileStat, LocalTransport, PathOutsideRootError, Transport, exists

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "host"

SSHD_CONFIG = "/etc/ssh/sshd_config"
# sshd itself stops at this include depth.
MAX_INCLUDE_DEPTH = 16
SYSTEM_PATHS = ("/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", "/usr/local/sbin")
# A bound on the world-writable walk, so a huge or hostile tree cannot stall a scan.
MAX_WALK_ENTRIES = 50_000
MAX_REPORTED_PATHS = 200
# Where systemd looks for sysctl fragments, by precedence (a name in an earlier
# directory hides the same name in a later one).
SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")


def describe_error(exc: BaseException) -> str:
    """A one-line explanation of a file access failure."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        needs_root = isinstance(exc, PermissionError) and not isinstance(exc, PathOutsideRootError)
        hint = " (the scan needs to run as root to read it)" if needs_root else ""
        return f"{where}{exc.strerror}{hint}"
    return str(exc) or type(exc).__name__


def _read_optional(transport: Transport, path: str) -> str | None:
    try:
        return transport.read_text(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _list_optional(transport: Transport, path: str) -> list[str]:
    try:
        return transport.list_dir(path)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _glob(transport: Transport, pattern: str) -> list[str]:
    """Files matching a pattern whose wildcards are in the last component, in sorted order."""
    directory, name = posixpath.split(pattern)
    if not any(ch in name for ch in "*?["):
        return [pattern] if exists(transport, pattern) else []
    return [
        posixpath.join(directory, entry)
        for entry in _list_optional(transport, directory)
        if fnmatch.fnmatch(entry, name)
    ]


def _stat_dict(info: FileStat, users: dict[int, str], groups: dict[int, str]) -> dict[str, Any]:
    return {
        "exists": True,
        "path": info.path,
        "kind": info.kind,
        "mode": info.octal,
        "uid": info.uid,
        "gid": info.gid,
        "owner": users.get(info.uid, str(info.uid)),
        "group": groups.get(info.gid, str(info.gid)),
    }


def enabled_units(transport: Transport) -> set[str] | None:
    """Units enabled through a ``*.wants`` symlink in /etc/systemd/system; None without systemd."""
    base = "/etc/systemd/system"
    if not exists(transport, base):
        return None
    units: set[str] = set()
    for entry in _list_optional(transport, base):
        if entry.endswith(".wants"):
            units.update(_list_optional(transport, f"{base}/{entry}"))
    return units


def _unit_enabled(units: set[str] | None, *names: str) -> bool | None:
    if units is None:
        return None
    return any(name in units for name in names)


# ---------------------------------------------------------------------------
# collectors: each returns plain data for one service


def _sshd_file(transport: Transport, path: str, config: parsers.SshdConfig, match: str, depth: int) -> None:
    text = _read_optional(transport, path)
    if text is None:
        return
    config.files.append(path)
    current = match
    for line in parsers.sshd_lines(text):
        if line.keyword == "match":
            criteria = " ".join(line.args)
            # "Match all" ends the conditional block: back to the including context.
            current = match if criteria.lower() == "all" else criteria
            continue
        if line.keyword == "include":
            if depth >= MAX_INCLUDE_DEPTH:
                continue
            for pattern in line.args:
                absolute = pattern if pattern.startswith("/") else posixpath.join("/etc/ssh", pattern)
                for included in _glob(transport, absolute):
                    _sshd_file(transport, included, config, current, depth + 1)
            continue
        config.add(parsers.SshdDirective(line.keyword, " ".join(line.args), path, line.line, current))


def collect_sshd(transport: Transport) -> dict[str, Any]:
    if not exists(transport, SSHD_CONFIG):
        return {"installed": False, "config_path": SSHD_CONFIG}
    config = parsers.SshdConfig()
    _sshd_file(transport, SSHD_CONFIG, config, "", 0)
    return {"installed": True, "config_path": SSHD_CONFIG, **config.as_dict()}


def collect_accounts(transport: Transport) -> dict[str, Any]:
    users = parsers.passwd_entries(transport.read_text("/etc/passwd"))
    group_text = _read_optional(transport, "/etc/group") or ""
    groups = parsers.group_ids(group_text)
    user_names = {}
    for user in users:
        user_names.setdefault(user["uid"], user["name"])
    group_names: dict[int, str] = {}
    for name, gid in groups.items():
        group_names.setdefault(gid, name)

    files: dict[str, Any] = {}
    for path in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"):
        try:
            files[path] = _stat_dict(transport.stat(path), user_names, group_names)
        except (FileNotFoundError, NotADirectoryError):
            files[path] = {"exists": False, "path": path}

    shadow: list[dict[str, Any]] | None = None
    shadow_error = ""
    try:
        shadow = parsers.shadow_entries(transport.read_text("/etc/shadow"))
    except (FileNotFoundError, NotADirectoryError):
        shadow_error = "/etc/shadow does not exist"
    except OSError as exc:
        shadow_error = describe_error(exc)
    return {
        "users": users,
        "groups": groups,
        "files": files,
        "shadow": shadow,
        "shadow_error": shadow_error,
    }


def collect_login_defs(transport: Transport) -> dict[str, Any]:
    text = _read_optional(transport, "/etc/login.defs")
    return {"path": "/etc/login.defs", "present": text is not None, "values": parsers.login_defs(text or "")}


def _nft_rules(transport: Transport, path: str, depth: int = 0) -> dict[str, Any]:
    text = _read_optional(transport, path)
    if text is None:
        return {"rules": 0, "drop_policy": False, "files": []}
    summary = parsers.nft_summary(text)
    totals = {"rules": summary["rules"], "drop_policy": summary["drop_policy"], "files": [path]}
    if depth < 4:
        for include in summary["includes"]:
            absolute = include if include.startswith("/") else posixpath.join(posixpath.dirname(path), include)
            for included in _glob(transport, absolute):
                nested = _nft_rules(transport, included, depth + 1)
                totals["rules"] += nested["rules"]
                totals["drop_policy"] = totals["drop_policy"] or nested["drop_policy"]
                totals["files"] += nested["files"]
    return totals


def collect_firewall(transport: Transport) -> dict[str, Any]:
    units = enabled_units(transport)
    nft = _nft_rules(transport, "/etc/nftables.conf")
    iptables: dict[str, Any] = {"rules": 0, "drop_policy": False, "files": []}
    for path in ("/etc/iptables/rules.v4", "/etc/iptables/rules.v6", "/etc/sysconfig/iptables"):
        text = _read_optional(transport, path)
        if text is None:
            continue
        summary = parsers.iptables_summary(text)
        iptables["rules"] += summary["rules"]
        iptables["drop_policy"] = iptables["drop_policy"] or summary["drop_policy"]
        iptables["files"].append(path)
    ufw_text = _read_optional(transport, "/etc/ufw/ufw.conf")
    ufw_enabled = parsers.shell_vars(ufw_text or "").get("ENABLED", "").lower() == "yes"
    firewalld_present = exists(transport, "/etc/firewalld/firewalld.conf")
    return {
        "systemd": units is not None,
        "nftables": {**nft, "enabled": _unit_enabled(units, "nftables.service")},
        "iptables": {
            **iptables,
            "enabled": _unit_enabled(units, "netfilter-persistent.service", "iptables.service", "ip6tables.service"),
        },
        "ufw": {"present": ufw_text is not None, "enabled": ufw_enabled},
        "firewalld": {
            "present": firewalld_present,
            "enabled": _unit_enabled(units, "firewalld.service", "dbus-org.fedoraproject.FirewallD1.service"),
        },
    }


_APT_CONF_NAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _apt_values(transport: Transport) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    files: list[str] = []
    # apt reads apt.conf.d in name order, skipping names with other characters or a
    # packaging leftover's extension; the main file comes last.
    paths = [
        f"/etc/apt/apt.conf.d/{name}"
        for name in _list_optional(transport, "/etc/apt/apt.conf.d")
        if set(name) <= _APT_CONF_NAME and ("." not in name or name.endswith(".conf"))
    ]
    for path in [*paths, "/etc/apt/apt.conf"]:
        try:
            text = _read_optional(transport, path)
        except IsADirectoryError:
            continue
        if text is None:
            continue
        values.update(parsers.apt_config(text))
        files.append(path)
    return values, files


def collect_updates(transport: Transport) -> dict[str, Any]:
    units = enabled_units(transport)
    data: dict[str, Any] = {"systemd": units is not None}
    if exists(transport, "/etc/apt"):
        values, files = _apt_values(transport)
        data["apt"] = {
            "files": files,
            "unattended_upgrade": values.get("apt::periodic::unattended-upgrade"),
            "update_package_lists": values.get("apt::periodic::update-package-lists"),
            "unattended_upgrades_installed": exists(transport, "/usr/bin/unattended-upgrade"),
        }
    for key, path, timers in (
        ("dnf", "/etc/dnf/automatic.conf", ("dnf-automatic.timer", "dnf-automatic-install.timer")),
        ("yum", "/etc/yum/yum-cron.conf", ("yum-cron.service",)),
    ):
        text = _read_optional(transport, path)
        if text is None:
            continue
        sections = parsers.ini_values(text)
        data[key] = {
            "path": path,
            "apply_updates": sections.get("commands", {}).get("apply_updates", ""),
            "upgrade_type": sections.get("commands", {}).get("upgrade_type", ""),
            "timer_enabled": _unit_enabled(units, *timers),
            "install_timer_enabled": _unit_enabled(units, "dnf-automatic-install.timer") if key == "dnf" else None,
        }
    return data


def collect_audit(transport: Transport) -> dict[str, Any]:
    units = enabled_units(transport)
    rule_files = _glob(transport, "/etc/audit/rules.d/*.rules") + _glob(transport, "/etc/audit/audit.rules")
    rules = 0
    readable = True
    for path in rule_files:
        try:
            text = _read_optional(transport, path) or ""
        except PermissionError:
            # Rule files are often root-only; the count is informational, not what the check judges.
            readable = False
            break
        rules += parsers.audit_rule_count(text)
    return {
        "config_present": exists(transport, "/etc/audit/auditd.conf"),
        "binary_present": exists(transport, "/usr/sbin/auditd") or exists(transport, "/sbin/auditd"),
        "systemd": units is not None,
        "enabled": _unit_enabled(units, "auditd.service"),
        "rules": rules if readable else None,
    }


def collect_sysctl(transport: Transport) -> dict[str, Any]:
    chosen: dict[str, str] = {}
    for directory in SYSCTL_DIRS:
        for name in _list_optional(transport, directory):
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = f"{directory}/{name}"
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    files: list[str] = []
    for path in [chosen[name] for name in sorted(chosen)] + ["/etc/sysctl.conf"]:
        try:
            text = _read_optional(transport, path)
        except IsADirectoryError:
            continue
        if text is None:
            continue
        files.append(path)
        for key, value in parsers.sysctl_values(text).items():
            values[key] = value
            origin[key] = path
    return {"values": values, "origin": origin, "files": files}


def collect_limits(transport: Transport) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    files: list[str] = []
    for path in ["/etc/security/limits.conf", *_glob(transport, "/etc/security/limits.d/*.conf")]:
        text = _read_optional(transport, path)
        if text is None:
            continue
        files.append(path)
        entries += [e.as_dict() for e in parsers.limits_entries(text, file=path) if e.item == "core"]
    return {"core": entries, "files": files}


def collect_filesystem(transport: Transport) -> dict[str, Any]:
    try:
        tmp_info = transport.stat("/tmp")  # noqa: S108 - the scanned host's /tmp, only stat()ed
        tmp: dict[str, Any] = {
            "exists": True,
            "kind": tmp_info.kind,
            "mode": tmp_info.octal,
            "sticky": bool(tmp_info.mode & stat_module.S_ISVTX),
            "world_writable": bool(tmp_info.mode & stat_module.S_IWOTH),
        }
    except (FileNotFoundError, NotADirectoryError):
        tmp = {"exists": False}

    world_writable: list[dict[str, str]] = []
    found = 0
    walked: set[str] = set()
    scanned = 0
    truncated = False
    unreadable: list[str] = []
    for path in SYSTEM_PATHS:
        try:
            start = transport.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        # /bin is often a symlink to /usr/bin: walk each real directory once.
        if start.kind != "directory" or start.path in walked:
            continue
        walked.add(start.path)
        result = transport.walk(start.path, max_entries=MAX_WALK_ENTRIES - scanned)
        scanned += len(result.entries)
        unreadable += result.unreadable
        for entry in result.entries:
            if entry.kind in ("file", "directory") and entry.mode & stat_module.S_IWOTH:
                found += 1
                if len(world_writable) < MAX_REPORTED_PATHS:
                    world_writable.append({"path": entry.path, "mode": entry.octal, "kind": entry.kind})
        if result.truncated or scanned >= MAX_WALK_ENTRIES:
            truncated = True
            break
    return {
        "tmp": tmp,
        "walked": sorted(walked),
        "scanned": scanned,
        "truncated": truncated,
        "world_writable": world_writable,
        "world_writable_count": found,
        "unreadable": unreadable[:MAX_REPORTED_PATHS],
    }


_COLLECTORS: dict[str, Callable[[Transport], dict[str, Any]]] = {
    "sshd": collect_sshd,
    "accounts": collect_accounts,
    "login_defs": collect_login_defs,
    "firewall": collect_firewall,
    "updates": collect_updates,
    "audit": collect_audit,
    "sysctl": collect_sysctl,
    "limits": collect_limits,
    "filesystem": collect_filesystem,
}
SUPPORTED_SERVICES: frozenset[str] = frozenset(_COLLECTORS)


# ---------------------------------------------------------------------------
# the connector


class HostConnector:
    """Collects a read-only inventory of one Linux host's configuration files."""

    def __init__(self, transport: Transport, *, local_machine: bool = False, refusal: str | None = None) -> None:
        self.transport = transport
        # Why this deployment does not let the integration read its root at all (nothing is read then).
        self.refusal = refusal
        # Only when scanning this very machine may its kernel hostname stand in for etc/hostname.
        self.local_machine = local_machine

    def __repr__(self) -> str:
        return f"HostConnector({self.transport!r})"

    def hostname(self) -> str:
        try:
            text = _read_optional(self.transport, "/etc/hostname") or ""
        except OSError:
            text = ""
        for line in text.splitlines():
            name = line.strip()
            if name and not name.startswith("#"):
                return name[:200]
        if self.local_machine:
            return socket.gethostname()
        return self.transport.location

    def os_name(self) -> str:
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            try:
                text = _read_optional(self.transport, path)
            except OSError:
                continue
            if text is not None:
                values = parsers.shell_vars(text)
                return values.get("PRETTY_NAME") or values.get("NAME") or "Linux"
        return "an unknown operating system"

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        if self.refusal:
            return False, self.refusal
        location = self.transport.location
        try:
            if self.transport.stat("/").kind != "directory":
                return False, f"The root {location} is not a directory"
            self.transport.list_dir("/")
        except FileNotFoundError:
            return False, f"The root {location} does not exist on the worker"
        except OSError as exc:
            return False, f"The root {location} cannot be read: {describe_error(exc)}"
        return True, f"Reading host {self.hostname()} ({self.os_name()}) from the files under {location}"

    def collect(self, services: set[str]) -> Inventory:
        # A refused root is never read, not even for its host name.
        account_id = self.transport.location if self.refusal else self.hostname()
        inventory = Inventory(integration_type=INTEGRATION_TYPE, account_id=account_id)
        for unknown in sorted(set(services) - SUPPORTED_SERVICES):
            inventory.errors[unknown] = "the host connector does not collect this service"
        ok, detail = self.test_connection()
        wanted = sorted(s for s in services if s in SUPPORTED_SERVICES)
        if not ok:
            for service in wanted:
                inventory.errors[service] = detail
            return inventory
        for service in wanted:
            try:
                data = _COLLECTORS[service](self.transport)
            except OSError as exc:
                detail = describe_error(exc)
                logger.warning("host collection of %s failed: %s", service, detail)
                inventory.errors[service] = detail
                continue
            inventory.data[service] = {**data, "collected_at": datetime.now(UTC).isoformat()}
        return inventory


def build_connector(*, config: dict, credentials: dict) -> HostConnector:
    """Build the connector of a host integration; it takes no credentials."""
    root = str(config.get("root") or "/")
    # Checked again here, where the files are read: the row may predate a stricter
    # HOST_SCAN_ALLOWED_ROOTS, or the root may be a symlink that leads elsewhere now.
    refusal = policy.root_refusal(root, resolve=True)
    transport = LocalTransport(root, protected=policy.protected_folders())
    return HostConnector(transport, local_machine=os.path.realpath(root) == "/", refusal=refusal)
