"""The GitHub account list for access reviews (owners, members, outside collaborators), from the fake organisation."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from integrations.providers.github.accounts import SOURCE
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check
from tests.integrations.github.support import connector, noncompliant_org, serve

CHECK_ID = f"github.{REVOCATION_CHECK_SUFFIX}"


def collect(server: HTTPServer) -> Inventory:
    # given the non-compliant organisation (six owners; outside collaborators on two repositories)
    serve(server, noncompliant_org(server.url_for("").rstrip("/")))
    inventory = connector(server).collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory


def by_id(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.id: a for a in listed}


def test_owners_are_admin_members(httpserver: HTTPServer) -> None:
    # when the accounts of the collected organisation are extracted
    found = by_id(collect(httpserver))
    # then each owner is an admin member holding org:admin
    members = {k: a for k, a in found.items() if a.kind == AccountKind.MEMBER}
    owners = {k: a for k, a in members.items() if "org:admin" in a.privileges}
    assert sorted(owners) == ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert {(a.privileges, a.admin, a.active) for a in owners.values()} == {(("org:admin",), True, True)}
    # and the members without the owner role are listed too (ids lowercased, names as GitHub spells them)
    plain = {k: (a.name, a.privileges, a.admin) for k, a in members.items() if k not in owners}
    assert plain == {
        "grace": ("Grace", ("org:member",), False),
        "heidi": ("heidi", ("org:member",), False),
        "ivan": ("ivan", ("org:member",), False),
    }


def test_outside_collaborators_list_their_repositories_and_roles(httpserver: HTTPServer) -> None:
    # when the accounts of the collected organisation are extracted
    found = by_id(collect(httpserver))
    # then each outside collaborator is listed once, with every repository and role it holds
    outside = {k: a for k, a in found.items() if a.kind == AccountKind.OUTSIDE_COLLABORATOR}
    assert {k: a.privileges for k, a in outside.items()} == {
        "contractor": ("acme/api:admin",),
        "auditor": ("acme/api:read",),
        "agency": ("acme/site:admin",),
    }
    # and those with admin on a repository are marked admin
    assert {k for k, a in outside.items() if a.admin} == {"contractor", "agency"}
    # and nothing is known of their last activity
    assert all(a.last_activity is None for a in found.values())


def revoked(account_id: str) -> dict[str, str]:
    return {
        "id": account_id,
        "name": account_id,
        "reason": "access review Q4",
        "revoked_by": "a@example.com",
        "revoked_at": "2026-12-01T00:00:00Z",
    }


def test_revocation_check(httpserver: HTTPServer) -> None:
    # given a review that revoked an outside collaborator still there, and one who is gone
    inventory = collect(httpserver)
    inventory.context["revoked_accounts"] = [revoked("agency"), revoked("former-contractor")]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o for o in check.run(inventory)}
    # then the one still present fails and the one gone passes
    assert {k: o.status for k, o in outcomes.items()} == {
        "agency": OutcomeStatus.FAIL,
        "former-contractor": OutcomeStatus.PASS,
    }
    assert outcomes["agency"].reason == "agency was revoked (access review Q4) but still has access"
    assert outcomes["former-contractor"].observed["present"] is False
    assert check.requires == ("members", "collaborators")
