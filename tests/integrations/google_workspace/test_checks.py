"""Every Google Workspace check against a compliant and a non-compliant account served like the Admin SDK."""

from __future__ import annotations

import pytest

from integrations.registry import REVOCATION_CHECK_SUFFIX, Inventory, all_checks
from tests.integrations.google_workspace.support import (
    BACKUP_CLIENT,
    DOMAIN,
    ERROR,
    FAIL,
    MAIL_MERGE,
    PASS,
    SCRIPT,
    SLACK,
    collect,
    compliant_workspace,
    get,
    noncompliant_workspace,
    serve,
    statuses,
)


def u(name: str) -> str:
    return f"{name}@{DOMAIN}"


ACTIVE_PASS = {u(n): PASS for n in ("alice", "bob", "carol", "dan", "erin")}
# erin holds the help desk role through a group nested in the one it is assigned to
ADMINS_PASS = {u("alice"): PASS, u("bob"): PASS, u("carol"): PASS, u("erin"): PASS}
LEAVERS_PASS = {u("frank"): PASS, u("gina"): PASS}
MAIL, SLACK_ID, ANON = MAIL_MERGE["clientId"], SLACK["clientId"], SCRIPT["clientId"]

# check id -> (outcomes for the compliant account, outcomes for the non-compliant one)
EXPECTED = {
    "google_workspace.users.enrolled_in_2sv": (
        ACTIVE_PASS,
        {u("alice"): FAIL, u("bob"): FAIL, u("dan"): PASS, u("erin"): PASS},
    ),
    "google_workspace.users.2sv_enforced": (
        ACTIVE_PASS,
        {u("alice"): FAIL, u("bob"): FAIL, u("dan"): FAIL, u("erin"): PASS},
    ),
    "google_workspace.users.inactive_users_suspended": (
        ACTIVE_PASS,
        {u("alice"): PASS, u("bob"): PASS, u("dan"): FAIL, u("erin"): FAIL},
    ),
    "google_workspace.users.never_signed_in": (
        ACTIVE_PASS,
        {u("alice"): PASS, u("bob"): PASS, u("dan"): PASS, u("erin"): FAIL},
    ),
    "google_workspace.admins.super_admin_count": ({DOMAIN: PASS}, {DOMAIN: FAIL}),
    "google_workspace.admins.super_admins_2sv": ({u("alice"): PASS, u("bob"): PASS}, {u("alice"): FAIL}),
    "google_workspace.admins.delegated_admins_2sv": ({u("carol"): PASS, u("erin"): PASS}, {u("bob"): FAIL}),
    "google_workspace.admins.2sv_enforced": (ADMINS_PASS, {u("alice"): FAIL, u("bob"): FAIL}),
    "google_workspace.admins.no_dormant_admins": (ADMINS_PASS, {u("alice"): PASS, u("bob"): FAIL}),
    "google_workspace.admins.suspended_without_roles": (LEAVERS_PASS, {u("frank"): FAIL, u("gina"): PASS}),
    "google_workspace.tokens.broad_scopes_reviewed": (
        {BACKUP_CLIENT: PASS, SLACK_ID: PASS},
        {MAIL: FAIL, BACKUP_CLIENT: PASS, ANON: PASS},
    ),
    "google_workspace.tokens.no_unregistered_apps": (
        {BACKUP_CLIENT: PASS, SLACK_ID: PASS},
        {MAIL: PASS, BACKUP_CLIENT: PASS, ANON: FAIL},
    ),
    "google_workspace.tokens.admins_without_untrusted_grants": (ADMINS_PASS, {u("alice"): FAIL, u("bob"): PASS}),
    "google_workspace.tokens.suspended_users_without_grants": (LEAVERS_PASS, {u("frank"): FAIL, u("gina"): PASS}),
}


def test_every_registered_check_is_covered_here():
    # The access-review revocation check judges nothing without a review (test_accounts.py covers it).
    registered = {c.id for c in all_checks("google_workspace") if not c.id.endswith(REVOCATION_CHECK_SUFFIX)}
    assert registered == set(EXPECTED)
    assert len(registered) >= 12


def test_every_check_explains_itself():
    for check in all_checks("google_workspace"):
        assert check.id.startswith("google_workspace.") and check.id.count(".") == 2
        assert check.title and check.rationale and check.remediation
        assert check.resource_type.startswith("GoogleWorkspace::")


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_compliant_account_passes(httpserver, check_id):
    # given an account that follows every recommendation
    serve(httpserver, compliant_workspace())
    # when the check's services are collected through the client and the check runs
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then every resource passes, with a reason
    assert inventory.errors == {}
    assert statuses(outcomes) == EXPECTED[check_id][0]
    assert all(o.reason for o in outcomes)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_noncompliant_account_fails(httpserver, check_id):
    # given an account that breaks the recommendation somewhere
    serve(httpserver, noncompliant_workspace())
    # when collected and evaluated
    inventory = collect(httpserver, [check_id])
    outcomes = get(check_id).run(inventory)
    # then exactly the offending resources fail
    assert inventory.errors == {}
    assert statuses(outcomes) == EXPECTED[check_id][1]
    assert all(o.reason for o in outcomes)


