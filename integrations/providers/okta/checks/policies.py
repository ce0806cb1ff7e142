"""Policies: MFA enrolment, password rules and global session lifetime.

Every active policy of a type is judged, the default one included: a user falls under the
first policy whose conditions match, so a weak lower-priority policy still governs someone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import Policy
from ._common import POLICY, POLICY_RULE, active_rules, dig, okta_check, policies, policy_label, result, rule_label

# Knowledge factors do not make a second factor besides the password.
NOT_MFA_AUTHENTICATORS = frozenset({"okta_password", "security_question", "okta_question"})
MIN_PASSWORD_LENGTH = 14
MIN_PASSWORD_HISTORY = 4
MAX_LOCKOUT_ATTEMPTS = 10
# A global session longer than a working day, or idle for longer than an hour, outlives the person at the desk.
MAX_SESSION_LIFETIME_MINUTES = 12 * 60
MAX_SESSION_IDLE_MINUTES = 60


def _required_authenticators(settings: Mapping[str, Any]) -> list[str]:
    """What an MFA enrolment policy requires users to enrol: Identity Engine authenticators or Classic factors."""
    required: set[str] = set()
    for entry in settings.get("authenticators") or []:
        if isinstance(entry, Mapping) and dig(entry, "enroll", "self") == "REQUIRED":
            required.add(str(entry.get("key")))
    factors = settings.get("factors")
    if isinstance(factors, Mapping):
        required.update(str(k) for k, v in factors.items() if dig(v, "enroll", "self") == "REQUIRED")
    return sorted(required - NOT_MFA_AUTHENTICATORS)


@okta_check(
    id="okta.policies.mfa_enrollment_required",
    title="Every MFA enrolment policy requires at least one MFA authenticator",
    severity=Severity.HIGH,
    service="policies",
    resource_type=POLICY,
    rationale="Users enrol a second factor only when a policy requires it; under a policy where every "
    "authenticator is optional, people sign in with a password alone.",
    remediation="In Security → Authenticators → Enrollment, set Okta Verify or a security key to Required in "
    "every policy (the Default Policy included) and keep a rule that prompts users to enrol.",
)
def mfa_enrollment_required(inventory: Inventory) -> Iterable[Outcome]:
    outcomes: list[Outcome] = []
    for policy in policies(inventory, "MFA_ENROLL"):
        label = policy_label(policy)
        required = _required_authenticators(policy.get("settings", {}))
        prompting = [r for r in active_rules(policy) if dig(r, "actions", "enroll", "self") != "NEVER"]
        if not required:
            reason = f"The MFA enrolment {label} requires no MFA authenticator"
        elif not prompting:
            reason = f"The MFA enrolment {label} requires {', '.join(required)} but no active rule prompts to enrol"
        else:
            reason = f"The MFA enrolment {label} requires {', '.join(required)}"
        ok = bool(required and prompting)
        outcomes.append(result(ok, str(policy.get("id")), POLICY, reason, name=policy.get("name"), required=required))
    return outcomes


def _password_check(
    inventory: Inventory, judge: Callable[[Mapping[str, Any]], tuple[bool, str, dict[str, Any]]]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for policy in policies(inventory, "PASSWORD"):
        password = dig(policy.get("settings"), "password")
        ok, finding, observed = judge(password if isinstance(password, Mapping) else {})
        reason = f"The password {policy_label(policy)} {finding}"
        outcomes.append(result(ok, str(policy.get("id")), POLICY, reason, name=policy.get("name"), **observed))
    return outcomes


def _number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


@okta_check(
    id="okta.policies.password_min_length",
    title="Password policies require at least 14 characters",
    severity=Severity.MEDIUM,
    service="policies",
    resource_type=POLICY,
    rationale="Length is what makes a password hard to guess or crack; Okta's default of 8 characters falls "
    "short of current guidance for passwords used without a second factor.",
    remediation="In Security → Authenticators → Password, set the minimum length to 14 or more in every policy.",
)
def password_min_length(inventory: Inventory) -> Iterable[Outcome]:
    def judge(password: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
        length = _number(dig(password, "complexity", "minLength"))
        return (
            length >= MIN_PASSWORD_LENGTH,
            f"requires {length} characters (at least {MIN_PASSWORD_LENGTH})",
            {"min_length": length},
        )

    return _password_check(inventory, judge)


@okta_check(
    id="okta.policies.password_complexity",
    title="Password policies block common passwords and passwords containing the username",
    severity=Severity.MEDIUM,
    service="policies",
    resource_type=POLICY,
    rationale="Passwords on breach and common-password lists, or built from the username, are the first ones "
    "attackers try; blocking them matters more than composition rules.",
    remediation="In every password policy, turn on 'Restrict use of common passwords' and 'Does not contain part "
    "of username'.",
)
def password_complexity(inventory: Inventory) -> Iterable[Outcome]:
    def judge(password: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
        common = dig(password, "complexity", "dictionary", "common", "exclude") is True
        username = dig(password, "complexity", "excludeUsername") is True
        missing = [n for n, on in (("common passwords", common), ("the username", username)) if not on]
        finding = f"does not block {' or '.join(missing)}" if missing else "blocks common passwords and the username"
        return not missing, finding, {"exclude_common": common, "exclude_username": username}

    return _password_check(inventory, judge)


@okta_check(
    id="okta.policies.password_history",
    title="Password policies prevent reusing the last 4 passwords",
    severity=Severity.LOW,
    service="policies",
    resource_type=POLICY,
    rationale="Without a history a user forced to change a (possibly exposed) password can set the same one "
    "again at once.",
    remediation="In every password policy, set 'Enforce password history for last' to 4 passwords or more.",
)
def password_history(inventory: Inventory) -> Iterable[Outcome]:
    def judge(password: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
        history = _number(dig(password, "age", "historyCount"))
        finding = f"remembers {history} previous passwords (at least {MIN_PASSWORD_HISTORY})"
        return history >= MIN_PASSWORD_HISTORY, finding, {"history_count": history}

    return _password_check(inventory, judge)


@okta_check(
    id="okta.policies.password_lockout",
    title="Password policies lock the account after at most 10 failed attempts",
    severity=Severity.MEDIUM,
    service="policies",
    resource_type=POLICY,
    rationale="Locking an account after a few failed attempts stops online password guessing against it.",
    remediation="In every password policy, set 'Lock out user after' to 10 unsuccessful attempts or fewer.",
)
def password_lockout(inventory: Inventory) -> Iterable[Outcome]:
    def judge(password: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
        attempts = _number(dig(password, "lockout", "maxAttempts"))
        if attempts <= 0:
            return False, "never locks an account after failed attempts", {"max_attempts": attempts}
        ok = attempts <= MAX_LOCKOUT_ATTEMPTS
        limit = "" if ok else f" (at most {MAX_LOCKOUT_ATTEMPTS})"
        return ok, f"locks an account after {attempts} failed attempts{limit}", {"max_attempts": attempts}

    return _password_check(inventory, judge)


def _session_rules(inventory: Inventory) -> Iterable[tuple[Policy, Mapping[str, Any], Mapping[str, Any]]]:
    """(policy, rule, session settings) of every active global session rule that lets people in."""
    for policy in policies(inventory, "OKTA_SIGN_ON"):
        for rule in active_rules(policy):
            signon = dig(rule, "actions", "signon")
            if isinstance(signon, Mapping) and signon.get("access", "ALLOW") == "ALLOW":
                session = signon.get("session")
                yield policy, rule, session if isinstance(session, Mapping) else {}


@okta_check(
    id="okta.policies.session_lifetime_limited",
    title="Global sessions end after at most 12 hours and are not kept in a persistent cookie",
    severity=Severity.MEDIUM,
    service="policies",
    resource_type=POLICY_RULE,
    rationale="A session without an end keeps a stolen or unattended browser signed in to every app for days; a "
    "working day's limit makes people authenticate again.",
    remediation="In Security → Global Session Policy, set 'Maximum Okta global session lifetime' to 12 hours or "
    "less in every rule and turn persistent session cookies off.",
)
def session_lifetime_limited(inventory: Inventory) -> Iterable[Outcome]:
    outcomes: list[Outcome] = []
    for policy, rule, session in _session_rules(inventory):
        label = rule_label(policy, rule)
        lifetime = _number(session.get("maxSessionLifetimeMinutes"))
        persistent = session.get("usePersistentCookie") is True
        # Okta stores 0 for "no time limit".
        if lifetime <= 0:
            ok, finding = False, "sets no session lifetime limit"
        elif lifetime > MAX_SESSION_LIFETIME_MINUTES:
            ok, finding = False, f"keeps sessions for {lifetime} minutes (at most {MAX_SESSION_LIFETIME_MINUTES})"
        else:
            ok, finding = True, f"ends sessions after {lifetime} minutes"
        if persistent:
            ok, finding = False, finding + " and keeps them in a persistent cookie"
        outcomes.append(
            result(
                ok,
                str(rule.get("id")),
                POLICY_RULE,
                f"The global session {label} {finding}",
                max_session_lifetime_minutes=lifetime,
                use_persistent_cookie=persistent,
            )
        )
    return outcomes


@okta_check(
    id="okta.policies.session_idle_timeout",
    title="Idle global sessions end after at most 1 hour",
    severity=Severity.MEDIUM,
    service="policies",
    resource_type=POLICY_RULE,
    rationale="Ending a session left idle protects an unattended, unlocked computer from being used to reach "
    "every application the person can.",
    remediation="In Security → Global Session Policy, set 'Expire session after user has been idle' to 60 minutes "
    "or less in every rule.",
)
def session_idle_timeout(inventory: Inventory) -> Iterable[Outcome]:
    outcomes: list[Outcome] = []
    for policy, rule, session in _session_rules(inventory):
        idle = _number(session.get("maxSessionIdleMinutes"))
        ok = 0 < idle <= MAX_SESSION_IDLE_MINUTES
        finding = (f"ends idle sessions after {idle} minutes" if idle > 0 else "never ends an idle session") + (
            "" if ok or idle <= 0 else f" (at most {MAX_SESSION_IDLE_MINUTES})"
        )
        outcomes.append(
            result(
                ok,
                str(rule.get("id")),
                POLICY_RULE,
                f"The global session {rule_label(policy, rule)} {finding}",
                max_session_idle_minutes=idle,
            )
        )
    return outcomes
