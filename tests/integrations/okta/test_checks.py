"""Every Okta check against a compliant and a non-compliant org served like Okta's Management API."""

from __future__ import annotations

import pytest

from integrations.registry import REVOCATION_CHECK_SUFFIX, Inventory, all_checks
from tests.integrations.okta.support import (
    DOMAIN,
    ERROR,
    FAIL,
    PASS,
    base_url,
    collect,
    compliant_org,
    get,
    noncompliant_org,
    serve,
    statuses,
)

ORG = "org"  # stands for the org's resource id (its host), which depends on the fake server's port


def u(name: str) -> str:
    return f"{name}@{DOMAIN}"


SIGN_IN_PASS = {u("alice"): PASS, u("bob"): PASS, u("carol"): PASS, u("frank"): PASS}

# check id -> (outcomes for the compliant org, outcomes for the non-compliant one)
EXPECTED = {
    "okta.factors.users_mfa_enrolled": (
        SIGN_IN_PASS,
        {u("alice"): FAIL, u("bob"): PASS, u("greg"): PASS, u("henry"): PASS},
    ),
    "okta.admins.mfa_enrolled": (
        {u("alice"): PASS, u("bob"): PASS, u("carol"): PASS},
        {u("alice"): FAIL, u("bob"): PASS},
    ),
    "okta.admins.super_admin_count": ({ORG: PASS}, {ORG: FAIL}),
    "okta.users.inactive_users_deactivated": (
        SIGN_IN_PASS,
        {u("alice"): PASS, u("bob"): PASS, u("greg"): FAIL, u("henry"): PASS},
    ),
    "okta.users.not_stuck_locked_or_expired": (
        SIGN_IN_PASS,
        {u("alice"): PASS, u("bob"): PASS, u("greg"): PASS, u("henry"): FAIL},
    ),
    "okta.users.deprovisioned_without_app_access": ({u("dave"): PASS}, {u("dave"): FAIL, u("ivy"): PASS}),
    "okta.policies.mfa_enrollment_required": ({"00pEnroll": PASS}, {"00pEnroll": FAIL}),
    "okta.policies.password_min_length": ({"00pPassword": PASS}, {"00pPassword": FAIL}),
    "okta.policies.password_complexity": ({"00pPassword": PASS}, {"00pPassword": FAIL}),
    "okta.policies.password_history": ({"00pPassword": PASS}, {"00pPassword": FAIL}),
    "okta.policies.password_lockout": ({"00pPassword": PASS}, {"00pPassword": FAIL}),
    "okta.policies.session_lifetime_limited": ({"0prSession": PASS}, {"0prSession": FAIL}),
    "okta.policies.session_idle_timeout": ({"0prSession": PASS}, {"0prSession": FAIL}),
    "okta.apps.admin_console_requires_mfa": ({"0oaConsole": PASS}, {"0oaConsole": FAIL}),
    "okta.threat_insight.blocking": ({ORG: PASS}, {ORG: FAIL}),
    "okta.api_tokens.rotated": ({"00Tcw": PASS}, {"00Told": FAIL, "00Tnew": PASS}),
}


def expected(httpserver, outcomes):
    host = base_url(httpserver).split("://", 1)[1]
    return {host if k == ORG else k: v for k, v in outcomes.items()}


def test_every_registered_okta_check_is_covered_here():
    # given the registry
    # The access-review revocation check judges nothing without a review (test_accounts.py covers it).
    registered = {c.id for c in all_checks("okta") if not c.id.endswith(REVOCATION_CHECK_SUFFIX)}
    # then each Okta check has expectations above, and there are at least 12
    assert registered == set(EXPECTED)
    assert len(registered) >= 12


def test_every_check_explains_itself():
    for check in all_checks("okta"):
        assert check.id.startswith("okta.") and check.id.count(".") == 2
        assert check.title and check.rationale and check.remediation
        assert check.resource_type.startswith("Okta::")


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_compliant_org_passes(httpserver, check_id):
    # given an org that follows every recommendation
    serve(httpserver, compliant_org(base_url(httpserver)))
    # when the check's services are collected through the client and the check runs
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then every resource passes, with a reason
    assert inventory.errors == {}
    assert statuses(outcomes) == expected(httpserver, EXPECTED[check_id][0])
    assert all(o.reason for o in outcomes)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_noncompliant_org_fails(httpserver, check_id):
    # given an org that breaks the recommendation somewhere
    serve(httpserver, noncompliant_org(base_url(httpserver)))
    # when collected and evaluated
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then exactly the offending resources fail
    assert inventory.errors == {}
    assert statuses(outcomes) == expected(httpserver, EXPECTED[check_id][1])
    assert all(o.reason for o in outcomes)


