"""Every Entra ID check against a compliant and a non-compliant tenant served like Microsoft Graph."""

from __future__ import annotations

import pytest

from integrations.registry import REVOCATION_CHECK_SUFFIX, Inventory, all_checks
from tests.integrations.entra.support import (
    ERROR,
    FAIL,
    PASS,
    TENANT_ID,
    collect,
    compliant_tenant,
    get,
    guest_upn,
    noncompliant_tenant,
    serve,
    statuses,
    upn,
)

T = TENANT_ID
POLICY = f"{TENANT_ID}/authorizationPolicy"

# check id -> (outcomes for the compliant tenant, outcomes for the non-compliant one)
EXPECTED = {
    "entra.users.mfa_registered": (
        {upn("alice"): PASS, upn("bob"): PASS, upn("carol"): PASS},
        {upn("alice"): FAIL, upn("bob"): PASS, upn("erin"): FAIL},
    ),
    "entra.admins.mfa_registered": (
        {upn("alice"): PASS, upn("bob"): PASS, upn("carol"): PASS},
        {upn("alice"): FAIL, guest_upn("gus"): PASS},
    ),
    "entra.admins.global_admin_count": ({T: PASS}, {T: FAIL}),
    "entra.guests.no_admin_roles": (
        {guest_upn("gina"): PASS},
        {guest_upn("gus"): FAIL, guest_upn("helen"): PASS},
    ),
    "entra.users.inactive_disabled": (
        {upn("alice"): PASS, upn("bob"): PASS},
        {upn("alice"): PASS, upn("bob"): FAIL},
    ),
    "entra.guests.inactive_disabled": ({guest_upn("gina"): PASS}, {guest_upn("gus"): FAIL}),
    "entra.users.never_signed_in": (
        {upn("alice"): PASS, upn("bob"): PASS, upn("carol"): PASS, guest_upn("gina"): PASS},
        {upn("alice"): PASS, upn("bob"): PASS, upn("erin"): FAIL, guest_upn("gus"): PASS, guest_upn("helen"): FAIL},
    ),
    "entra.conditional_access.mfa_all_users": ({T: PASS}, {T: FAIL}),
    "entra.conditional_access.mfa_admins": ({T: PASS}, {T: FAIL}),
    "entra.conditional_access.legacy_auth_blocked": ({T: PASS}, {T: FAIL}),
    "entra.conditional_access.sign_in_risk_policy": ({T: PASS}, {T: FAIL}),
    "entra.conditional_access.user_risk_policy": ({T: PASS}, {T: FAIL}),
    "entra.authorization.guest_invites_restricted": ({POLICY: PASS}, {POLICY: FAIL}),
    "entra.authorization.guest_role_restricted": ({POLICY: PASS}, {POLICY: FAIL}),
    "entra.authorization.users_cannot_register_apps": ({POLICY: PASS}, {POLICY: FAIL}),
}


def test_every_registered_entra_check_is_covered_here():
    # given the registry
    # The access-review revocation check judges nothing without a review (test_accounts.py covers it).
    registered = {c.id for c in all_checks("entra") if not c.id.endswith(REVOCATION_CHECK_SUFFIX)}
    # then each Entra check has expectations above, and there are at least 12
    assert registered == set(EXPECTED)
    assert len(registered) >= 12


def test_every_check_explains_itself():
    for check in all_checks("entra"):
        assert check.id.startswith("entra.") and check.id.count(".") == 2
        assert check.title and check.rationale and check.remediation
        assert check.resource_type.startswith("Entra::")


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_compliant_tenant_passes(httpserver, check_id):
    # given a tenant that follows every recommendation
    serve(httpserver, compliant_tenant())
    # when the check's services are collected through the client and the check runs
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then every resource passes, with a reason
    assert inventory.errors == {}
    assert statuses(outcomes) == EXPECTED[check_id][0]
    assert all(o.reason for o in outcomes)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_noncompliant_tenant_fails(httpserver, check_id):
    # given a tenant that breaks the recommendation somewhere
    serve(httpserver, noncompliant_tenant())
    # when collected and evaluated
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then exactly the offending resources fail
    assert inventory.errors == {}
    assert statuses(outcomes) == EXPECTED[check_id][1]
    assert all(o.reason for o in outcomes)


def test_failure_reasons_and_observed_values_say_what_is_wrong(httpserver):
    # given the non-compliant tenant, every service collected
    serve(httpserver, noncompliant_tenant())
    inventory = collect(httpserver, list(EXPECTED))

    def outcome(check_id, resource_id):
        return next(o for o in get(check_id).run(inventory) if o.resource_id == resource_id)

    # when reading failing outcomes
    # then each names the resource and what was observed
    assert outcome("entra.users.mfa_registered", upn("alice")).reason == (
        f"User {upn('alice')} has no MFA method registered (only email)"
    )
    assert outcome("entra.admins.mfa_registered", upn("alice")).observed["roles"] == ["Global Administrator"]
    assert outcome("entra.admins.global_admin_count", T).observed == {
        "global_admins": [upn("alice")],
        "groups": [],
        "minimum": 2,
        "maximum": 4,
    }
    assert (
        outcome("entra.guests.no_admin_roles", guest_upn("gus")).reason
        == f"Guest {guest_upn('gus')} holds Global Reader"
    )
    assert outcome("entra.users.inactive_disabled", upn("bob")).reason == (
        f"{upn('bob')} last signed in 200 days ago (more than 90 days)"
    )
    assert outcome("entra.users.never_signed_in", guest_upn("helen")).reason == (
        f"The guest {guest_upn('helen')} has never signed in, 60 days after creation (more than 30 days)"
    )
    assert (
        "report-only, not enforced: 'Require MFA for all users'"
        in outcome("entra.conditional_access.mfa_all_users", T).reason
    )
    assert outcome("entra.conditional_access.legacy_auth_blocked", T).reason == (
        f"No enabled conditional access policy blocks legacy authentication in {T} and security defaults are off"
    )
    assert outcome("entra.authorization.guest_invites_restricted", POLICY).observed == {
        "allow_invites_from": "everyone"
    }
    assert outcome("entra.authorization.guest_role_restricted", POLICY).reason == (
        "Guests' access to the directory is the same access as members"
    )


