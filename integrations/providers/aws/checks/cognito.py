"""Cognito checks: user pools that ask for a second factor, enforce threat protection, keep long passwords, let
temporary passwords lapse within a week, do not recover accounts by SMS first, cannot be deleted by mistake, admit
only the users an administrator creates and sit behind a WAF web ACL; app
clients that do not tell who has an account and can revoke refresh tokens; identity pools that hand no AWS
credentials to unauthenticated guests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from integrations.registry import Inventory, Outcome, Severity

from ..shapes_directory import CognitoAppClient, CognitoIdentityPool, CognitoUserPool
from ._common import Verdict, aws_check, described_items, error, judge_described, nested_items, regional_listing, result

USER_POOL = "AWS::Cognito::UserPool"
IDENTITY_POOL = "AWS::Cognito::IdentityPool"
APP_CLIENT = "AWS::Cognito::UserPoolClient"
# As for the account's IAM password policy (CIS AWS 1.8): long passwords rather than composition rules.
MIN_PASSWORD_LENGTH = 14
# Cognito's own default validity of an administrator-set temporary password, and the most this check accepts.
MAX_TEMPORARY_PASSWORD_DAYS = 7
SMS_RECOVERY = "verified_phone_number"


def _id(pool: CognitoUserPool) -> str:
    return str(pool.get("arn") or pool.get("id"))


def _label(pool: CognitoUserPool) -> str:
    return f"Cognito user pool {pool.get('name') or pool.get('id')}"


def _identity_label(pool: CognitoIdentityPool) -> str:
    return f"Cognito identity pool {pool.get('name') or pool.get('id')}"


def _judge_user_pools(inventory: Inventory, judge: Callable[[CognitoUserPool], Verdict | None]) -> Iterator[Outcome]:
    """``judge``'s outcome for every user pool DescribeUserPool answered for, and an error outcome for each it did not
    or a region read in part."""
    return judge_described(
        inventory,
        "cognito",
        "user_pools",
        noun="user pools",
        resource_type=USER_POOL,
        resource_id=_id,
        label=_label,
        judge=judge,
    )


@aws_check(
    id="aws.cognito.user_pool_mfa_required",
    title="Cognito user pools require multi-factor authentication",
    severity=Severity.HIGH,
    service="cognito",
    resource_type=USER_POOL,
    rationale="A user pool signs in the users of the applications built on it; with a password alone, one phished, "
    "guessed or reused password opens the account. Optional MFA leaves it to each user, so the accounts most at risk "
    "are the ones without it.",
    remediation="Require MFA on the user pool (MfaConfiguration ON) with an authenticator app, SMS or e-mail "
    "factor; where an existing pool cannot be switched to required, create its successor with MFA required and "
    "migrate the users to it.",
)
def user_pool_mfa_required(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _mfa)


def _mfa(pool: CognitoUserPool) -> Verdict:
    mfa = pool.get("mfa")
    if mfa == "ON":
        reason = f"{_label(pool)} requires multi-factor authentication"
    elif mfa == "OPTIONAL":
        reason = f"{_label(pool)} leaves multi-factor authentication optional: users may sign in with a password alone"
    else:
        reason = f"{_label(pool)} does not use multi-factor authentication (MFA {mfa or 'not reported'})"
    return mfa == "ON", reason, {"mfa": mfa}


@aws_check(
    id="aws.cognito.user_pool_threat_protection_enforced",
    title="Cognito user pools enforce threat protection",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=USER_POOL,
    rationale="Threat protection (advanced security) scores each sign-in for risk and checks passwords against "
    "leaked credential lists; in full-function (enforced) mode it blocks or challenges risky sign-ins and compromised "
    "passwords. Audit-only mode records the risk and lets the sign-in through.",
    remediation="Turn on threat protection in full-function mode for the user pool (UpdateUserPool with "
    "UserPoolAddOns AdvancedSecurityMode ENFORCED; it needs the Plus feature plan) and set the actions for each risk "
    "level.",
)
def user_pool_threat_protection_enforced(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _threat_protection)


def _threat_protection(pool: CognitoUserPool) -> Verdict:
    mode = pool.get("advanced_security_mode")
    if mode == "ENFORCED":
        reason = f"{_label(pool)} enforces threat protection"
    elif mode == "AUDIT":
        reason = f"{_label(pool)} runs threat protection in audit mode only: risky sign-ins are recorded, not stopped"
    else:
        reason = f"{_label(pool)} has threat protection off"
    return mode == "ENFORCED", reason, {"advanced_security_mode": mode}


@aws_check(
    id="aws.cognito.user_pool_password_min_length",
    title=f"Cognito user pools require passwords of at least {MIN_PASSWORD_LENGTH} characters",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=USER_POOL,
    rationale="Length is what makes a password hard to guess or crack offline; Cognito's default minimum of 8 "
    "characters falls to guessing and cracking far sooner than the 14 asked of the account's own IAM users.",
    remediation=f"Set the user pool's password policy minimum length to {MIN_PASSWORD_LENGTH} or more "
    "(UpdateUserPool with Policies.PasswordPolicy.MinimumLength); existing users keep their passwords until they "
    "next change them.",
)
def user_pool_password_min_length(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _password_length)


def _password_length(pool: CognitoUserPool) -> Verdict:
    length = pool.get("password_minimum_length")
    ok = isinstance(length, int) and length >= MIN_PASSWORD_LENGTH
    if not length:
        reason = f"{_label(pool)} reports no minimum password length"
    else:
        reason = f"{_label(pool)} requires passwords of at least {length} characters"
        reason += "" if ok else f" ({MIN_PASSWORD_LENGTH} required)"
    return ok, reason, {"minimum_length": length}


@aws_check(
    id="aws.cognito.user_pool_temporary_password_expiry",
    title=f"Cognito user pools let temporary passwords lapse within {MAX_TEMPORARY_PASSWORD_DAYS} days",
    severity=Severity.LOW,
    service="cognito",
    resource_type=USER_POOL,
    rationale="A temporary password set by an administrator travels by e-mail or SMS and is known to whoever created "
    "the user; until the user signs in and replaces it, it opens the account, so the window should be short.",
    remediation=f"Set the password policy's temporary password validity to {MAX_TEMPORARY_PASSWORD_DAYS} days or fewer "
    "(UpdateUserPool with Policies.PasswordPolicy.TemporaryPasswordValidityDays); resend invitations that lapse.",
)
def user_pool_temporary_password_expiry(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _temporary_password)


def _temporary_password(pool: CognitoUserPool) -> Verdict | None:
    if "temporary_password_days" not in pool:
        return None  # collected before the setting was kept
    days = pool.get("temporary_password_days")
    ok = days is None or days <= MAX_TEMPORARY_PASSWORD_DAYS
    if days is None:
        reason = f"{_label(pool)} keeps Cognito's default: temporary passwords lapse after 7 days"
    else:
        reason = f"{_label(pool)} lets temporary passwords be used for {days} days"
        reason += "" if ok else f" (at most {MAX_TEMPORARY_PASSWORD_DAYS})"
    return ok, reason, {"temporary_password_days": days}


@aws_check(
    id="aws.cognito.user_pool_account_recovery_not_sms_first",
    title="Cognito user pools do not recover accounts by SMS first",
    severity=Severity.LOW,
    service="cognito",
    resource_type=USER_POOL,
    rationale="A recovery code sent by SMS goes to whoever holds the phone number, and numbers are taken over by SIM "
    "swaps and port-outs; recovering by SMS first lets such an attacker reset the password. Pools that set no "
    "recovery order keep Cognito's legacy behaviour, which prefers SMS.",
    remediation="Set the user pool's account recovery to verified e-mail first (AccountRecoverySetting with "
    "verified_email at priority 1, SMS second or not at all), or to admin_only for pools whose users an "
    "administrator recovers.",
)
def user_pool_account_recovery_not_sms_first(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _account_recovery)


def _account_recovery(pool: CognitoUserPool) -> Verdict | None:
    if "account_recovery" not in pool:
        return None  # collected before the setting was kept
    order = pool.get("account_recovery")
    if order is None:
        ok, reason = False, f"{_label(pool)} sets no recovery order, so Cognito's legacy one recovers by SMS first"
    elif order and order[0] == SMS_RECOVERY:
        ok, reason = False, f"{_label(pool)} recovers accounts by SMS first ({', '.join(order)})"
    else:
        ok, reason = True, f"{_label(pool)} recovers accounts by {', '.join(order) or 'no mechanism'} first"
    return ok, reason, {"account_recovery": order}


@aws_check(
    id="aws.cognito.user_pool_deletion_protection",
    title="Cognito user pools have deletion protection",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=USER_POOL,
    rationale="Deleting a user pool deletes every user in it, their passwords and factors with them, and AWS cannot "
    "restore it; deletion protection makes that a deliberate two-step act instead of one call.",
    remediation="Activate deletion protection on the user pool (UpdateUserPool with DeletionProtection ACTIVE).",
)
def user_pool_deletion_protection(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _deletion_protection)


def _deletion_protection(pool: CognitoUserPool) -> Verdict:
    setting = pool.get("deletion_protection")
    ok = setting == "ACTIVE"
    return (
        ok,
        f"{_label(pool)} {'has' if ok else 'does not have'} deletion protection",
        {"deletion_protection": setting},
    )


@aws_check(
    id="aws.cognito.user_pool_self_registration_disabled",
    title="Cognito user pools let only administrators create users",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=USER_POOL,
    rationale="A pool that allows self-registration gives an account to anyone who calls SignUp with one of its app "
    "client ids, which ship inside the application; whatever a signed-in user may reach (an application's data, an "
    "identity pool's authenticated role and its AWS credentials) is then open to strangers. Pools of staff or invited "
    "customers should not admit them.",
    remediation="Allow only administrators to create users (UpdateUserPool with AdminCreateUserConfig "
    "AllowAdminCreateUserOnly true) and invite users instead; where public sign-up is the product, accept the finding "
    "as an exception and keep signed-in users' permissions to what a stranger may have.",
)
def user_pool_self_registration_disabled(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_user_pools(inventory, _self_sign_up)


def _self_sign_up(pool: CognitoUserPool) -> Verdict | None:
    if "self_sign_up" not in pool:
        return None  # collected before the setting was kept
    open_to_all = pool["self_sign_up"]
    reason = (
        f"{_label(pool)} lets anyone sign up"
        if open_to_all
        else f"{_label(pool)} admits only the users an administrator creates"
    )
    return not open_to_all, reason, {"self_sign_up": open_to_all}


@aws_check(
    id="aws.cognito.user_pool_waf_protected",
    title="Cognito user pools are protected by a WAF web ACL",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=USER_POOL,
    rationale="A user pool's sign-in, sign-up and password-reset endpoints answer the whole internet; without a web "
    "ACL nothing rate-limits credential stuffing, password spraying or bots that create accounts or run up SMS "
    "charges, beyond Cognito's own quotas.",
    remediation="Associate a regional AWS WAF web ACL with the user pool (AssociateWebACL with the pool's ARN) holding "
    "at least a rate-based rule and the managed IP reputation and bot control groups; watch its metrics before "
    "blocking.",
)
def user_pool_waf_protected(inventory: Inventory) -> Iterable[Outcome]:
    for found in described_items(
        inventory, "cognito", "user_pools", noun="user pools", resource_type=USER_POOL, resource_id=_id, label=_label
    ):
        if isinstance(found, Outcome):
            yield found
        elif "web_acl_error" in found:
            reason = f"Could not read the web ACL of {_label(found)}: {found['web_acl_error']}"
            yield error(_id(found), USER_POOL, reason, region=found["region"])
        elif "web_acl" in found:
            acl = found["web_acl"]
            reason = (
                f"{_label(found)} is protected by web ACL {found.get('web_acl_name') or acl}"
                if acl
                else f"{_label(found)} has no web ACL"
            )
            yield result(bool(acl), _id(found), USER_POOL, reason, region=found["region"], web_acl=acl)


@aws_check(
    id="aws.cognito.identity_pool_no_guest_access",
    title="Cognito identity pools give no AWS credentials to unauthenticated guests",
    severity=Severity.HIGH,
    service="cognito",
    resource_type=IDENTITY_POOL,
    rationale="An identity pool that allows unauthenticated identities hands temporary AWS credentials, under its "
    "guest role, to anyone who asks with the pool's id, which ships inside every copy of the application; whatever "
    "that role may do, the whole internet may do.",
    remediation="Turn off guest access on the identity pool (UpdateIdentityPool with AllowUnauthenticatedIdentities "
    "false); where guests are a product need, keep the unauthenticated role to the least it needs.",
)
def identity_pool_no_guest_access(inventory: Inventory) -> Iterable[Outcome]:
    pools = regional_listing(
        inventory,
        "cognito",
        "identity_pools",
        noun="identity pools",
        resource_type=IDENTITY_POOL,
        resource_id=lambda pool: str(pool.get("id")),
        label=_identity_label,
    )
    for found in pools:
        if isinstance(found, Outcome):
            yield found
            continue
        region, pool = found
        guests = bool(pool.get("allows_unauthenticated"))
        name = _identity_label(pool)
        reason = (
            f"{name} gives AWS credentials to unauthenticated guests"
            if guests
            else f"{name} gives AWS credentials to authenticated identities only"
        )
        yield result(not guests, str(pool.get("id")), IDENTITY_POOL, reason, region=region)


def _judge_app_clients(inventory: Inventory, judge: Callable[[str, CognitoAppClient], Verdict]) -> Iterator[Outcome]:
    """``judge``'s outcome for every app client of every user pool (given the client's label), and an error outcome
    for each pool whose clients could not be read."""
    for found in nested_items(
        inventory, "cognito", "user_pools", "clients", noun="user pools", resource_type=USER_POOL, label=_label
    ):
        if isinstance(found, Outcome):
            yield found
            continue
        pool, client = found
        ok, reason, observed = judge(f"App client {client.get('name') or client['id']} of {_label(pool)}", client)
        yield result(ok, client["id"], APP_CLIENT, reason, region=pool["region"], user_pool=_id(pool), **observed)


@aws_check(
    id="aws.cognito.app_client_prevents_user_existence_errors",
    title="Cognito app clients do not reveal whether a user exists",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=APP_CLIENT,
    rationale="With the LEGACY setting, sign-in, password reset and confirmation answer UserNotFoundException for an "
    "unknown user name and another error for a wrong password, so anyone can test which e-mail addresses or user "
    "names have accounts and aim password guessing and phishing at those.",
    remediation="Set the app client's PreventUserExistenceErrors to ENABLED (UpdateUserPoolClient), so Cognito "
    "answers an unknown user as it answers a wrong password.",
)
def app_client_prevents_user_existence_errors(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_app_clients(inventory, _existence_errors)


def _existence_errors(label: str, client: CognitoAppClient) -> Verdict:
    setting = client.get("prevent_user_existence_errors") or "LEGACY"
    if setting == "ENABLED":
        return True, f"{label} answers an unknown user as a wrong password", {"setting": setting}
    return False, f"{label} tells an unknown user from a wrong password ({setting})", {"setting": setting}


@aws_check(
    id="aws.cognito.app_client_token_revocation_enabled",
    title="Cognito app clients can revoke refresh tokens",
    severity=Severity.MEDIUM,
    service="cognito",
    resource_type=APP_CLIENT,
    rationale="A refresh token stays valid for up to ten years (30 days by default); without token revocation, "
    "signing a user out or revoking a stolen token does not stop it from minting new access and ID tokens until it "
    "expires.",
    remediation="Turn on token revocation for the app client (UpdateUserPoolClient with EnableTokenRevocation true) "
    "and have the application call RevokeToken when a user signs out or a token is reported stolen.",
)
def app_client_token_revocation_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _judge_app_clients(inventory, _token_revocation)


def _token_revocation(label: str, client: CognitoAppClient) -> Verdict:
    enabled = client.get("token_revocation") is True
    reason = f"{label} can revoke its refresh tokens" if enabled else f"{label} cannot revoke its refresh tokens"
    return enabled, reason, {"token_revocation": enabled}
