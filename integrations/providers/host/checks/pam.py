"""Password and login rules PAM enforces: password length, lockout after failed logins, password hashing.

Following the CIS Linux benchmarks' "Configure PAM" section. A host without /etc/pam.d (Alpine, a minimal
container) gives no outcome; a host with it but without the service a check reads fails, naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Pam, PamRule, PamSetting
from ._common import host_check, pam_data, resource, result, whole_number

PAM = "Host::Pam"
MIN_PASSWORD_LENGTH = 14
# What each quality module assumes when neither its arguments nor its configuration file set minlen.
DEFAULT_MINLEN = {"pam_pwquality": 8, "pam_cracklib": 9}
MAX_DENY = 5
MIN_UNLOCK_SECONDS = 900
# pam_faillock's own defaults.
FAILLOCK_DEFAULTS = {"deny": "3", "unlock_time": "600"}
STRONG_HASHES = ("sha512", "yescrypt")
HASH_ARGUMENTS = ("md5", "bigcrypt", "sha256", "sha512", "blowfish", "yescrypt", "gost_yescrypt")


def _pam(inventory: Inventory) -> Pam | None:
    data = pam_data(inventory)
    return data if data and data.get("present") else None


def _argument(rule: PamRule, name: str) -> str | None:
    for arg in reversed(rule["args"]):
        key, equals, value = arg.partition("=")
        if equals and key == name:
            return value
    return None


def _passwd_stack(data: Pam) -> list[PamRule] | None:
    """The password rules passwd applies, or None without /etc/pam.d/passwd."""
    return data.get("stacks", {}).get("passwd", {}).get("password")


def _where(rule: PamRule) -> str:
    return f"{rule['file']}:{rule['line']}"


def _setting(rules: Sequence[PamRule], conf: dict[str, PamSetting], name: str, default: str) -> tuple[str, str]:
    """A module's setting and where it comes from: its arguments win over its configuration file."""
    for rule in rules:
        value = _argument(rule, name)
        if value is not None:
            return value, _where(rule)
    if name in conf:
        return conf[name]["value"], conf[name]["file"]
    return default, "default"


@host_check(
    id="host.pam.password_length",
    title=f"Local passwords must be at least {MIN_PASSWORD_LENGTH} characters long",
    severity=Severity.MEDIUM,
    service="pam",
    resource_type=PAM,
    rationale="Length is what makes a password hard to guess; without a quality module in the password stack, "
    "passwd accepts any password of six characters or more.",
    remediation=f"Install libpam-pwquality (Debian/Ubuntu) or libpwquality, make sure pam_pwquality.so is in the "
    f"password stack, and set minlen = {MIN_PASSWORD_LENGTH} in /etc/security/pwquality.conf.",
)
def password_length(inventory: Inventory) -> Iterable[Outcome]:
    data = _pam(inventory)
    if data is None:
        return []
    resource_id = resource(inventory, "/etc/pam.d/passwd")
    stack = _passwd_stack(data)
    if stack is None:
        return [result(False, resource_id, PAM, "/etc/pam.d/passwd does not exist")]
    quality = [r for r in stack if r["module"] in DEFAULT_MINLEN]
    if not quality:
        modules = ", ".join(r["module"] for r in stack) or "none"
        reason = f"No password quality module (pam_pwquality) in the passwd stack (modules: {modules})"
        return [result(False, resource_id, PAM, reason, modules=modules)]
    module = quality[0]["module"]
    conf = data.get("pwquality", {}) if module == "pam_pwquality" else {}
    value, source = _setting(quality, conf, "minlen", str(DEFAULT_MINLEN[module]))
    minlen = whole_number(value)
    ok = minlen is not None and minlen >= MIN_PASSWORD_LENGTH
    reason = f"{module} minlen is {value} ({source})" + ("" if ok else f", less than {MIN_PASSWORD_LENGTH}")
    return [result(ok, resource_id, PAM, reason, module=module, minlen=value, source=source)]


