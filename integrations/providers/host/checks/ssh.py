"""OpenSSH server checks, on sshd_config as sshd reads it (Include files, first value wins, defaults).

A host without /etc/ssh/sshd_config has no SSH server to judge: these checks give no
outcome there, so their controls are not applicable rather than failed.  A setting made
inside a ``Match`` block applies to some connections only; a non-compliant one fails
the check too, naming the block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..parsers import sshd_seconds
from ..shapes import AuthorizedKey, Sshd, SshdOverride
from ._common import error, host_check, resource, result, ssh_keys_data, sshd_data, whole_number

SSHD = "Host::SshdConfig"
ACCOUNT = "Host::Account"
# NIST SP 800-131A: RSA below 2048 bits is no longer acceptable for authentication; DSA keys are 1024 bits.
MIN_RSA_BITS = 2048

MAX_AUTH_TRIES = 4
MAX_IDLE_SECONDS = 900

# Defaults of OpenSSH 8.x/9.x when a keyword is absent from the configuration.
DEFAULTS = {
    "permitrootlogin": "prohibit-password",
    "passwordauthentication": "yes",
    "kbdinteractiveauthentication": "yes",
    "usepam": "no",
    "maxauthtries": "6",
    "x11forwarding": "no",
    "clientaliveinterval": "0",
    "clientalivecountmax": "3",
    "ciphers": "",
    "macs": "",
}
NAMES = {
    "permitrootlogin": "PermitRootLogin",
    "passwordauthentication": "PasswordAuthentication",
    "kbdinteractiveauthentication": "KbdInteractiveAuthentication",
    "challengeresponseauthentication": "ChallengeResponseAuthentication",
    "usepam": "UsePAM",
    "maxauthtries": "MaxAuthTries",
    "x11forwarding": "X11Forwarding",
    "clientaliveinterval": "ClientAliveInterval",
    "clientalivecountmax": "ClientAliveCountMax",
    "ciphers": "Ciphers",
    "macs": "MACs",
}
# CBC modes, RC4 and 64-bit block ciphers; MD5, RIPEMD-160 and MACs truncated to 96 bits.
WEAK_CIPHER = re.compile(r"cbc|arcfour|rc4|3des|blowfish|cast128|^des")
WEAK_MAC = re.compile(r"md5|ripemd160|-96")

Problem = Callable[[str], "str | None"]


def _sshd(inventory: Inventory) -> Sshd | None:
    data = sshd_data(inventory)
    return data if data and data.get("installed") else None


def _effective(data: Sshd, keyword: str) -> tuple[str, str]:
    """(value, where it comes from) of a global setting."""
    directive = data.get("settings", {}).get(keyword)
    if directive:
        return str(directive["value"]), f"{directive['file']}:{directive['line']}"
    return DEFAULTS.get(keyword, ""), "OpenSSH default"


def _overrides(data: Sshd, keyword: str) -> list[SshdOverride]:
    return [o for o in data.get("overrides", []) if o.get("keyword") == keyword]


def _evaluate(
    inventory: Inventory,
    keyword: str,
    problem: Problem,
    *,
    passing: Callable[[str, str], str],
) -> Iterable[Outcome]:
    data = _sshd(inventory)
    if data is None:
        return []
    name = NAMES.get(keyword, keyword)
    value, source = _effective(data, keyword)
    problems: list[str] = []
    issue = problem(value)
    if issue:
        problems.append(f"{name} {value or '(default)'} ({source}): {issue}")
    overrides = _overrides(data, keyword)
    for override in overrides:
        issue = problem(str(override["value"]))
        if issue:
            where = f"{override['file']}:{override['line']}"
            problems.append(f"{name} {override['value']} in 'Match {override['match']}' ({where}): {issue}")
    reason = "; ".join(problems) if problems else passing(value, source)
    return [
        result(
            not problems,
            resource(inventory, data["config_path"]),
            SSHD,
            reason,
            **{name: value, "source": source},
            match_overrides=[{"match": o["match"], "value": o["value"], "file": o["file"]} for o in overrides],
        )
    ]


@host_check(
    id="host.ssh.root_login_disabled",
    title="SSH does not accept root logins",
    severity=Severity.HIGH,
    service="sshd",
    resource_type=SSHD,
    rationale="Logging in as root directly leaves no trace of which person used the account and gives an "
    "attacker who guesses or steals one credential the whole machine.",
    remediation="Set 'PermitRootLogin no' in /etc/ssh/sshd_config (before any Include that sets it), log in with "
    "a personal account and use sudo; reload sshd.",
)
def root_login_disabled(inventory: Inventory) -> Iterable[Outcome]:
    return _evaluate(
        inventory,
        "permitrootlogin",
        lambda v: None if v.lower() == "no" else "root may log in over SSH",
        passing=lambda v, s: f"PermitRootLogin is no ({s})",
    )


def _kbd_interactive(data: Sshd) -> tuple[str, str]:
    # ChallengeResponseAuthentication is the older name of KbdInteractiveAuthentication.
    if "kbdinteractiveauthentication" in data.get("settings", {}):
        return _effective(data, "kbdinteractiveauthentication")
    if "challengeresponseauthentication" in data.get("settings", {}):
        return _effective(data, "challengeresponseauthentication")
    return _effective(data, "kbdinteractiveauthentication")


@host_check(
    id="host.ssh.password_authentication_disabled",
    title="SSH does not accept passwords",
    severity=Severity.HIGH,
    service="sshd",
    resource_type=SSHD,
    rationale="A server that takes passwords can be brute-forced from the internet and accepts passwords "
    "reused from breaches; keys (or certificates) cannot be guessed.",
    remediation="Set 'PasswordAuthentication no' and 'KbdInteractiveAuthentication no' in "
    "/etc/ssh/sshd_config, make sure every user has a key, and reload sshd.",
)
def password_authentication_disabled(inventory: Inventory) -> Iterable[Outcome]:
    outcomes = list(
        _evaluate(
            inventory,
            "passwordauthentication",
            lambda v: None if v.lower() == "no" else "passwords are accepted",
            passing=lambda v, s: f"PasswordAuthentication is no ({s})",
        )
    )
    data = _sshd(inventory)
    if not outcomes or data is None:
        return outcomes
    kbd, kbd_source = _kbd_interactive(data)
    pam, pam_source = _effective(data, "usepam")
    outcome = outcomes[0]
    observed = {**outcome.observed, "KbdInteractiveAuthentication": kbd, "UsePAM": pam}
    if kbd.lower() == "yes" and pam.lower() == "yes":
        # PAM's keyboard-interactive conversation asks for the Unix password.
        extra = (
            f"KbdInteractiveAuthentication yes ({kbd_source}) with UsePAM yes ({pam_source}) "
            "still lets PAM ask for a password"
        )
        reason = extra if outcome.status == "pass" else f"{outcome.reason}; {extra}"
        return [result(False, outcome.resource_id, SSHD, reason, **observed)]
    return [result(outcome.status == "pass", outcome.resource_id, SSHD, outcome.reason, **observed)]


def _weak_algorithms(value: str, weak: re.Pattern[str]) -> list[str]:
    text = value.strip()
    if not text or text.startswith("-"):
        # Absent, or only removing algorithms from OpenSSH's defaults, which hold none of these.
        return []
    return [item for item in text.lstrip("+^").split(",") if item and weak.search(item.lower())]


def _algorithms_problem(weak: re.Pattern[str]) -> Problem:
    def problem(value: str) -> str | None:
        found = _weak_algorithms(value, weak)
        return f"weak algorithms allowed: {', '.join(found)}" if found else None

    return problem


@host_check(
    id="host.ssh.strong_ciphers",
    title="SSH offers no weak ciphers",
    severity=Severity.MEDIUM,
    service="sshd",
    resource_type=SSHD,
    rationale="CBC-mode, RC4 and 64-bit block ciphers have practical attacks (plaintext recovery, "
    "Sweet32); a client or attacker can negotiate them down if the server still offers them.",
    remediation="Remove every *-cbc, arcfour*, 3des and blowfish entry from 'Ciphers' in /etc/ssh/sshd_config "
    "(or drop the line to use OpenSSH's defaults), then reload sshd.",
)
def strong_ciphers(inventory: Inventory) -> Iterable[Outcome]:
    return _evaluate(
        inventory,
        "ciphers",
        _algorithms_problem(WEAK_CIPHER),
        passing=lambda v, s: f"No weak cipher is offered ({'Ciphers ' + v if v else s})",
    )


@host_check(
    id="host.ssh.strong_macs",
    title="SSH offers no weak MACs",
    severity=Severity.MEDIUM,
    service="sshd",
    resource_type=SSHD,
    rationale="MD5, RIPEMD-160 and truncated 96-bit MACs give weak integrity protection to the session.",
    remediation="Remove every hmac-md5*, *ripemd160* and *-96 entry from 'MACs' in /etc/ssh/sshd_config "
    "(or drop the line to use OpenSSH's defaults), then reload sshd.",
)
def strong_macs(inventory: Inventory) -> Iterable[Outcome]:
    return _evaluate(
        inventory,
        "macs",
        _algorithms_problem(WEAK_MAC),
        passing=lambda v, s: f"No weak MAC is offered ({'MACs ' + v if v else s})",
    )


def _max_auth_tries_problem(value: str) -> str | None:
    tries = whole_number(value)
    if tries is None:
        return "not a number"
    if tries > MAX_AUTH_TRIES:
        return f"more than {MAX_AUTH_TRIES} attempts per connection"
    return None


@host_check(
    id="host.ssh.max_auth_tries",
    title=f"SSH allows at most {MAX_AUTH_TRIES} authentication attempts per connection",
    severity=Severity.LOW,
    service="sshd",
    resource_type=SSHD,
    rationale="Few attempts per connection slow down password guessing and make it visible in the logs.",
    remediation=f"Set 'MaxAuthTries {MAX_AUTH_TRIES}' (or fewer) in /etc/ssh/sshd_config and reload sshd.",
)
def max_auth_tries(inventory: Inventory) -> Iterable[Outcome]:
    return _evaluate(
        inventory,
        "maxauthtries",
        _max_auth_tries_problem,
        passing=lambda v, s: f"MaxAuthTries is {v} ({s})",
    )


@host_check(
    id="host.ssh.x11_forwarding_disabled",
    title="SSH X11 forwarding is off",
    severity=Severity.LOW,
    service="sshd",
    resource_type=SSHD,
    rationale="A forwarded X11 display lets a compromised server read the keystrokes and screen of the "
    "connecting workstation; servers rarely need it.",
    remediation="Set 'X11Forwarding no' in /etc/ssh/sshd_config and reload sshd.",
)
def x11_forwarding_disabled(inventory: Inventory) -> Iterable[Outcome]:
    return _evaluate(
        inventory,
        "x11forwarding",
        lambda v: None if v.lower() == "no" else "X11 forwarding is allowed",
        passing=lambda v, s: f"X11Forwarding is no ({s})",
    )


def _idle_problem(value: str) -> str | None:
    seconds = sshd_seconds(value)
    if seconds is None:
        return "not a time interval"
    if seconds <= 0:
        return "idle sessions are never checked, so they stay open forever"
    if seconds > MAX_IDLE_SECONDS:
        return f"longer than {MAX_IDLE_SECONDS} seconds"
    return None


@host_check(
    id="host.ssh.idle_timeout",
    title="SSH drops idle sessions",
    severity=Severity.LOW,
    service="sshd",
    resource_type=SSHD,
    rationale="An unattended open session on a workstation is an open door to the server; a keep-alive "
    "interval also closes connections whose client has gone.",
    remediation=f"Set 'ClientAliveInterval' between 1 and {MAX_IDLE_SECONDS} seconds (e.g. 300) and "
    "'ClientAliveCountMax' to a small number in /etc/ssh/sshd_config, then reload sshd.",
)
def idle_timeout(inventory: Inventory) -> Iterable[Outcome]:
    outcomes = list(
        _evaluate(
            inventory,
            "clientaliveinterval",
            _idle_problem,
            passing=lambda v, s: f"ClientAliveInterval is {v} ({s})",
        )
    )
    data = _sshd(inventory)
    if outcomes and data is not None:
        count, _ = _effective(data, "clientalivecountmax")
        outcome = outcomes[0]
        outcomes = [
            result(
                outcome.status == "pass",
                outcome.resource_id,
                SSHD,
                outcome.reason,
                **{**outcome.observed, "ClientAliveCountMax": count},
            )
        ]
    return outcomes


def _key_label(key: AuthorizedKey) -> str:
    size = f" {key['bits']}" if key["type"].startswith("ssh-rsa") else ""
    comment = f" ({key['comment']})" if key["comment"] else ""
    return f"{key['type']}{size} {key['fingerprint']}{comment} in {key['file']}:{key['line']}"


def _weak(key: AuthorizedKey) -> bool:
    base = key["type"].removesuffix("-cert-v01@openssh.com")
    return base == "ssh-dss" or (base == "ssh-rsa" and key["bits"] < MIN_RSA_BITS)


@host_check(
    id="host.ssh.authorized_keys_strong",
    title=f"Every authorized SSH key is strong (no DSA; RSA of at least {MIN_RSA_BITS} bits)",
    severity=Severity.MEDIUM,
    service="ssh_keys",
    resource_type=ACCOUNT,
    rationale="Whoever works out the private half of an authorized key logs in as the account, with no password "
    f"asked; RSA keys under {MIN_RSA_BITS} bits and DSA keys (1024 bits by design) are below what NIST accepts for "
    "authentication, and OpenSSH no longer accepts DSA keys since 9.8.",
    remediation="Have the key's owner make a new key (ssh-keygen -t ed25519), put its public half in the "
    "authorized_keys file, and delete the weak line.",
)
def authorized_keys_strong(inventory: Inventory) -> Iterable[Outcome]:
    data = ssh_keys_data(inventory)
    if data is None or not data.get("installed"):
        return []
    outcomes: list[Outcome] = [
        error(resource(inventory, path), ACCOUNT, f"{path} could not be read: {why}")
        for path, why in data.get("unreadable", {}).items()
    ]
    for name, keys in sorted(data.get("keys", {}).items()):
        weak = [k for k in keys if _weak(k)]
        kinds = sorted({k["type"] for k in keys})
        if weak:
            reason = f"{name} accepts weak keys: {'; '.join(_key_label(k) for k in weak)}"
        else:
            reason = f"{name} has {len(keys)} authorized keys, none weak ({', '.join(kinds)})"
        observed: dict[str, Any] = {"user": name, "keys": len(keys), "weak": [k["fingerprint"] for k in weak]}
        outcomes.append(result(not weak, resource(inventory, f"user:{name}"), ACCOUNT, reason, **observed))
    if not outcomes:
        patterns = " ".join(data.get("patterns", []))
        reason = f"No account with a login shell has an authorized SSH key ({patterns})"
        outcomes.append(result(True, resource(inventory, "authorized_keys"), ACCOUNT, reason))
    return outcomes