def test_failure_reasons_and_observed_values_say_what_is_wrong(httpserver):
    # given the non-compliant account, every service collected
    serve(httpserver, noncompliant_workspace())
    inventory = collect(httpserver, list(EXPECTED))

    def outcome(check_id, resource_id):
        return next(o for o in get(check_id).run(inventory) if o.resource_id == resource_id)

    # when reading failing outcomes
    # then each names the resource and what was observed
    assert outcome("google_workspace.users.enrolled_in_2sv", u("alice")).reason == (
        f"{u('alice')} is not enrolled in 2-Step Verification"
    )
    assert outcome("google_workspace.users.2sv_enforced", u("dan")).reason == (
        f"2-Step Verification is not enforced for {u('dan')} (organisational unit /Staff)"
    )
    assert outcome("google_workspace.users.inactive_users_suspended", u("dan")).reason.startswith(
        f"{u('dan')} last signed in 200 days ago (more than 90"
    )
    assert outcome("google_workspace.users.never_signed_in", u("erin")).observed["days"] == 100
    assert outcome("google_workspace.admins.super_admin_count", DOMAIN).observed == {
        "super_admins": [u("alice")],
        "minimum": 2,
        "maximum": 4,
    }
    assert outcome("google_workspace.admins.delegated_admins_2sv", u("bob")).observed["roles"] == [
        "_USER_MANAGEMENT_ADMIN_ROLE"
    ]
    assert outcome("google_workspace.admins.no_dormant_admins", u("bob")).reason.endswith("(more than 30 days)")
    assert outcome("google_workspace.admins.suspended_without_roles", u("frank")).reason == (
        f"Suspended user {u('frank')} still holds _HELP_DESK_ADMIN_ROLE"
    )
    broad = outcome("google_workspace.tokens.broad_scopes_reviewed", MAIL)
    assert broad.observed == {
        "app": "Mail Merge Pro",
        "broad_scopes": ["https://mail.google.com/"],
        "users": [u("alice")],
    }
    assert outcome("google_workspace.tokens.no_unregistered_apps", ANON).observed["users"] == [u("dan")]
    assert outcome("google_workspace.tokens.admins_without_untrusted_grants", u("alice")).observed["apps"] == [
        "Mail Merge Pro"
    ]
    assert outcome("google_workspace.tokens.suspended_users_without_grants", u("frank")).observed["apps"] == ["Slack"]


def test_configuration_moves_the_thresholds(httpserver):
    # given the non-compliant account and an integration accepting 1 super admin, 365 idle days, 90 dormant admin
    # days, 120 days unused after creation and the mail merge app reviewed
    serve(httpserver, noncompliant_workspace())
    ids = [
        "google_workspace.admins.super_admin_count",
        "google_workspace.users.inactive_users_suspended",
        "google_workspace.admins.no_dormant_admins",
        "google_workspace.users.never_signed_in",
        "google_workspace.tokens.broad_scopes_reviewed",
    ]
    # when collected and evaluated
    inventory = collect(
        httpserver,
        ids,
        min_super_admins=1,
        inactive_days=365,
        admin_inactive_days=90,
        never_signed_in_days=120,
        trusted_clients=[MAIL, BACKUP_CLIENT],
    )
    # then those checks pass
    for check_id in ids:
        assert set(statuses(get(check_id).run(inventory)).values()) == {PASS}, check_id


# --- hand-built inventories for shapes a live account rarely produces ------------------------------------


def inventory(**data) -> Inventory:
    return Inventory(integration_type="google_workspace", account_id=DOMAIN, data=data)


def test_a_super_admin_known_only_from_a_role_assignment_counts():
    # given a user whose isAdmin flag is false but who holds the super admin role
    users = {"users": [_user("9", "zoe@x", is_admin=False)], "collected_at": "2026-01-01T00:00:00+00:00"}
    admins = {
        "roles": [{"id": "r", "name": "_SEED_ADMIN_ROLE", "is_super_admin": True}],
        "assignments": [{"id": "a", "role_id": "r", "assigned_to": "9", "assignee_type": "user", "scope_type": "C"}],
        "min_super_admins": 1,
        "max_super_admins": 4,
    }
    # when the super admin checks run
    [count] = get("google_workspace.admins.super_admin_count").run(inventory(users=users, admins=admins))
    [two_sv] = get("google_workspace.admins.super_admins_2sv").run(inventory(users=users, admins=admins))
    # then the user is a super admin
    assert count.status == PASS and count.observed["super_admins"] == ["zoe@x"]
    assert two_sv.resource_id == "zoe@x"


def test_a_user_without_any_time_is_an_error():
    users = {"users": [_user("9", "zoe@x", created=None)], "inactive_days": 90}
    [outcome] = get("google_workspace.users.inactive_users_suspended").run(inventory(users=users))
    assert outcome.status == ERROR


def test_a_service_that_failed_to_collect_makes_its_checks_error():
    failed = Inventory(integration_type="google_workspace", account_id=DOMAIN, errors={"tokens": "403 Forbidden"})
    [outcome] = get("google_workspace.tokens.no_unregistered_apps").run(failed)
    assert outcome.status == ERROR
    assert outcome.reason == "tokens: 403 Forbidden"


def _user(user_id: str, email: str, *, is_admin: bool = False, created: str | None = "2025-01-01T00:00:00.000Z"):
    return {
        "id": user_id,
        "email": email,
        "is_admin": is_admin,
        "is_delegated_admin": False,
        "suspended": False,
        "archived": False,
        "enrolled_2sv": True,
        "enforced_2sv": True,
        "last_login": None,
        "created": created,
        "org_unit": "/",
    }