@host_check(
    id="host.pam.failed_login_lockout",
    title=f"Logins lock an account after at most {MAX_DENY} failed attempts (pam_faillock)",
    severity=Severity.MEDIUM,
    service="pam",
    resource_type=PAM,
    rationale="Without a lockout, a password can be guessed at the speed the login service answers; locking "
    "the account after a few failures, for a quarter of an hour or until an administrator unlocks it, stops it.",
    remediation="Add pam_faillock.so to the auth stack, preauth before pam_unix and authfail after it (RHEL: "
    f"authselect enable-feature with-faillock), and in /etc/security/faillock.conf give deny = {MAX_DENY} and "
    f"unlock_time = {MIN_UNLOCK_SECONDS}.",
)
def failed_login_lockout(inventory: Inventory) -> Iterable[Outcome]:
    data = _pam(inventory)
    if data is None:
        return []
    checked: list[str] = []
    problems: list[str] = []
    observed: dict[str, Any] = {}
    for service in ("sshd", "login"):
        stack = data.get("stacks", {}).get(service, {}).get("auth")
        if stack is None:
            continue
        checked.append(service)
        faillock = [r for r in stack if r["module"] == "pam_faillock"]
        if not faillock:
            problems.append(f"{service}: no pam_faillock in the auth stack")
            continue
        conf = data.get("faillock", {})
        deny, deny_from = _setting(faillock, conf, "deny", FAILLOCK_DEFAULTS["deny"])
        unlock, unlock_from = _setting(faillock, conf, "unlock_time", FAILLOCK_DEFAULTS["unlock_time"])
        observed[service] = {"deny": deny, "unlock_time": unlock}
        denied, unlocked = whole_number(deny), whole_number(unlock)
        if denied is None or not 1 <= denied <= MAX_DENY:
            problems.append(f"{service}: deny = {deny} ({deny_from}), more than {MAX_DENY} or none")
        if unlocked is None or 0 < unlocked < MIN_UNLOCK_SECONDS:
            problems.append(f"{service}: unlock_time = {unlock} ({unlock_from}), under {MIN_UNLOCK_SECONDS} s")
    if not checked:
        return []
    resource_id = resource(inventory, "/etc/pam.d")
    if problems:
        return [result(False, resource_id, PAM, "; ".join(problems), **observed)]
    settings = observed[checked[0]]
    unlock = settings["unlock_time"]
    until = "until an administrator unlocks it" if whole_number(unlock) == 0 else f"for {unlock} s"
    reason = f"pam_faillock locks after {settings['deny']} failures {until} ({', '.join(checked)})"
    return [result(True, resource_id, PAM, reason, **observed)]


@host_check(
    id="host.pam.strong_password_hashing",
    title="New passwords are stored with a strong hash (SHA-512 or yescrypt)",
    severity=Severity.MEDIUM,
    service="pam",
    resource_type=PAM,
    rationale="Whoever copies /etc/shadow cracks MD5 or DES hashes in hours; SHA-512 crypt and yescrypt are "
    "deliberately slow to compute, so each guess costs the attacker far more.",
    remediation="Give pam_unix.so in the password stack the sha512 or yescrypt argument, and set ENCRYPT_METHOD "
    "SHA512 (or YESCRYPT) in /etc/login.defs; existing passwords take the new hash when next changed.",
)
def strong_password_hashing(inventory: Inventory) -> Iterable[Outcome]:
    data = _pam(inventory)
    if data is None:
        return []
    resource_id = resource(inventory, "/etc/pam.d/passwd")
    stack = _passwd_stack(data)
    if stack is None:
        return [result(False, resource_id, PAM, "/etc/pam.d/passwd does not exist")]
    unix = [r for r in stack if r["module"] == "pam_unix"]
    if not unix:
        return [result(False, resource_id, PAM, "pam_unix is not in the passwd stack: nothing sets the hash")]
    named = [arg for arg in unix[0]["args"] if arg in HASH_ARGUMENTS]
    if named:
        algorithm, source = named[-1], _where(unix[0])
    else:
        algorithm, source = data.get("encrypt_method", "").lower(), "/etc/login.defs ENCRYPT_METHOD"
    ok = algorithm in STRONG_HASHES
    if not algorithm:
        reason = "pam_unix names no hash and /etc/login.defs sets no ENCRYPT_METHOD"
    else:
        reason = f"passwords are hashed with {algorithm} ({source})" + ("" if ok else ", not sha512 or yescrypt")
    return [result(ok, resource_id, PAM, reason, algorithm=algorithm, source=source)]