def test_configuration_moves_the_thresholds(httpserver):
    # given the non-compliant tenant and an integration accepting 1 Global Administrator and a year of idleness
    serve(httpserver, noncompliant_tenant())
    ids = [
        "entra.admins.global_admin_count",
        "entra.users.inactive_disabled",
        "entra.guests.inactive_disabled",
        "entra.users.never_signed_in",
    ]
    # when collected and evaluated
    inventory = collect(
        httpserver, ids, min_global_admins=1, inactive_days=365, guest_inactive_days=365, never_signed_in_days=365
    )
    # then those checks pass
    for check_id in ids:
        assert set(statuses(get(check_id).run(inventory)).values()) == {PASS}, check_id


def test_security_defaults_stand_in_for_mfa_and_legacy_policies_but_not_for_risk(httpserver):
    # given a tenant without Entra ID P1: security defaults on, conditional access refused
    state = noncompliant_tenant()
    state.premium, state.security_defaults = False, True
    serve(httpserver, state)
    ids = [
        "entra.conditional_access.mfa_all_users",
        "entra.conditional_access.mfa_admins",
        "entra.conditional_access.legacy_auth_blocked",
        "entra.conditional_access.sign_in_risk_policy",
    ]
    # when collected and evaluated
    inventory = collect(httpserver, ids)
    # then the unreadable policies are noted, the MFA and legacy checks pass, and the risk check cannot pass
    assert inventory.errors == {}
    assert "Entra ID P1" in inventory.data["conditional_access"]["policies_unreadable"]
    for check_id in ids[:3]:
        assert statuses(get(check_id).run(inventory)) == {T: PASS}, check_id
    [risk] = get(ids[3]).run(inventory)
    assert risk.status == ERROR
    assert risk.reason.endswith("they need Entra ID P1, and security defaults do not cover this")


def test_without_sign_in_activity_the_idle_checks_are_unknown_not_passed(httpserver):
    # given a tenant without Entra ID P1, where Graph refuses signInActivity
    state = compliant_tenant()
    state.premium = False
    serve(httpserver, state)
    ids = ["entra.users.inactive_disabled", "entra.guests.inactive_disabled", "entra.users.never_signed_in"]
    # when collected
    inventory = collect(httpserver, ids)
    # then the users are still listed, without sign-in times, and each idle check is one error saying why
    assert inventory.errors == {}
    assert inventory.data["users"]["sign_in_activity"] is False
    assert len(inventory.data["users"]["users"]) == 5
    for check_id in ids:
        [outcome] = get(check_id).run(inventory)
        assert outcome.status == ERROR, check_id
        assert "no Microsoft Entra ID P1 licence" in outcome.reason


# --- hand-built inventories for shapes a live tenant rarely produces --------------------------------


def inventory(**data) -> Inventory:
    return Inventory(integration_type="entra", account_id=T, data=data)


def test_a_user_missing_from_the_registration_report_is_an_error():
    users = {"users": [{"id": "u1", "upn": "new@x", "enabled": True, "user_type": "Member"}]}
    [outcome] = get("entra.users.mfa_registered").run(inventory(users=users, registration={"users": {}}))
    assert outcome.status == ERROR


def test_global_admins_through_a_group_are_named():
    roles = {
        "roles": [
            {
                "id": "r",
                "display_name": "Global Administrator",
                "role_template_id": "62e90394-69f5-4237-9190-012177145e10",
                "members": [
                    {"id": "a", "kind": "user", "name": "a@x"},
                    {"id": "b", "kind": "user", "name": "b@x"},
                    {"id": "g", "kind": "group", "name": "Tier0 admins"},
                ],
            }
        ],
        "min_global_admins": 2,
        "max_global_admins": 4,
    }
    [outcome] = get("entra.admins.global_admin_count").run(inventory(roles=roles))
    assert outcome.status == PASS
    assert outcome.reason.endswith("; the role is also held through group Tier0 admins")


def test_an_unknown_guest_role_is_an_error_not_a_pass():
    policy = {"id": "authorizationPolicy", "guest_user_role_id": "11111111-1111-1111-1111-111111111111"}
    [outcome] = get("entra.authorization.guest_role_restricted").run(inventory(authorization_policy=policy))
    assert outcome.status == ERROR


def test_a_service_that_failed_to_collect_makes_its_checks_error():
    failed = Inventory(integration_type="entra", account_id=T, errors={"conditional_access": "403 Forbidden"})
    [outcome] = get("entra.conditional_access.mfa_all_users").run(failed)
    assert outcome.status == ERROR
    assert outcome.reason == "conditional_access: 403 Forbidden"
