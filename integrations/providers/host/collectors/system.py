"""System hardening: firewall, automatic updates, auditing, kernel settings, core dumps, file permissions.

Read for the checks in ``checks.system``.
"""

from __future__ import annotations

import posixpath
import stat as stat_module
from typing import Any, Literal

from .. import parsers
from ..shapes import Audit, Filesystem, Firewall, LimitEntry, Limits, SavedRules, Sysctl, Updates, WorldWritable
from ..transport import Transport, exists
from ._common import enabled_units, glob, list_optional, read_optional, unit_enabled

SYSTEM_PATHS = ("/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", "/usr/local/sbin")
# A bound on the world-writable walk, so a huge or hostile tree cannot stall a scan.
MAX_WALK_ENTRIES = 50_000
MAX_REPORTED_PATHS = 200
# Where systemd looks for sysctl fragments, by precedence (a name in an earlier
# directory hides the same name in a later one).
SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")
# dnf-automatic and yum-cron: the inventory key, the configuration file and the units that run it.
DNF_LIKE: tuple[tuple[Literal["dnf", "yum"], str, tuple[str, ...]], ...] = (
    ("dnf", "/etc/dnf/automatic.conf", ("dnf-automatic.timer", "dnf-automatic-install.timer")),
    ("yum", "/etc/yum/yum-cron.conf", ("yum-cron.service",)),
)


def _nft_rules(transport: Transport, path: str, depth: int = 0) -> SavedRules:
    text = read_optional(transport, path)
    if text is None:
        return {"rules": 0, "drop_policy": False, "files": []}
    summary = parsers.nft_summary(text)
    totals: SavedRules = {"rules": summary["rules"], "drop_policy": summary["drop_policy"], "files": [path]}
    if depth < 4:
        for include in summary["includes"]:
            absolute = include if include.startswith("/") else posixpath.join(posixpath.dirname(path), include)
            for included in glob(transport, absolute):
                nested = _nft_rules(transport, included, depth + 1)
                totals["rules"] += nested["rules"]
                totals["drop_policy"] = totals["drop_policy"] or nested["drop_policy"]
                totals["files"] += nested["files"]
    return totals


def collect_firewall(transport: Transport) -> Firewall:
    units = enabled_units(transport)
    nft = _nft_rules(transport, "/etc/nftables.conf")
    iptables: SavedRules = {"rules": 0, "drop_policy": False, "files": []}
    for path in ("/etc/iptables/rules.v4", "/etc/iptables/rules.v6", "/etc/sysconfig/iptables"):
        text = read_optional(transport, path)
        if text is None:
            continue
        summary = parsers.iptables_summary(text)
        iptables["rules"] += summary["rules"]
        iptables["drop_policy"] = iptables["drop_policy"] or summary["drop_policy"]
        iptables["files"].append(path)
    ufw_text = read_optional(transport, "/etc/ufw/ufw.conf")
    ufw_enabled = parsers.shell_vars(ufw_text or "").get("ENABLED", "").lower() == "yes"
    firewalld_present = exists(transport, "/etc/firewalld/firewalld.conf")
    return {
        "systemd": units is not None,
        "nftables": {**nft, "enabled": unit_enabled(units, "nftables.service")},
        "iptables": {
            **iptables,
            "enabled": unit_enabled(units, "netfilter-persistent.service", "iptables.service", "ip6tables.service"),
        },
        "ufw": {"present": ufw_text is not None, "enabled": ufw_enabled},
        "firewalld": {
            "present": firewalld_present,
            "enabled": unit_enabled(units, "firewalld.service", "dbus-org.fedoraproject.FirewallD1.service"),
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
        for name in list_optional(transport, "/etc/apt/apt.conf.d")
        if set(name) <= _APT_CONF_NAME and ("." not in name or name.endswith(".conf"))
    ]
    for path in [*paths, "/etc/apt/apt.conf"]:
        try:
            text = read_optional(transport, path)
        except IsADirectoryError:
            continue
        if text is None:
            continue
        values.update(parsers.apt_config(text))
        files.append(path)
    return values, files


def collect_updates(transport: Transport) -> Updates:
    units = enabled_units(transport)
    data: Updates = {"systemd": units is not None}
    if exists(transport, "/etc/apt"):
        values, files = _apt_values(transport)
        data["apt"] = {
            "files": files,
            "unattended_upgrade": values.get("apt::periodic::unattended-upgrade"),
            "update_package_lists": values.get("apt::periodic::update-package-lists"),
            "unattended_upgrades_installed": exists(transport, "/usr/bin/unattended-upgrade"),
        }
    for key, path, timers in DNF_LIKE:
        text = read_optional(transport, path)
        if text is None:
            continue
        sections = parsers.ini_values(text)
        data[key] = {
            "path": path,
            "apply_updates": sections.get("commands", {}).get("apply_updates", ""),
            "upgrade_type": sections.get("commands", {}).get("upgrade_type", ""),
            "timer_enabled": unit_enabled(units, *timers),
            "install_timer_enabled": unit_enabled(units, "dnf-automatic-install.timer") if key == "dnf" else None,
        }
    return data


def collect_audit(transport: Transport) -> Audit:
    units = enabled_units(transport)
    rule_files = glob(transport, "/etc/audit/rules.d/*.rules") + glob(transport, "/etc/audit/audit.rules")
    rules = 0
    readable = True
    for path in rule_files:
        try:
            text = read_optional(transport, path) or ""
        except PermissionError:
            # Rule files are often root-only; the count is informational, not what the check judges.
            readable = False
            break
        rules += parsers.audit_rule_count(text)
    return {
        "config_present": exists(transport, "/etc/audit/auditd.conf"),
        "binary_present": exists(transport, "/usr/sbin/auditd") or exists(transport, "/sbin/auditd"),
        "systemd": units is not None,
        "enabled": unit_enabled(units, "auditd.service"),
        "rules": rules if readable else None,
    }


def collect_sysctl(transport: Transport) -> Sysctl:
    chosen: dict[str, str] = {}
    for directory in SYSCTL_DIRS:
        for name in list_optional(transport, directory):
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = f"{directory}/{name}"
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    files: list[str] = []
    for path in [chosen[name] for name in sorted(chosen)] + ["/etc/sysctl.conf"]:
        try:
            text = read_optional(transport, path)
        except IsADirectoryError:
            continue
        if text is None:
            continue
        files.append(path)
        for key, value in parsers.sysctl_values(text).items():
            values[key] = value
            origin[key] = path
    return {"values": values, "origin": origin, "files": files}


def collect_limits(transport: Transport) -> Limits:
    entries: list[LimitEntry] = []
    files: list[str] = []
    for path in ["/etc/security/limits.conf", *glob(transport, "/etc/security/limits.d/*.conf")]:
        text = read_optional(transport, path)
        if text is None:
            continue
        files.append(path)
        entries += [e.as_dict() for e in parsers.limits_entries(text, file=path) if e.item == "core"]
    return {"core": entries, "files": files}


def collect_filesystem(transport: Transport) -> Filesystem:
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

    world_writable: list[WorldWritable] = []
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
