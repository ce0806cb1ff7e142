"""The Google Workspace account list for access reviews, from the fake Directory API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest_httpserver import HTTPServer

from integrations.providers.google_workspace.accounts import SOURCE
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check
from tests.integrations.google_workspace.support import DOMAIN, compliant_workspace, connector, serve

CHECK_ID = f"google_workspace.{REVOCATION_CHECK_SUFFIX}"


def collect(server: HTTPServer) -> Inventory:
    # given the compliant workspace: two super admins, a help desk admin, a user who never signed in,
    # a suspended and an archived user
    serve(server, compliant_workspace())
    inventory = connector(server).collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory


def by_id(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_users_admins_and_roles(httpserver: HTTPServer) -> None:
    # when the accounts of the collected workspace are extracted
    found = by_id(collect(httpserver))
    # then every user is listed by Google's user id, named by primary email
    assert sorted(found) == ["101", "102", "103", "104", "105", "106", "107"]
    assert {a.kind for a in found.values()} == {AccountKind.USER}
    assert (found["101"].name, found["101"].email) == (f"alice@{DOMAIN}", f"alice@{DOMAIN}")
    # and the admin roles held (and the super admin flag) are the privileges
    assert {k: a.privileges for k, a in found.items() if a.privileges} == {
        "101": ("_SEED_ADMIN_ROLE", "super_admin"),
        "102": ("_SEED_ADMIN_ROLE", "super_admin"),
        "103": ("_HELP_DESK_ADMIN_ROLE",),
        # through a group nested in the group the role is assigned to
        "105": ("_HELP_DESK_ADMIN_ROLE",),
    }
    assert {k for k, a in found.items() if a.admin} == {"101", "102", "103", "105"}


def test_suspension_and_last_login(httpserver: HTTPServer) -> None:
    # when the accounts of the collected workspace are extracted
    found = by_id(collect(httpserver))
    # then the suspended and the archived user have no access
    assert {k for k, a in found.items() if not a.active} == {"106", "107"}
    # and the last login is Google's, with the 1970 "never" left out
    now = datetime.now(UTC)
    dan = found["104"].last_activity
    assert dan is not None and timedelta(days=29) < now - dan < timedelta(days=31)
    assert found["105"].last_activity is None
    created = found["105"].created
    assert created is not None and timedelta(days=4) < now - created < timedelta(days=6)


def revoked(user_id: str, name: str) -> dict[str, str]:
    return {
        "id": user_id,
        "name": name,
        "reason": "access review Q4",
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
    }


def test_revocation_check(httpserver: HTTPServer) -> None:
    # given a review that revoked dan (still active), frank (suspended since) and a deleted user
    inventory = collect(httpserver)
    inventory.context["revoked_accounts"] = [
        revoked("104", "dan"),
        revoked("106", "frank"),
        revoked("999", "gone"),
    ]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o for o in check.run(inventory)}
    # then dan fails, frank and the deleted user pass
    assert {k: o.status for k, o in outcomes.items()} == {
        "104": OutcomeStatus.FAIL,
        "106": OutcomeStatus.PASS,
        "999": OutcomeStatus.PASS,
    }
    assert outcomes["104"].reason == "dan was revoked (access review Q4) but still has access"
    assert outcomes["106"].reason == "frank was revoked (access review Q4) and no longer has access"
