"""Local account checks: account database files, empty passwords, extra root accounts, password aging."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.providers._saas_checks import collected_at, days_between, parse_time
from integrations.registry import Inventory, Outcome, Severity

from ._common import (
    accounts_data,
    error,
    has_login_shell,
    host_check,
    login_defs_data,
    logins_data,
    resource,
    result,
    whole_number,
)

FILE = "Host::File"
ACCOUNT = "Host::Account"
LOGIN_DEFS = "Host::LoginDefs"

# An account that can log in and has not for longer than this is dormant (PCI DSS 8.2.6: 90 days).
DORMANT_DAYS = 90
PASS_MAX_DAYS = 365
PASS_MIN_DAYS = 1
PASS_WARN_AGE = 7
# What shadow-utils assumes when login.defs does not say.
LOGIN_DEFS_DEFAULTS = {"PASS_MAX_DAYS": "99999", "PASS_MIN_DAYS": "0", "PASS_WARN_AGE": "7"}


def _file_outcome(
    inventory: Inventory,
    path: str,
    *,
    allowed_mode: int,
    allowed_groups: set[int],
    group_label: str,
) -> Iterable[Outcome]:
    data = accounts_data(inventory)
    if data is None:
        return []
    info: Mapping[str, Any] = data.get("files", {}).get(path, {})
    resource_id = resource(inventory, path)
    if not info.get("exists"):
        return [result(False, resource_id, FILE, f"{path} does not exist", exists=False)]
    mode = int(info["mode"], 8)
    problems: list[str] = []
    if info["uid"] != 0:
        problems.append(f"owned by {info['owner']} (uid {info['uid']}), not root")
    if info["gid"] not in allowed_groups:
        problems.append(f"group is {info['group']} (gid {info['gid']}), not {group_label}")
    if mode & ~allowed_mode:
        problems.append(f"mode {info['mode']} grants more than {allowed_mode:04o}")
    observed = {
        "mode": info["mode"],
        "owner": info["owner"],
        "group": info["group"],
        "uid": info["uid"],
        "gid": info["gid"],
    }
    if problems:
        return [result(False, resource_id, FILE, f"{path} is {'; '.join(problems)}", **observed)]
    return [
        result(True, resource_id, FILE, f"{path} is {info['owner']}:{info['group']} mode {info['mode']}", **observed)
    ]


@host_check(
    id="host.accounts.shadow_file_protected",
    title="/etc/shadow is owned by root and not readable by others",
    severity=Severity.HIGH,
    service="accounts",
    resource_type=FILE,
    rationale="/etc/shadow holds every local password hash; anyone who can read it can crack the passwords offline.",
    remediation="chown root:shadow /etc/shadow (root:root on distributions without a shadow group) and "
    "chmod 0640 /etc/shadow (or stricter, e.g. 0000 on RHEL).",
)
def shadow_file_protected(inventory: Inventory) -> Iterable[Outcome]:
    data = accounts_data(inventory)
    groups = {0}
    if data is not None and "shadow" in data.get("groups", {}):
        groups.add(data["groups"]["shadow"])
    return _file_outcome(
        inventory, "/etc/shadow", allowed_mode=0o640, allowed_groups=groups, group_label="root or shadow"
    )


@host_check(
    id="host.accounts.passwd_file_protected",
    title="/etc/passwd is owned by root and writable only by root",
    severity=Severity.HIGH,
    service="accounts",
    resource_type=FILE,
    rationale="Whoever can write /etc/passwd can give any account user id 0 and so become root.",
    remediation="chown root:root /etc/passwd && chmod 0644 /etc/passwd.",
)
def passwd_file_protected(inventory: Inventory) -> Iterable[Outcome]:
    return _file_outcome(inventory, "/etc/passwd", allowed_mode=0o644, allowed_groups={0}, group_label="root")


@host_check(
    id="host.accounts.no_empty_passwords",
    title="No local account has an empty password",
    severity=Severity.CRITICAL,
    service="accounts",
    resource_type=ACCOUNT,
    rationale="An account with an empty password field lets anyone log in (locally, and remotely where "
    "the service allows empty passwords) without knowing anything.",
    remediation="Lock the account (passwd -l <name>) or set a password (passwd <name>).",
)
def no_empty_passwords(inventory: Inventory) -> Iterable[Outcome]:
    data = accounts_data(inventory)
    if data is None:
        return []
    shadow = data.get("shadow")
    if shadow is None:
        return [
            error(
                resource(inventory, "/etc/shadow"),
                ACCOUNT,
                f"/etc/shadow could not be read: {data.get('shadow_error')}",
            )
        ]
    empty = [row for row in shadow if row["password"] == "empty"]
    if not empty:
        return [
            result(
                True,
                resource(inventory, "/etc/shadow"),
                ACCOUNT,
                f"None of the {len(shadow)} accounts in /etc/shadow has an empty password",
                accounts=len(shadow),
            )
        ]
    return [
        result(
            False,
            resource(inventory, f"user:{row['name']}"),
            ACCOUNT,
            f"Account {row['name']} has an empty password (/etc/shadow line {row['line']})",
            user=row["name"],
            password="empty",
        )
        for row in empty
    ]


@host_check(
    id="host.accounts.only_root_has_uid_0",
    title="Only root has user id 0",
    severity=Severity.HIGH,
    service="accounts",
    resource_type=ACCOUNT,
    rationale="Every account with user id 0 is root under another name: it bypasses all permissions and its "
    "actions are logged under a misleading name.",
    remediation="Give the extra account its own user id (usermod -u <uid> <name>) or remove it; use sudo for "
    "administration.",
)
def only_root_has_uid_0(inventory: Inventory) -> Iterable[Outcome]:
    data = accounts_data(inventory)
    if data is None:
        return []
    extra = [user for user in data.get("users", []) if user["uid"] == 0 and user["name"] != "root"]
    if not extra:
        return [result(True, resource(inventory, "/etc/passwd"), ACCOUNT, "Only root has user id 0", uid0=["root"])]
    return [
        result(
            False,
            resource(inventory, f"user:{user['name']}"),
            ACCOUNT,
            f"Account {user['name']} has user id 0 (/etc/passwd line {user['line']})",
            user=user["name"],
            uid=0,
        )
        for user in extra
    ]


@host_check(
    id="host.accounts.password_aging",
    title="Password aging defaults are set",
    severity=Severity.MEDIUM,
    service="login_defs",
    resource_type=LOGIN_DEFS,
    rationale="Passwords that never expire stay valid long after they leak; a minimum age stops users from "
    "cycling straight back to an old password; a warning gives them time to choose a new one.",
    remediation=f"In /etc/login.defs set PASS_MAX_DAYS {PASS_MAX_DAYS} (or fewer), PASS_MIN_DAYS {PASS_MIN_DAYS} "
    f"(or more) and PASS_WARN_AGE {PASS_WARN_AGE} (or more); apply them to existing accounts with chage.",
)
def password_aging(inventory: Inventory) -> Iterable[Outcome]:
    data = login_defs_data(inventory)
    if data is None:
        return []
    values = data.get("values", {})
    effective = {key: values.get(key, default) for key, default in LOGIN_DEFS_DEFAULTS.items()}
    max_days, min_days, warn_age = (whole_number(effective[key]) for key in LOGIN_DEFS_DEFAULTS)
    problems: list[str] = []
    if max_days is None or max_days < 0 or max_days > PASS_MAX_DAYS:
        problems.append(f"PASS_MAX_DAYS is {effective['PASS_MAX_DAYS']} (at most {PASS_MAX_DAYS})")
    if min_days is None or min_days < PASS_MIN_DAYS:
        problems.append(f"PASS_MIN_DAYS is {effective['PASS_MIN_DAYS']} (at least {PASS_MIN_DAYS})")
    if warn_age is None or warn_age < PASS_WARN_AGE:
        problems.append(f"PASS_WARN_AGE is {effective['PASS_WARN_AGE']} (at least {PASS_WARN_AGE})")
    unset = sorted(key for key in LOGIN_DEFS_DEFAULTS if key not in values)
    if not data.get("present"):
        problems.insert(0, "/etc/login.defs does not exist")
    reason = (
        "; ".join(problems)
        if problems
        else (f"PASS_MAX_DAYS {max_days}, PASS_MIN_DAYS {min_days}, PASS_WARN_AGE {warn_age}")
    )
    return [
        result(
            not problems, resource(inventory, "/etc/login.defs"), LOGIN_DEFS, reason, **effective, defaults_used=unset
        )
    ]


def _password_changed(value: str) -> datetime | None:
    # /etc/shadow counts days since 1970-01-01; 0 means "change at next login", not a date.
    days = whole_number(value) if value else None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=days) if days else None


@host_check(
    id="host.accounts.dormant_accounts_disabled",
    title=f"No account that can log in has gone unused for more than {DORMANT_DAYS} days",
    severity=Severity.MEDIUM,
    service="logins",
    requires=("logins", "accounts"),
    resource_type=ACCOUNT,
    rationale="An account nobody logs in to belongs to a leaver or a finished project: it keeps its shell, its "
    "password and its SSH keys, and nobody would notice someone else using it.",
    remediation="Ask the account's owner whether it is still needed; if not, take its shell away "
    "(usermod -s /usr/sbin/nologin <name>) and lock it (usermod -L -e 1 <name>), or remove it (userdel <name>).",
)
def dormant_accounts_disabled(inventory: Inventory) -> Iterable[Outcome]:
    logins, accounts = logins_data(inventory), accounts_data(inventory)
    if logins is None or accounts is None:
        return []
    records = "/var/log/lastlog, /var/lib/lastlog/lastlog2.db"
    unreadable = logins.get("unreadable") or {}
    if unreadable:
        problems = "; ".join(f"{path}: {why}" for path, why in unreadable.items())
        return [error(resource(inventory, "logins"), ACCOUNT, f"Login records could not be read: {problems}")]
    if not logins.get("sources"):
        reason = f"This host keeps no login records ({records}), so no account's last login is known"
        return [error(resource(inventory, "logins"), ACCOUNT, reason)]
    now = collected_at(logins)
    changed = {row["name"]: row.get("last_change", "") for row in accounts.get("shadow") or []}
    outcomes: list[Outcome] = []
    for user in accounts.get("users", []):
        name = str(user["name"])
        # root's own logins are the SSH checks' concern; everyone else who has a shell is judged.
        if name == "root" or not has_login_shell(user):
            continue
        resource_id = resource(inventory, f"user:{name}")
        login = logins["last"].get(name)
        if login:
            days = days_between(parse_time(login["at"]) or now, now)
            where = f" on {login['line']}" if login["line"] else ""
            where += f" from {login['host']}" if login["host"] else ""
            reason = f"{name} last logged in {days} days ago{where}"
        else:
            since = _password_changed(changed.get(name, ""))
            if since is None:
                reason = f"{name} has never logged in, and /etc/shadow gives no date to count from"
                outcomes.append(error(resource_id, ACCOUNT, reason, user=name, last_login=None))
                continue
            days = days_between(since, now)
            reason = f"{name} has never logged in; its password was set {days} days ago"
        ok = days <= DORMANT_DAYS
        reason += "" if ok else f" (more than {DORMANT_DAYS})"
        last = login["at"] if login else None
        outcomes.append(result(ok, resource_id, ACCOUNT, reason, user=name, last_login=last, days=days))
    return outcomes
