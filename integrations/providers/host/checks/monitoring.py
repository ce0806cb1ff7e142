"""Checks that a host's records can be trusted: its clock is synchronised, and its files are integrity-checked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ._common import host_check, integrity_data, resource, result, timesync_data

TIME = "Host::TimeSync"
INTEGRITY = "Host::FileIntegrity"


def _loaded(enabled: bool | None) -> bool:
    # None: no systemd to ask, so an installed daemon is taken as running.
    return enabled is not False


@host_check(
    id="host.time.synchronized",
    title="The clock is synchronised by one time daemon with a time source",
    severity=Severity.MEDIUM,
    service="timesync",
    resource_type=TIME,
    rationale="Logs from different systems can only be put in order, and certificates and tokens only "
    "checked, when every clock agrees; two daemons adjusting the same clock fight each other.",
    remediation="Enable one of chrony (systemctl enable --now chrony), systemd-timesyncd or ntpd with at least "
    "one server or pool, and disable the others.",
)
def time_synchronized(inventory: Inventory) -> Iterable[Outcome]:
    data = timesync_data(inventory)
    if data is None:
        return []
    daemons = data.get("daemons", {})
    running = {name: d for name, d in daemons.items() if _loaded(d.get("enabled"))}
    resource_id = resource(inventory, "timesync")
    observed: dict[str, Any] = {"daemons": sorted(running), "installed": sorted(daemons)}
    if not running:
        found = f" ({', '.join(sorted(daemons))} installed but not enabled)" if daemons else ""
        return [result(False, resource_id, TIME, f"No time synchronisation daemon is enabled{found}", **observed)]
    if len(running) > 1:
        reason = f"{len(running)} time daemons are enabled and would fight over the clock: {', '.join(sorted(running))}"
        return [result(False, resource_id, TIME, reason, **observed)]
    ((name, daemon),) = running.items()
    servers = daemon.get("servers") or []
    if not servers and name != "systemd-timesyncd":
        reason = f"{name} is enabled but {daemon.get('config') or 'its configuration'} names no server or pool"
        return [result(False, resource_id, TIME, reason, **observed)]
    # systemd-timesyncd has servers compiled in when its configuration names none.
    sources = ", ".join(servers) if servers else "its built-in servers"
    return [
        result(True, resource_id, TIME, f"{name} synchronises the clock from {sources}", servers=servers, **observed)
    ]


@host_check(
    id="host.integrity.file_integrity_monitoring",
    title="A file integrity checker (AIDE) is installed, initialised and run regularly",
    severity=Severity.MEDIUM,
    service="integrity",
    resource_type=INTEGRITY,
    rationale="Without a record of what system files looked like, a changed binary or configuration file, the "
    "mark of most intrusions, goes unnoticed.",
    remediation="Install aide, initialise its database (aideinit on Debian/Ubuntu, aide --init on RHEL, then move "
    "aide.db.new into place) and run it daily (dailyaidecheck.timer, aidecheck.timer or a cron job).",
)
def file_integrity_monitoring(inventory: Inventory) -> Iterable[Outcome]:
    data = integrity_data(inventory)
    if data is None:
        return []
    resource_id = resource(inventory, "aide")
    observed: dict[str, Any] = {key: data.get(key) for key in ("installed", "config", "database", "scheduled")}
    if not data.get("installed"):
        return [result(False, resource_id, INTEGRITY, "AIDE is not installed", **observed)]
    problems = []
    if not data.get("config"):
        problems.append("it has no configuration (/etc/aide/aide.conf or /etc/aide.conf)")
    if not data.get("database"):
        problems.append("its database was never initialised (no /var/lib/aide/aide.db)")
    if not data.get("scheduled"):
        problems.append("nothing runs it (no enabled aide timer and no cron job)")
    if problems:
        return [result(False, resource_id, INTEGRITY, f"AIDE is installed but {'; '.join(problems)}", **observed)]
    reason = f"AIDE checks {data['database']} against the files, run by {', '.join(data['scheduled'])}"
    return [result(True, resource_id, INTEGRITY, reason, **observed)]
