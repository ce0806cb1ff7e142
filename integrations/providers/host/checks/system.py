"""System-wide checks: firewall, automatic updates, auditing, core dumps, file permissions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import LimitEntry
from ._common import (
    audit_data,
    filesystem_data,
    firewall_data,
    host_check,
    limits_data,
    resource,
    result,
    sysctl_data,
    updates_data,
)

FIREWALL = "Host::Firewall"
UPDATES = "Host::Updates"
AUDIT = "Host::Audit"
KERNEL = "Host::Kernel"
DIRECTORY = "Host::Directory"

# World-writable paths named in an outcome (the count is always complete).
REPORTED_PATHS = 20
_TRUE = {"yes", "true", "1", "on"}
# The scanned host's /tmp, only ever looked at, never used as a temporary directory.
TMP = "/tmp"  # noqa: S108


# Saved-rule firewalls and the unit that loads their rules at boot.
_RULE_FIREWALLS: tuple[tuple[Literal["nftables", "iptables"], str], ...] = (
    ("nftables", "nftables.service"),
    ("iptables", "netfilter-persistent.service"),
)
# Automatic-update tools configured like dnf-automatic: their label and the unit that runs them.
_DNF_LIKE: tuple[tuple[Literal["dnf", "yum"], str, str], ...] = (
    ("dnf", "dnf-automatic", "dnf-automatic.timer"),
    ("yum", "yum-cron", "yum-cron.service"),
)


def _loaded(enabled: bool | None) -> bool:
    # None: no systemd to ask, so a present configuration is taken as loaded at boot.
    return enabled is not False


@host_check(
    id="host.network.firewall_enabled",
    title="A host firewall is configured and enabled",
    severity=Severity.HIGH,
    service="firewall",
    resource_type=FIREWALL,
    rationale="Without a host firewall every listening service, including ones started by mistake, is "
    "reachable by anything that can route to the machine.",
    remediation="Enable one firewall with a default-deny inbound policy: ufw ('ufw default deny incoming; "
    "ufw enable'), firewalld, or an nftables/iptables ruleset loaded at boot (nftables.service / "
    "netfilter-persistent).",
)
def firewall_enabled(inventory: Inventory) -> Iterable[Outcome]:
    data = firewall_data(inventory)
    if data is None:
        return []
    active: list[str] = []
    notes: list[str] = []
    for name, unit in _RULE_FIREWALLS:
        rules: Mapping[str, Any] = data.get(name, {})
        has_rules = rules.get("rules", 0) > 0 or rules.get("drop_policy")
        if has_rules and _loaded(rules.get("enabled")):
            active.append(f"{name} ({rules.get('rules', 0)} rules in {', '.join(rules.get('files', []))})")
        elif has_rules:
            notes.append(f"{name} rules exist in {', '.join(rules.get('files', []))} but {unit} is not enabled")
        elif rules.get("files"):
            notes.append(f"{', '.join(rules['files'])} holds no rule")
    if data.get("ufw", {}).get("enabled"):
        active.append("ufw (ENABLED=yes in /etc/ufw/ufw.conf)")
    elif data.get("ufw", {}).get("present"):
        notes.append("ufw is installed but not enabled")
    firewalld = data.get("firewalld", {})
    if firewalld.get("present") and _loaded(firewalld.get("enabled")):
        active.append("firewalld")
    elif firewalld.get("present"):
        notes.append("firewalld is installed but firewalld.service is not enabled")
    observed: dict[str, Any] = {
        "active": active,
        "nftables": data.get("nftables"),
        "iptables": data.get("iptables"),
        "ufw": data.get("ufw"),
        "firewalld": data.get("firewalld"),
    }
    if active:
        return [result(True, resource(inventory, "firewall"), FIREWALL, f"Firewall: {'; '.join(active)}", **observed)]
    reason = "No enabled firewall found (checked nftables, iptables, ufw, firewalld)"
    if notes:
        reason += ": " + "; ".join(notes)
    return [result(False, resource(inventory, "firewall"), FIREWALL, reason, **observed)]


def _apt_interval_on(value: Any) -> bool:
    if value is None:
        return False
    text = str(value).strip().lower()
    if text == "always":
        return True
    try:
        return int(text) > 0
    except ValueError:
        return False


@host_check(
    id="host.updates.automatic_security_updates",
    title="Security updates install automatically",
    severity=Severity.HIGH,
    service="updates",
    resource_type=UPDATES,
    rationale="Most compromises use vulnerabilities that already have a fix; a host that waits for someone "
    "to run the update by hand stays exposed for weeks.",
    remediation='Debian/Ubuntu: install unattended-upgrades and set APT::Periodic::Unattended-Upgrade "1"; '
    "(dpkg-reconfigure unattended-upgrades). RHEL/Fedora: install dnf-automatic, set apply_updates = yes "
    "(upgrade_type = security if preferred) and enable dnf-automatic.timer.",
)
def automatic_security_updates(inventory: Inventory) -> Iterable[Outcome]:
    data = updates_data(inventory)
    if data is None:
        return []
    resource_id = resource(inventory, "updates")
    found: list[str] = []
    problems: list[str] = []
    apt = data.get("apt")
    if apt is not None:
        if _apt_interval_on(apt.get("unattended_upgrade")) and apt.get("unattended_upgrades_installed"):
            found.append(f'apt unattended-upgrades (APT::Periodic::Unattended-Upgrade "{apt["unattended_upgrade"]}")')
        elif _apt_interval_on(apt.get("unattended_upgrade")):
            problems.append("APT::Periodic::Unattended-Upgrade is on but unattended-upgrades is not installed")
        else:
            value = apt.get("unattended_upgrade")
            problems.append(
                "APT::Periodic::Unattended-Upgrade is not set"
                if value is None
                else f'APT::Periodic::Unattended-Upgrade is "{value}"'
            )
    for key, label, unit in _DNF_LIKE:
        config = data.get(key)
        if config is None:
            continue
        applies = str(config.get("apply_updates", "")).strip().lower() in _TRUE
        if config.get("install_timer_enabled"):
            found.append(f"{label} (dnf-automatic-install.timer enabled)")
        elif applies and _loaded(config.get("timer_enabled")):
            found.append(f"{label} (apply_updates = {config['apply_updates']} in {config['path']})")
        elif applies:
            problems.append(f"{config['path']} applies updates but {unit} is not enabled")
        else:
            problems.append(f"apply_updates is '{config.get('apply_updates') or 'unset'}' in {config['path']}")
    observed: dict[str, Any] = {key: data.get(key) for key in ("apt", "dnf", "yum") if key in data}
    if found:
        return [result(True, resource_id, UPDATES, f"Automatic updates: {'; '.join(found)}", **observed)]
    if not problems:
        problems.append("no apt, dnf or yum automatic update configuration found")
    return [result(False, resource_id, UPDATES, "; ".join(problems), **observed)]


@host_check(
    id="host.audit.auditd_enabled",
    title="The audit daemon is installed and enabled",
    severity=Severity.MEDIUM,
    service="audit",
    resource_type=AUDIT,
    rationale="auditd records security-relevant kernel events (logins, privilege use, changes to key files) "
    "that investigations and many frameworks require and that ordinary logs miss.",
    remediation="Install auditd (apt install auditd / dnf install audit), enable it (systemctl enable --now "
    "auditd) and add rules under /etc/audit/rules.d/.",
)
def auditd_enabled(inventory: Inventory) -> Iterable[Outcome]:
    data = audit_data(inventory)
    if data is None:
        return []
    observed: dict[str, Any] = {k: data.get(k) for k in ("config_present", "binary_present", "enabled", "rules")}
    resource_id = resource(inventory, "/etc/audit/auditd.conf")
    if not data.get("config_present"):
        return [result(False, resource_id, AUDIT, "auditd is not installed (no /etc/audit/auditd.conf)", **observed)]
    if not _loaded(data.get("enabled")):
        return [result(False, resource_id, AUDIT, "auditd is installed but auditd.service is not enabled", **observed)]
    return [
        result(
            True,
            resource_id,
            AUDIT,
            "auditd is installed and enabled"
            + (f" with {data['rules']} rules" if data.get("rules") is not None else ""),
            **observed,
        )
    ]


def _star_hard_core(entries: Iterable[LimitEntry]) -> LimitEntry | None:
    chosen = None
    for entry in entries:
        if entry.get("domain") == "*" and entry.get("type") in ("hard", "-"):
            chosen = entry
    return chosen


@host_check(
    id="host.kernel.core_dumps_restricted",
    title="Core dumps are restricted",
    severity=Severity.MEDIUM,
    service="limits",
    resource_type=KERNEL,
    requires=("limits", "sysctl"),
    rationale="A core dump is a copy of a process's memory, often with keys and passwords; set-uid programs "
    "must never dump, and ordinary ones should not leave dumps lying around.",
    remediation="Add '* hard core 0' to /etc/security/limits.conf (or a file in limits.d) and "
    "'fs.suid_dumpable = 0' to /etc/sysctl.d/60-coredump.conf, then run sysctl --system.",
)
def core_dumps_restricted(inventory: Inventory) -> Iterable[Outcome]:
    limits = limits_data(inventory)
    sysctl = sysctl_data(inventory)
    if limits is None or sysctl is None:
        return []
    problems: list[str] = []
    core = _star_hard_core(limits.get("core", []))
    if core is None:
        problems.append("no '* hard core 0' limit is set")
    elif str(core.get("value")) != "0":
        problems.append(f"'* {core['type']} core' is {core['value']} ({core['file']}:{core['line']})")
    # The kernel's own default is 0: only a file that sets something else fails.
    dumpable = str(sysctl.get("values", {}).get("fs.suid_dumpable", "0")).strip()
    dumpable_source = sysctl.get("origin", {}).get("fs.suid_dumpable", "kernel default")
    if dumpable != "0":
        problems.append(f"fs.suid_dumpable is {dumpable} ({dumpable_source})")
    observed: dict[str, Any] = {
        "hard_core_limit": core.get("value") if core else None,
        "hard_core_source": f"{core['file']}:{core['line']}" if core else None,
        "fs.suid_dumpable": dumpable,
        "suid_dumpable_source": dumpable_source,
    }
    reason = "; ".join(problems) if problems else "Hard core limit 0 for all users and fs.suid_dumpable = 0"
    return [result(not problems, resource(inventory, "core-dumps"), KERNEL, reason, **observed)]


@host_check(
    id="host.filesystem.no_world_writable_system_files",
    title="No world-writable files in system directories",
    severity=Severity.HIGH,
    service="filesystem",
    resource_type=DIRECTORY,
    rationale="A world-writable file under /etc or a binary directory lets any local user change system "
    "configuration or plant code that root later runs.",
    remediation="Remove the write bit for others (chmod o-w <path>) and find out how it got there.",
)
def no_world_writable_system_files(inventory: Inventory) -> Iterable[Outcome]:
    data = filesystem_data(inventory)
    if data is None:
        return []
    found = data.get("world_writable", [])
    count = data.get("world_writable_count", len(found))
    walked = ", ".join(data.get("walked", []))
    bound = " (stopped at the scan bound)" if data.get("truncated") else ""
    observed: dict[str, Any] = {
        "directories": data.get("walked", []),
        "entries_scanned": data.get("scanned", 0),
        "truncated": bool(data.get("truncated")),
        "world_writable_count": count,
        "world_writable": [f"{item['path']} ({item['mode']})" for item in found[:REPORTED_PATHS]],
    }
    resource_id = resource(inventory, "system-directories")
    if count:
        shown = ", ".join(item["path"] for item in found[:REPORTED_PATHS])
        more = f" and {count - REPORTED_PATHS} more" if count > REPORTED_PATHS else ""
        return [result(False, resource_id, DIRECTORY, f"{count} world-writable paths: {shown}{more}", **observed)]
    reason = f"No world-writable file among {data.get('scanned', 0)} entries under {walked or 'no directory'}{bound}"
    return [result(True, resource_id, DIRECTORY, reason, **observed)]


@host_check(
    id="host.filesystem.tmp_sticky_bit",
    title=f"{TMP} has the sticky bit",
    severity=Severity.MEDIUM,
    service="filesystem",
    resource_type=DIRECTORY,
    rationale="In a world-writable directory without the sticky bit any user can delete or replace other "
    "users' files, which enables symlink and race attacks on programs that use /tmp.",
    remediation="chmod 1777 /tmp (and make the tmp.mount or fstab entry keep that mode).",
)
def tmp_sticky_bit(inventory: Inventory) -> Iterable[Outcome]:
    data = filesystem_data(inventory)
    if data is None or not data.get("tmp", {}).get("exists"):
        return []
    tmp = data["tmp"]
    observed: dict[str, Any] = {
        "mode": tmp.get("mode"),
        "sticky": tmp.get("sticky"),
        "world_writable": tmp.get("world_writable"),
    }
    resource_id = resource(inventory, TMP)
    if tmp.get("kind") != "directory":
        return [result(False, resource_id, DIRECTORY, f"{TMP} is not a directory", **observed)]
    if tmp.get("sticky"):
        return [result(True, resource_id, DIRECTORY, f"{TMP} is mode {tmp['mode']} with the sticky bit", **observed)]
    if not tmp.get("world_writable"):
        return [
            result(True, resource_id, DIRECTORY, f"{TMP} is mode {tmp['mode']}: not writable by others", **observed)
        ]
    return [
        result(
            False,
            resource_id,
            DIRECTORY,
            f"{TMP} is mode {tmp['mode']}: world-writable without the sticky bit",
            **observed,
        )
    ]
