"""Privilege escalation through sudo: the policy in /etc/sudoers and the files it includes.

The settings follow the CIS Linux benchmarks' "Configure privilege escalation" section. A host without
/etc/sudoers (sudo not installed) gives no outcome: nobody escalates through it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Sudo, SudoDefault
from ._common import host_check, resource, result, sudo_data

SUDOERS = "Host::Sudoers"
FILE = "Host::File"
SUDOERS_PATH = "/etc/sudoers"
# How long sudo trusts a password it was given, in minutes: sudo's default, and the most CIS allows.
DEFAULT_TIMESTAMP_TIMEOUT = 15.0
MAX_TIMESTAMP_TIMEOUT = 15.0
# sudo turns use_pty on by default from this release on.
USE_PTY_DEFAULT_SINCE = (1, 9, 14)
_UPSTREAM_VERSION = re.compile(r"^(?:\d+:)?(\d+)\.(\d+)\.(\d+)")


def _sudo(inventory: Inventory) -> Sudo | None:
    data = sudo_data(inventory)
    return data if data and data.get("installed") else None


def _where(entry: SudoDefault) -> str:
    return f"{entry['file']}:{entry['line']}"


def _written(entry: SudoDefault) -> str:
    scope = f"Defaults{entry['scope']}"
    if entry["op"]:
        return f"{scope} {entry['name']}{entry['op']}{entry['value']}"
    return f"{scope} {'!' if entry['negated'] else ''}{entry['name']}"


def _global(data: Sudo, name: str) -> SudoDefault | None:
    """The global Defaults setting of a parameter in effect: sudo applies them in order, so the last one wins."""
    found = None
    for entry in data.get("defaults", []):
        if entry["name"] == name and not entry["scope"]:
            found = entry
    return found


def _scoped(data: Sudo, name: str) -> list[SudoDefault]:
    """Settings for some users, hosts, commands or run-as users only (Defaults:alice, Defaults@web, ...)."""
    return [entry for entry in data.get("defaults", []) if entry["name"] == name and entry["scope"]]


def _version(data: Sudo) -> tuple[int, ...] | None:
    match = _UPSTREAM_VERSION.match(data.get("version") or "")
    return tuple(int(part) for part in match.groups()) if match else None


@host_check(
    id="host.sudo.use_pty",
    title="sudo runs commands in their own pseudo-terminal (use_pty)",
    severity=Severity.MEDIUM,
    service="sudo",
    resource_type=SUDOERS,
    rationale="A command run through sudo on the user's own terminal can leave a process behind that pushes "
    "keystrokes into that terminal after sudo returns, and so keeps acting with the privilege.",
    remediation='Add "Defaults use_pty" to /etc/sudoers (edit it with visudo) and remove every "!use_pty".',
)
def use_pty(inventory: Inventory) -> Iterable[Outcome]:
    data = _sudo(inventory)
    if data is None:
        return []
    setting = _global(data, "use_pty")
    version = _version(data)
    problems: list[str] = []
    if setting is None:
        if version is None or version < USE_PTY_DEFAULT_SINCE:
            installed = f"sudo {data.get('version')}" if version else "a sudo of unknown version"
            problems.append(f"Defaults use_pty is not set, and {installed} does not turn it on by default")
        source = f"sudo {data.get('version')} default" if not problems else ""
    elif setting["negated"]:
        problems.append(f"Defaults !use_pty ({_where(setting)})")
        source = _where(setting)
    else:
        source = _where(setting)
    problems += [f"{_written(e)} ({_where(e)})" for e in _scoped(data, "use_pty") if e["negated"]]
    reason = "; ".join(problems) or f"use_pty is on ({source})"
    return [
        result(not problems, resource(inventory, SUDOERS_PATH), SUDOERS, reason, use_pty=not problems, source=source)
    ]


@host_check(
    id="host.sudo.logfile",
    title="sudo writes its own log file",
    severity=Severity.LOW,
    service="sudo",
    resource_type=SUDOERS,
    rationale="A log file of its own keeps who ran what as root in one place, apart from the busy system log, "
    "where an investigation can read it and an alert can watch it.",
    remediation='Add Defaults logfile="/var/log/sudo.log" to /etc/sudoers (edit it with visudo).',
)
def logfile(inventory: Inventory) -> Iterable[Outcome]:
    data = _sudo(inventory)
    if data is None:
        return []
    setting = _global(data, "logfile")
    if setting is None:
        ok, reason, path = False, "Defaults logfile is not set", ""
    elif setting["negated"] or not setting["value"]:
        ok, reason, path = False, f"{_written(setting)} turns the log file off ({_where(setting)})", ""
    else:
        path = setting["value"]
        ok, reason = True, f"sudo logs to {path} ({_where(setting)})"
    return [result(ok, resource(inventory, SUDOERS_PATH), SUDOERS, reason, logfile=path)]


def _by_file(entries: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for file, text in entries:
        grouped[file].append(text)
    return grouped


@host_check(
    id="host.sudo.password_required",
    title="sudo asks for the user's password (no NOPASSWD rule)",
    severity=Severity.HIGH,
    service="sudo",
    resource_type=FILE,
    rationale="A NOPASSWD rule lets whoever gets hold of the user's session, or any process running as the user, "
    "act as root without proving who they are.",
    remediation="Remove the NOPASSWD tag from the rules named (visudo; visudo -f for files in /etc/sudoers.d).",
)
def password_required(inventory: Inventory) -> Iterable[Outcome]:
    data = _sudo(inventory)
    if data is None:
        return []
    found = []
    for rule in data.get("rules", []):
        commands = [c["command"] for c in rule["commands"] if "NOPASSWD" in c["tags"] and not c["negated"]]
        if commands:
            found.append((rule["file"], f"line {rule['line']}: {', '.join(rule['users'])} -> {', '.join(commands)}"))
    if not found:
        rules = len(data.get("rules", []))
        reason = f"None of the {rules} rules in {len(data.get('files', []))} sudoers files has NOPASSWD"
        return [result(True, resource(inventory, SUDOERS_PATH), FILE, reason, rules=rules)]
    return [
        result(False, resource(inventory, file), FILE, f"NOPASSWD in {file}: {'; '.join(rules)}", nopasswd=rules)
        for file, rules in _by_file(found).items()
    ]


@host_check(
    id="host.sudo.reauthentication_required",
    title="sudo authentication is not turned off (no !authenticate)",
    severity=Severity.HIGH,
    service="sudo",
    resource_type=FILE,
    rationale='"Defaults !authenticate" makes every sudo rule it covers run without asking anyone for a password: '
    "NOPASSWD for everything, in one line that is easy to miss.",
    remediation='Remove "!authenticate" from every Defaults line (visudo).',
)
def reauthentication_required(inventory: Inventory) -> Iterable[Outcome]:
    data = _sudo(inventory)
    if data is None:
        return []
    found = [
        (entry["file"], f"line {entry['line']}: {_written(entry)}")
        for entry in data.get("defaults", [])
        if entry["name"] == "authenticate" and entry["negated"]
    ]
    if not found:
        reason = "No Defaults line turns authentication off"
        return [result(True, resource(inventory, SUDOERS_PATH), FILE, reason)]
    return [
        result(False, resource(inventory, file), FILE, f"{file} turns authentication off: {'; '.join(lines)}")
        for file, lines in _by_file(found).items()
    ]


def _minutes(entry: SudoDefault) -> float | None:
    if entry["negated"]:
        return 0.0
    try:
        return float(entry["value"])
    except ValueError:
        return None


def _short_enough(minutes: float | None) -> bool:
    return minutes is not None and 0 <= minutes <= MAX_TIMESTAMP_TIMEOUT


@host_check(
    id="host.sudo.timestamp_timeout",
    title=f"sudo asks for the password again after at most {MAX_TIMESTAMP_TIMEOUT:g} minutes",
    severity=Severity.MEDIUM,
    service="sudo",
    resource_type=SUDOERS,
    rationale="While sudo's cached credential lasts, anyone at the user's terminal runs commands as root without "
    "a password; a negative timeout makes it last until the user logs out.",
    remediation=f"Set Defaults timestamp_timeout={MAX_TIMESTAMP_TIMEOUT:g} or less (0 asks every time), and remove "
    "larger or negative values from every Defaults line (visudo).",
)
def timestamp_timeout(inventory: Inventory) -> Iterable[Outcome]:
    data = _sudo(inventory)
    if data is None:
        return []
    setting = _global(data, "timestamp_timeout")
    minutes = DEFAULT_TIMESTAMP_TIMEOUT if setting is None else _minutes(setting)
    source = "sudo default" if setting is None else _where(setting)
    bound = [setting] if setting else []
    problems = [
        f"{_written(entry)} ({_where(entry)})"
        for entry in [*bound, *_scoped(data, "timestamp_timeout")]
        if not _short_enough(_minutes(entry))
    ]
    if problems:
        reason = f"credentials are cached too long: {'; '.join(problems)} (at most {MAX_TIMESTAMP_TIMEOUT:g})"
    else:
        reason = f"timestamp_timeout is {minutes:g} minutes ({source})"
    return [
        result(
            not problems, resource(inventory, SUDOERS_PATH), SUDOERS, reason, timestamp_timeout=minutes, source=source
        )
    ]


@host_check(
    id="host.sudo.policy_files_protected",
    title="sudoers files are owned by root and writable by nobody else",
    severity=Severity.HIGH,
    service="sudo",
    resource_type=FILE,
    rationale="Whoever can write a sudoers file, or add one to an included directory, can give themselves root.",
    remediation="chown root:root <file> and chmod 0440 <file> (0755 for /etc/sudoers.d).",
)
def policy_files_protected(inventory: Inventory) -> Iterable[Outcome]:
    data = _sudo(inventory)
    if data is None:
        return []
    outcomes = []
    for info in data.get("files", []):
        problems = []
        if info["uid"] != 0:
            problems.append(f"owned by uid {info['uid']}, not root")
        mode = int(info["mode"], 8)
        if mode & 0o022:
            group = f"its group (gid {info['gid']})"
            writers = " and ".join(w for w, bit in ((group, 0o020), ("everyone", 0o002)) if mode & bit)
            problems.append(f"mode {info['mode']} lets {writers} write it")
        kind = "directory" if info["kind"] == "directory" else "file"
        reason = (
            f"{info['path']} ({kind}) is {'; '.join(problems)}"
            if problems
            else f"{info['path']} is owned by root, mode {info['mode']}"
        )
        observed: dict[str, Any] = {"mode": info["mode"], "uid": info["uid"], "gid": info["gid"]}
        outcomes.append(result(not problems, resource(inventory, info["path"]), FILE, reason, **observed))
    return outcomes
