"""What keeps a host's records trustworthy: synchronised time, and a file integrity checker (checked by
``checks.monitoring``)."""

from __future__ import annotations

from typing import Any

from .. import parsers
from ..shapes import Integrity, TimeSync
from ..transport import Transport, exists
from ._common import enabled_units, glob, list_optional, read_optional, unit_enabled

# daemon -> (its units, its configuration files, the binaries that show it is installed)
TIME_DAEMONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "chrony": (
        ("chrony.service", "chronyd.service"),
        ("/etc/chrony/chrony.conf", "/etc/chrony.conf"),
        ("/usr/sbin/chronyd",),
    ),
    "systemd-timesyncd": (
        ("systemd-timesyncd.service",),
        ("/etc/systemd/timesyncd.conf",),
        ("/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd"),
    ),
    "ntpd": (
        ("ntp.service", "ntpd.service", "ntpsec.service"),
        ("/etc/ntp.conf", "/etc/ntpsec/ntp.conf"),
        ("/usr/sbin/ntpd",),
    ),
}
AIDE_BINARIES = ("/usr/bin/aide", "/usr/sbin/aide")
AIDE_CONFIGS = ("/etc/aide/aide.conf", "/etc/aide.conf")
AIDE_DATABASES = ("/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz")
# The timers Debian's and RHEL's packages (or the CIS benchmarks' instructions) set up.
AIDE_TIMERS = ("dailyaidecheck.timer", "aidecheck.timer")


def _servers(daemon: str, text: str) -> list[str]:
    if daemon == "systemd-timesyncd":
        values = parsers.ini_values(text).get("time", {})
        return (values.get("ntp", "") or values.get("fallbackntp", "")).split()
    servers = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] in ("server", "pool", "peer"):
            servers.append(parts[1])
    return servers


def collect_timesync(transport: Transport) -> TimeSync:
    units = enabled_units(transport)
    daemons: dict[str, dict[str, Any]] = {}
    for daemon, (unit_names, configs, binaries) in TIME_DAEMONS.items():
        config = next((path for path in configs if exists(transport, path)), "")
        if not config and not any(exists(transport, binary) for binary in binaries):
            continue
        text = (read_optional(transport, config) or "") if config else ""
        daemons[daemon] = {
            "enabled": unit_enabled(units, *unit_names),
            "servers": _servers(daemon, text),
            "config": config,
        }
    return {"systemd": units is not None, "daemons": daemons}


def _cron_entries(transport: Transport) -> list[str]:
    found = glob(transport, "/etc/cron.daily/aide*") + glob(transport, "/etc/cron.weekly/aide*")
    for path in ["/etc/crontab", *[f"/etc/cron.d/{name}" for name in list_optional(transport, "/etc/cron.d")]]:
        text = read_optional(transport, path) or ""
        if any("aide" in line.split("#", 1)[0] for line in text.splitlines()):
            found.append(path)
    return found


def collect_integrity(transport: Transport) -> Integrity:
    units = enabled_units(transport)
    timers = [timer for timer in AIDE_TIMERS if unit_enabled(units, timer)]
    return {
        "installed": any(exists(transport, binary) for binary in AIDE_BINARIES),
        "config": next((path for path in AIDE_CONFIGS if exists(transport, path)), ""),
        "database": next((path for path in AIDE_DATABASES if exists(transport, path)), ""),
        "scheduled": timers + _cron_entries(transport),
        "systemd": units is not None,
    }
