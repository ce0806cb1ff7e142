"""Cognito user pool (MFA, threat protection, password length, deletion protection) and identity pool (guest access)
checks against moto."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.providers.aws.collectors import cognito as cognito_collector
from integrations.registry import Inventory, OutcomeStatus
from tests.integrations.aws.support import (
    ACCOUNT,
    REGION,
    answer,
    aws,
    collect,
    connector,
    json_reply,
    only,
    run,
    scan,
    statuses,
)

PASS, FAIL, ERROR = OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.ERROR
MFA = "aws.cognito.user_pool_mfa_required"
THREATS = "aws.cognito.user_pool_threat_protection_enforced"
PASSWORD = "aws.cognito.user_pool_password_min_length"
DELETION = "aws.cognito.user_pool_deletion_protection"
GUESTS = "aws.cognito.identity_pool_no_guest_access"
TEMPORARY = "aws.cognito.user_pool_temporary_password_expiry"
RECOVERY = "aws.cognito.user_pool_account_recovery_not_sms_first"
USER_POOL_CHECKS = [MFA, THREATS, PASSWORD, DELETION]
HARDENED = {
    "MfaConfiguration": "ON",
    "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
    "Policies": {"PasswordPolicy": {"MinimumLength": 14}},
    "DeletionProtection": "ACTIVE",
}


def _user_pool(endpoint: str, name: str, **settings: Any) -> str:
    """Create user pool ``name`` (create_user_pool's own ``settings``) and return its ARN."""
    return str(aws(endpoint, "cognito-idp").create_user_pool(PoolName=name, **settings)["UserPool"]["Arn"])


def _identity_pool(endpoint: str, name: str, guests: bool) -> str:
    created = aws(endpoint, "cognito-identity").create_identity_pool(
        IdentityPoolName=name, AllowUnauthenticatedIdentities=guests
    )
    return str(created["IdentityPoolId"])


def _collect_refusing(endpoint: str, operation: str) -> Inventory:
    built = connector(endpoint)
    refusal = answer([lambda: json_reply({"__type": "AccessDeniedException", "message": "no"}, status=403)])
    built.session.events.register(f"before-send.{operation}", refusal)
    return built.collect({"cognito"})


def test_a_hardened_user_pool_passes_every_check_and_cognitos_defaults_fail_them(moto_reset: str) -> None:
    # given a user pool with MFA required, threat protection enforced, 14-character passwords and deletion
    # protection; and one created with Cognito's defaults
    hardened = _user_pool(moto_reset, "customers", **HARDENED)
    default = _user_pool(moto_reset, "staging")
    # when the user pool checks run on one collection
    collected = collect(moto_reset, USER_POOL_CHECKS)
    # then the hardened pool passes each and the default one fails each, saying why
    assert {cid: statuses(run(collected, cid)) for cid in USER_POOL_CHECKS} == {
        cid: {hardened: PASS, default: FAIL} for cid in USER_POOL_CHECKS
    }
    reasons = {(cid, o.resource_id): o.reason for cid in USER_POOL_CHECKS for o in run(collected, cid)}
    assert reasons[(MFA, hardened)] == "Cognito user pool customers requires multi-factor authentication"
    assert reasons[(MFA, default)] == ("Cognito user pool staging does not use multi-factor authentication (MFA OFF)")
    assert reasons[(THREATS, hardened)] == "Cognito user pool customers enforces threat protection"
    assert reasons[(THREATS, default)] == "Cognito user pool staging has threat protection off"
    assert reasons[(PASSWORD, hardened)] == "Cognito user pool customers requires passwords of at least 14 characters"
    assert reasons[(PASSWORD, default)] == (
        "Cognito user pool staging requires passwords of at least 8 characters (14 required)"
    )
    assert reasons[(DELETION, hardened)] == "Cognito user pool customers has deletion protection"
    assert reasons[(DELETION, default)] == "Cognito user pool staging does not have deletion protection"


def test_optional_mfa_and_audit_only_threat_protection_fail(moto_reset: str) -> None:
    # given a user pool where MFA is optional and threat protection only audits
    arn = _user_pool(
        moto_reset, "partners", MfaConfiguration="OPTIONAL", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"}
    )
    collected = collect(moto_reset, [MFA, THREATS])
    # when both checks run
    mfa, threats = only(run(collected, MFA)), only(run(collected, THREATS))
    # then both fail, saying the protection is there but does not stop anyone
    assert (mfa.resource_id, mfa.status, threats.status) == (arn, FAIL, FAIL)
    assert mfa.reason == (
        "Cognito user pool partners leaves multi-factor authentication optional: users may sign in with a password "
        "alone"
    )
    assert threats.reason == (
        "Cognito user pool partners runs threat protection in audit mode only: risky sign-ins are recorded, not stopped"
    )


def _recovery(*names: str) -> dict[str, Any]:
    return {"RecoveryMechanisms": [{"Name": name, "Priority": n} for n, name in enumerate(names, start=1)]}


def test_temporary_passwords_lapse_within_a_week(moto_reset: str) -> None:
    # given user pools whose temporary passwords last 3 days, 7 days and 30 days
    short = _user_pool(moto_reset, "short", Policies={"PasswordPolicy": {"TemporaryPasswordValidityDays": 3}})
    week = _user_pool(moto_reset, "week", Policies={"PasswordPolicy": {"TemporaryPasswordValidityDays": 7}})
    month = _user_pool(moto_reset, "month", Policies={"PasswordPolicy": {"TemporaryPasswordValidityDays": 30}})
    # when the check runs
    outcomes = scan(moto_reset, TEMPORARY)
    # then only the pool keeping them for a month fails
    assert statuses(outcomes) == {short: PASS, week: PASS, month: FAIL}
    assert next(o for o in outcomes if o.resource_id == month).reason == (
        "Cognito user pool month lets temporary passwords be used for 30 days (at most 7)"
    )


def test_accounts_are_not_recovered_by_sms_first(moto_reset: str) -> None:
    # given pools recovering by e-mail first, by SMS first, by an administrator only, and one setting no order
    email = _user_pool(moto_reset, "email", AccountRecoverySetting=_recovery("verified_email", "verified_phone_number"))
    sms = _user_pool(moto_reset, "sms", AccountRecoverySetting=_recovery("verified_phone_number", "verified_email"))
    admin = _user_pool(moto_reset, "admin", AccountRecoverySetting=_recovery("admin_only"))
    legacy = _user_pool(moto_reset, "legacy")
    # when the check runs
    outcomes = scan(moto_reset, RECOVERY)
    # then SMS first fails, and so does the legacy order (which prefers SMS)
    assert statuses(outcomes) == {email: PASS, sms: FAIL, admin: PASS, legacy: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert (
        reasons[sms] == "Cognito user pool sms recovers accounts by SMS first (verified_phone_number, verified_email)"
    )
    assert reasons[legacy] == (
        "Cognito user pool legacy sets no recovery order, so Cognito's legacy one recovers by SMS first"
    )


def test_identity_pools_fail_only_when_they_admit_guests(moto_reset: str) -> None:
    # given an identity pool for signed-in users only, and one that gives guests credentials
    members = _identity_pool(moto_reset, "members", guests=False)
    open_pool = _identity_pool(moto_reset, "open", guests=True)
    # when the guest access check runs
    outcomes = scan(moto_reset, GUESTS)
    # then only the guest pool fails
    assert statuses(outcomes) == {members: PASS, open_pool: FAIL}
    reasons = {o.resource_id: o.reason for o in outcomes}
    assert reasons[open_pool] == "Cognito identity pool open gives AWS credentials to unauthenticated guests"
    assert reasons[members] == "Cognito identity pool members gives AWS credentials to authenticated identities only"


def test_a_refused_identity_pool_listing_errors_that_check_alone(moto_reset: str) -> None:
    # given a hardened user pool, an identity pool, and a role cognito-identity refuses
    arn = _user_pool(moto_reset, "customers", **HARDENED)
    _identity_pool(moto_reset, "members", guests=False)
    # when Cognito is collected
    collected = _collect_refusing(moto_reset, "cognito-identity.ListIdentityPools")
    # then the guest access check is an error for the region, never a pass, and the user pools are still judged
    outcome = only(run(collected, GUESTS))
    assert (outcome.resource_id, outcome.region, outcome.status) == (ACCOUNT, REGION, ERROR)
    assert outcome.reason.startswith(
        f"Could not list the identity pools in {REGION}: ListIdentityPools failed with AccessDeniedException"
    )
    assert {cid: statuses(run(collected, cid)) for cid in USER_POOL_CHECKS} == {
        cid: {arn: PASS} for cid in USER_POOL_CHECKS
    }


def test_a_user_pool_that_cannot_be_described_is_an_error_for_each_user_pool_check(moto_reset: str) -> None:
    # given a user pool, and a role that may list user pools but not describe them
    _user_pool(moto_reset, "customers", **HARDENED)
    pool_id = aws(moto_reset, "cognito-idp").list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    # when Cognito is collected
    collected = _collect_refusing(moto_reset, "cognito-identity-provider.DescribeUserPool")
    # then every user pool check is an error naming the pool (its id: the ARN comes with the description)
    for cid in [*USER_POOL_CHECKS, TEMPORARY, RECOVERY]:
        outcome = only(run(collected, cid))
        assert (outcome.resource_id, outcome.status) == (pool_id, ERROR)
        assert outcome.reason.startswith(
            "Could not describe Cognito user pool customers: DescribeUserPool failed with AccessDeniedException"
        )


def test_user_pools_are_read_page_by_page_and_past_the_bound_said_so(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three hardened user pools, listed one a page, and a collector that reads at most two
    monkeypatch.setattr(cognito_collector, "_PAGE_SIZE", 1)
    monkeypatch.setattr(cognito_collector, "MAX_POOLS", 2)
    for name in ("first", "second", "third"):
        _user_pool(moto_reset, name, **HARDENED)
    # when the MFA check runs
    outcomes = scan(moto_reset, MFA)
    # then two are judged and the region gets an error saying the rest were not read
    assert sorted(o.status for o in outcomes) == sorted([PASS, PASS, ERROR])
    bound = next(o for o in outcomes if o.status == ERROR)
    assert bound.reason == f"{REGION} holds more than 2 user pools; only the first 2 were read and judged"


# --- app clients -----------------------------------------------------------------------------------------------------

EXISTENCE = "aws.cognito.app_client_prevents_user_existence_errors"
REVOCATION = "aws.cognito.app_client_token_revocation_enabled"


def _app_client(endpoint: str, pool_arn: str, name: str, **settings: Any) -> str:
    """Create app client ``name`` in the pool (create_user_pool_client's own ``settings``) and return its id."""
    created = aws(endpoint, "cognito-idp").create_user_pool_client(
        UserPoolId=pool_arn.rsplit("/", 1)[-1], ClientName=name, **settings
    )
    return str(created["UserPoolClient"]["ClientId"])


def test_app_clients_pass_when_they_hide_who_exists_and_can_revoke_tokens(moto_reset: str) -> None:
    # given a pool with a hardened client and one left at the API's defaults (LEGACY errors), and a client with
    # token revocation turned off
    pool = _user_pool(moto_reset, "customers")
    hardened = _app_client(moto_reset, pool, "web", PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=True)
    legacy = _app_client(moto_reset, pool, "mobile")
    lasting = _app_client(moto_reset, pool, "kiosk", PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=False)
    # when both checks run on one collection
    collected = collect(moto_reset, [EXISTENCE, REVOCATION])
    existence, revocation = run(collected, EXISTENCE), run(collected, REVOCATION)
    # then each client is judged on its own setting
    assert statuses(existence) == {hardened: PASS, legacy: FAIL, lasting: PASS}
    assert statuses(revocation) == {hardened: PASS, legacy: PASS, lasting: FAIL}
    reasons = {
        (check, o.resource_id): o.reason
        for check, found in ((EXISTENCE, existence), (REVOCATION, revocation))
        for o in found
    }
    assert reasons[(EXISTENCE, legacy)] == (
        "App client mobile of Cognito user pool customers tells an unknown user from a wrong password (LEGACY)"
    )
    assert reasons[(EXISTENCE, hardened)] == (
        "App client web of Cognito user pool customers answers an unknown user as a wrong password"
    )
    assert (
        reasons[(REVOCATION, lasting)]
        == "App client kiosk of Cognito user pool customers cannot revoke its refresh tokens"
    )
    # and each outcome names its pool
    assert {o.observed["user_pool"] for o in existence} == {pool}


def test_app_clients_that_cannot_be_read_are_an_error_and_older_inventories_are_not_judged(moto_reset: str) -> None:
    # given a pool with a client, and Cognito refusing to list the pool's clients
    pool = _user_pool(moto_reset, "customers")
    _app_client(moto_reset, pool, "web")
    refused = _collect_refusing(moto_reset, "cognito-identity-provider.ListUserPoolClients")
    # when the check runs
    outcome = only(run(refused, EXISTENCE))
    # then the pool is an error naming the refusal
    assert (outcome.resource_id, outcome.status) == (pool, ERROR)
    assert outcome.reason.startswith("Could not read the clients of Cognito user pool customers: ")
    assert "AccessDeniedException" in outcome.reason
    # and a pool collected before clients were read yields nothing
    collected = collect(moto_reset, [EXISTENCE])
    for data in collected.data["cognito"]["regions"].values():
        for user_pool in data["user_pools"]:
            del user_pool["clients"]
    assert run(collected, EXISTENCE) == []


# --- who may sign up, and the WAF in front ---------------------------------------------------------------------------

SIGN_UP = "aws.cognito.user_pool_self_registration_disabled"
WAF = "aws.cognito.user_pool_waf_protected"


def _web_acl(endpoint: str, name: str) -> str:
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}
    created = aws(endpoint, "wafv2").create_web_acl(
        Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility
    )
    return str(created["Summary"]["ARN"])


def test_only_pools_open_to_sign_up_fail_and_only_pools_without_a_web_acl_fail(moto_reset: str) -> None:
    # given an invitation-only pool behind a web ACL, and a pool at Cognito's defaults (open sign-up, no web ACL)
    staff = _user_pool(moto_reset, "staff", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    public = _user_pool(moto_reset, "public")
    acl = _web_acl(moto_reset, "sign-in")
    aws(moto_reset, "wafv2").associate_web_acl(WebACLArn=acl, ResourceArn=staff)
    # when both checks run on one collection
    collected = collect(moto_reset, [SIGN_UP, WAF])
    sign_up, waf = run(collected, SIGN_UP), run(collected, WAF)
    # then the open pool fails each and the invitation-only pool behind the web ACL passes each, saying why
    assert statuses(sign_up) == {staff: PASS, public: FAIL}
    assert statuses(waf) == {staff: PASS, public: FAIL}
    reasons = {(cid, o.resource_id): o.reason for cid, found in ((SIGN_UP, sign_up), (WAF, waf)) for o in found}
    assert reasons[(SIGN_UP, staff)] == "Cognito user pool staff admits only the users an administrator creates"
    assert reasons[(SIGN_UP, public)] == "Cognito user pool public lets anyone sign up"
    assert reasons[(WAF, staff)] == "Cognito user pool staff is protected by web ACL sign-in"
    assert reasons[(WAF, public)] == "Cognito user pool public has no web ACL"
    assert next(o for o in waf if o.resource_id == staff).observed["web_acl"] == acl


def test_a_refused_web_acl_read_errors_that_check_alone_and_older_inventories_are_not_judged(moto_reset: str) -> None:
    # given an invitation-only pool, and WAF refusing to say which web ACL protects it
    pool = _user_pool(moto_reset, "staff", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    built = connector(moto_reset)
    refusal = answer([lambda: json_reply({"__type": "WAFNonexistentItemException", "Message": "no"}, status=400)])
    built.session.events.register("before-send.wafv2.GetWebACLForResource", refusal)
    refused = built.collect({"cognito"})
    # when both checks run
    outcome = only(run(refused, WAF))
    # then the WAF check is an error naming the pool, and the sign-up check still judges it
    assert (outcome.resource_id, outcome.status) == (pool, ERROR)
    assert outcome.reason.startswith("Could not read the web ACL of Cognito user pool staff: ")
    assert "WAFNonexistentItemException" in outcome.reason
    assert statuses(run(refused, SIGN_UP)) == {pool: PASS}
    # and a pool collected before either setting was read yields nothing for them
    for data in refused.data["cognito"]["regions"].values():
        for user_pool in data["user_pools"]:
            del user_pool["self_sign_up"], user_pool["web_acl_error"]
    assert run(refused, SIGN_UP) == run(refused, WAF) == []
