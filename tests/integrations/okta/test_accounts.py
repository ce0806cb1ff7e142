"""The Okta account list for access reviews, from the fake org served like Okta's Management API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest_httpserver import HTTPServer

from integrations.providers.okta.accounts import SOURCE
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check
from tests.integrations.okta.support import DOMAIN, base_url, compliant_org, connector, okta_error, serve

CHECK_ID = f"okta.{REVOCATION_CHECK_SUFFIX}"


def collect(server: HTTPServer) -> Inventory:
    # given the compliant org: three admins, a user whose password expired, one suspended and one deprovisioned
    serve(server, compliant_org(base_url(server)))
    inventory = connector(server).collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory


def by_id(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_every_user_is_listed_with_admin_roles(httpserver: HTTPServer) -> None:
    # when the accounts of the collected org are extracted
    found = by_id(collect(httpserver))
    # then every user is listed by Okta id, the deprovisioned included
    assert sorted(found) == ["00ualice", "00ubob", "00ucarol", "00udave", "00uerin", "00ufrank"]
    assert {a.kind for a in found.values()} == {AccountKind.USER}
    alice = found["00ualice"]
    assert (alice.name, alice.email) == (f"alice@{DOMAIN}", f"alice@{DOMAIN}")
    # and the admin roles, direct or through a group, are the privileges
    assert {k: a.privileges for k, a in found.items() if a.privileges} == {
        "00ualice": ("SUPER_ADMIN",),
        "00ubob": ("ORG_ADMIN", "SUPER_ADMIN"),
        "00ucarol": ("HELP_DESK_ADMIN",),
    }
    assert {k for k, a in found.items() if a.admin} == {"00ualice", "00ubob", "00ucarol"}


def test_status_and_last_sign_in(httpserver: HTTPServer) -> None:
    # when the accounts of the collected org are extracted
    found = by_id(collect(httpserver))
    # then the suspended and deprovisioned users have no access; the one with an expired password still has
    assert {k: a.active for k, a in found.items()} == {
        "00ualice": True,
        "00ubob": True,
        "00ucarol": True,
        "00ufrank": True,
        "00uerin": False,
        "00udave": False,
    }
    # and the last sign-in is Okta's lastLogin (None for a user who never signed in)
    now = datetime.now(UTC)
    bob = found["00ubob"].last_activity
    assert bob is not None and timedelta(days=29) < now - bob < timedelta(days=31)
    assert found["00ucarol"].last_activity is None
    created = found["00ucarol"].created
    assert created is not None and timedelta(days=9) < now - created < timedelta(days=11)


def test_group_memberships_are_privileges_too(httpserver: HTTPServer) -> None:
    # given the compliant org's groups: Engineering (alice, bob, carol over two pages), Salesforce Users (alice and
    # the deprovisioned dave), Finance (an app group: frank) and the built-in Everyone
    serve(httpserver, compliant_org(base_url(httpserver)))
    inventory = connector(httpserver).collect({*SOURCE.services, "groups"})
    assert inventory.errors == {}
    # when the accounts are extracted
    found = by_id(inventory)
    # then each user's groups follow the admin roles, and Everyone is nobody's privilege
    assert {k: a.privileges for k, a in found.items()} == {
        "00ualice": ("SUPER_ADMIN", "group:Engineering", "group:Salesforce Users"),
        "00ubob": ("ORG_ADMIN", "SUPER_ADMIN", "group:Engineering"),
        "00ucarol": ("HELP_DESK_ADMIN", "group:Engineering"),
        "00udave": ("group:Salesforce Users",),
        "00uerin": (),
        "00ufrank": ("group:Finance",),
    }
    # and a group makes nobody an admin
    assert {k for k, a in found.items() if a.admin} == {"00ualice", "00ubob", "00ucarol"}


def test_groups_that_cannot_be_read_leave_the_account_list_without_them(httpserver: HTTPServer) -> None:
    # given a token that may not list groups
    state = compliant_org(base_url(httpserver))
    state.errors["/api/v1/groups"] = (
        403,
        okta_error("E0000006", "You do not have permission to perform the requested action"),
    )
    serve(httpserver, state)
    # when users, admins and groups are collected
    inventory = connector(httpserver).collect({*SOURCE.services, "groups"})
    # then only the groups failed
    assert set(inventory.errors) == {"groups"}
    assert "lacks permission to read the groups and their members" in inventory.errors["groups"]
    # and every user is still listed, with the admin roles only
    found = by_id(inventory)
    assert sorted(found) == ["00ualice", "00ubob", "00ucarol", "00udave", "00uerin", "00ufrank"]
    assert {k: a.privileges for k, a in found.items() if a.privileges} == {
        "00ualice": ("SUPER_ADMIN",),
        "00ubob": ("ORG_ADMIN", "SUPER_ADMIN"),
        "00ucarol": ("HELP_DESK_ADMIN",),
    }


def revoked(user_id: str, name: str) -> dict[str, str]:
    return {
        "id": user_id,
        "name": name,
        "reason": "access review Q4",
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
    }


def test_revocation_check(httpserver: HTTPServer) -> None:
    # given a review that revoked bob (still active), erin (suspended since) and a user deleted from the org
    inventory = collect(httpserver)
    inventory.context["revoked_accounts"] = [
        revoked("00ubob", "bob"),
        revoked("00uerin", "erin"),
        revoked("00ugone", "gone"),
    ]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o for o in check.run(inventory)}
    # then bob fails, and the suspended and the deleted user pass
    assert {k: o.status for k, o in outcomes.items()} == {
        "00ubob": OutcomeStatus.FAIL,
        "00uerin": OutcomeStatus.PASS,
        "00ugone": OutcomeStatus.PASS,
    }
    assert outcomes["00ubob"].reason == "bob was revoked (access review Q4) but still has access"
    assert outcomes["00uerin"].observed["present"] is True
    assert outcomes["00ugone"].observed["present"] is False