def test_failure_reasons_and_observed_values_say_what_is_wrong(httpserver):
    # given the non-compliant org, every service collected
    serve(httpserver, noncompliant_org(base_url(httpserver)))
    inventory = collect(httpserver, list(EXPECTED))

    def outcome(check_id, resource_id):
        return next(o for o in get(check_id).run(inventory) if o.resource_id == resource_id)

    host = base_url(httpserver).split("://", 1)[1]
    # when reading failing outcomes
    # then each names the resource and what was observed
    assert outcome("okta.factors.users_mfa_enrolled", u("alice")).reason == f"{u('alice')} has no MFA factor enrolled"
    assert outcome("okta.admins.super_admin_count", host).observed == {
        "super_admins": [u("alice")],
        "minimum": 2,
        "maximum": 4,
    }
    assert outcome("okta.users.inactive_users_deactivated", u("greg")).reason.startswith(
        f"{u('greg')} last signed in 200 days ago (more than 90"
    )
    assert outcome("okta.users.not_stuck_locked_or_expired", u("henry")).reason == (
        f"{u('henry')} has been LOCKED_OUT for 60 days (more than 30 days)"
    )
    assert outcome("okta.users.deprovisioned_without_app_access", u("dave")).observed == {
        "apps": ["Salesforce", "Slack"]
    }
    assert outcome("okta.policies.password_min_length", "00pPassword").observed["min_length"] == 8
    assert "does not block common passwords" in outcome("okta.policies.password_complexity", "00pPassword").reason
    assert "never locks an account" in outcome("okta.policies.password_lockout", "00pPassword").reason
    lifetime = outcome("okta.policies.session_lifetime_limited", "0prSession")
    assert lifetime.reason == (
        "The global session rule 'Default Rule' of policy 'Default Policy' sets no session lifetime limit "
        "and keeps them in a persistent cookie"
    )
    assert outcome("okta.apps.admin_console_requires_mfa", "0oaConsole").observed["one_factor_rules"] == ["Admins"]
    assert outcome("okta.threat_insight.blocking", host).observed["action"] == "audit"
    assert outcome("okta.api_tokens.rotated", "00Told").observed["age_days"] == 200
    # and the denying session rule is not judged at all
    assert "0prBlocked" not in {o.resource_id for o in get("okta.policies.session_idle_timeout").run(inventory)}


def test_configuration_moves_the_thresholds(httpserver):
    # given the non-compliant org and an integration accepting 1 super admin, 365 idle days and 365-day tokens
    serve(httpserver, noncompliant_org(base_url(httpserver)))
    ids = ["okta.admins.super_admin_count", "okta.users.inactive_users_deactivated", "okta.api_tokens.rotated"]
    # when collected and evaluated
    inventory = collect(httpserver, ids, min_super_admins=1, inactive_days=365, max_token_age_days=365)
    # then those checks pass
    for check_id in ids:
        assert set(statuses(get(check_id).run(inventory)).values()) == {PASS}, check_id


# --- hand-built inventories for shapes a live org rarely produces --------------------------------


def inventory(**data) -> Inventory:
    return Inventory(integration_type="okta", account_id="acme.okta.com", data=data)


def test_classic_engine_factors_count_for_enrolment():
    # given a Classic Engine enrolment policy requiring Okta Verify (settings.factors)
    policy = {
        "id": "00pClassic",
        "name": "Classic",
        "status": "ACTIVE",
        "settings": {
            "factors": {"okta_otp": {"enroll": {"self": "REQUIRED"}}, "okta_question": {"enroll": {"self": "REQUIRED"}}}
        },
        "rules": [{"id": "r", "status": "ACTIVE", "actions": {"enroll": {"self": "LOGIN"}}}],
    }
    # when the enrolment check runs
    [outcome] = get("okta.policies.mfa_enrollment_required").run(
        inventory(policies={"by_type": {"MFA_ENROLL": [policy]}, "unsupported": []})
    )
    # then the OTP counts and the security question does not
    assert outcome.status == PASS
    assert outcome.observed["required"] == ["okta_otp"]


def test_an_enrolment_policy_whose_rules_never_prompt_fails():
    policy = {
        "id": "00pNever",
        "name": "Never",
        "status": "ACTIVE",
        "settings": {"authenticators": [{"key": "okta_verify", "enroll": {"self": "REQUIRED"}}]},
        "rules": [{"id": "r", "status": "ACTIVE", "actions": {"enroll": {"self": "NEVER"}}}],
    }
    [outcome] = get("okta.policies.mfa_enrollment_required").run(
        inventory(policies={"by_type": {"MFA_ENROLL": [policy]}, "unsupported": []})
    )
    assert outcome.status == FAIL
    assert "no active rule prompts to enrol" in outcome.reason


def test_admin_console_on_classic_engine_is_an_error_not_a_pass():
    apps = {"apps": [{"id": "0oaC", "name": "saasure", "access_policy_id": None}], "deprovisioned_assignments": {}}
    [outcome] = get("okta.apps.admin_console_requires_mfa").run(
        inventory(apps=apps, policies={"by_type": {}, "unsupported": ["ACCESS_POLICY"]})
    )
    assert outcome.status == ERROR
    assert "Classic Engine" in outcome.reason


def test_a_user_whose_factors_were_not_collected_is_an_error():
    users = {"users": [{"id": "00u1", "login": "x@y", "status": "ACTIVE"}], "inactive_days": 90, "stuck_days": 30}
    [outcome] = get("okta.factors.users_mfa_enrolled").run(inventory(users=users, factors={"users": {}}))
    assert outcome.status == ERROR


def test_a_service_that_failed_to_collect_makes_its_checks_error():
    failed = Inventory(integration_type="okta", account_id="acme.okta.com", errors={"policies": "403 Forbidden"})
    [outcome] = get("okta.policies.password_lockout").run(failed)
    assert outcome.status == ERROR
    assert outcome.reason == "policies: 403 Forbidden"
