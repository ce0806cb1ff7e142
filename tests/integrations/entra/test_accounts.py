"""The Entra ID account list for access reviews, from the fake Microsoft Graph tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest_httpserver import HTTPServer

from integrations.providers.entra.accounts import SOURCE
from integrations.registry import REVOCATION_CHECK_SUFFIX, Account, AccountKind, Inventory, OutcomeStatus, get_check
from tests.integrations.entra.support import compliant_tenant, connector, group_member, guest_upn, serve, upn

CHECK_ID = f"entra.{REVOCATION_CHECK_SUFFIX}"


def collect(server: HTTPServer) -> tuple[Inventory, dict[str, str]]:
    """The compliant tenant collected through the connector, and each user's object id by first name."""
    # given two Global Administrators, a User Administrator, a disabled user and a guest
    state = compliant_tenant()
    serve(server, state)
    inventory = connector(server).collect(set(SOURCE.services))
    assert inventory.errors == {}
    return inventory, {str(u["displayName"]).lower(): str(u["id"]) for u in state.users}


def by_name(inventory: Inventory) -> dict[str, Account]:
    listed = SOURCE.accounts(inventory)
    assert listed is not None
    return {a.name: a for a in listed}


def test_users_guests_and_directory_roles(httpserver: HTTPServer) -> None:
    # when the accounts of the collected tenant are extracted
    inventory, ids = collect(httpserver)
    found = by_name(inventory)
    # then every user is listed under its UPN and object id, the guest as a guest
    assert sorted(found) == sorted([upn("alice"), upn("bob"), upn("carol"), upn("dan"), guest_upn("gina")])
    assert {a.name: a.id for a in found.values()} == {
        upn("alice"): ids["alice"],
        upn("bob"): ids["bob"],
        upn("carol"): ids["carol"],
        upn("dan"): ids["dan"],
        guest_upn("gina"): ids["gina"],
    }
    assert {a.name for a in found.values() if a.kind == AccountKind.GUEST} == {guest_upn("gina")}
    # and the directory roles held are the privileges, their holders admins
    assert {k: a.privileges for k, a in found.items() if a.privileges} == {
        upn("alice"): ("Global Administrator",),
        upn("bob"): ("Global Administrator",),
        upn("carol"): ("User Administrator",),
    }
    assert {k for k, a in found.items() if a.admin} == {upn("alice"), upn("bob"), upn("carol")}


def test_enabled_and_last_sign_in(httpserver: HTTPServer) -> None:
    # when the accounts of the collected tenant are extracted
    inventory, _ = collect(httpserver)
    found = by_name(inventory)
    # then only the disabled user has no access
    assert {k for k, a in found.items() if not a.active} == {upn("dan")}
    # and the last sign-in is the latest of Graph's sign-in times (None for a user who never signed in)
    now = datetime.now(UTC)
    bob = found[upn("bob")].last_activity
    assert bob is not None and timedelta(days=29) < now - bob < timedelta(days=31)
    assert found[upn("carol")].last_activity is None
    created = found[upn("carol")].created
    assert created is not None and timedelta(days=9) < now - created < timedelta(days=11)


def test_group_memberships_and_roles_held_through_a_group(httpserver: HTTPServer) -> None:
    # given the compliant tenant's groups (Engineering: alice, bob, the guest gina and the nested Contractors group;
    # Contractors: dan; the role-assignable Helpdesk Admins: bob and dan), Helpdesk Admins holding User Administrator
    state = compliant_tenant()
    role, members = state.roles[1]
    state.roles[1] = (role, [*members, group_member("Helpdesk Admins")])
    serve(httpserver, state)
    inventory = connector(httpserver).collect({*SOURCE.services, "groups"})
    assert inventory.errors == {}
    # when the accounts are extracted
    found = by_name(inventory)
    # then the group's role is held by its members, and each user's direct groups follow the roles
    assert {k: a.privileges for k, a in found.items()} == {
        upn("alice"): ("Global Administrator", "group:Engineering"),
        upn("bob"): ("Global Administrator", "User Administrator", "group:Engineering", "group:Helpdesk Admins"),
        upn("carol"): ("User Administrator",),
        # dan is in Contractors, which is nested in Engineering: Engineering's access reaches him too
        upn("dan"): ("User Administrator", "group:Contractors", "group:Engineering", "group:Helpdesk Admins"),
        guest_upn("gina"): ("group:Engineering",),
    }
    # and a role through a group makes an admin, a plain group does not
    assert {k for k, a in found.items() if a.admin} == {upn("alice"), upn("bob"), upn("carol"), upn("dan")}


def test_groups_that_cannot_be_read_leave_the_account_list_without_them(httpserver: HTTPServer) -> None:
    # given an app without GroupMember.Read.All, and a role held through a group
    state = compliant_tenant()
    role, members = state.roles[1]
    state.roles[1] = (role, [*members, group_member("Helpdesk Admins")])
    denied = (403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    state.errors["/v1.0/groups"] = denied
    state.errors["/v1.0/groups/grp-Helpdesk Admins/members"] = denied
    serve(httpserver, state)
    # when users, roles and groups are collected
    inventory = connector(httpserver).collect({*SOURCE.services, "groups"})
    # then only the groups failed, naming the permission
    assert set(inventory.errors) == {"groups"}
    assert "GroupMember.Read.All" in inventory.errors["groups"]
    # and every user is still listed, with the roles held directly only
    found = by_name(inventory)
    assert len(found) == 5
    assert {k: a.privileges for k, a in found.items() if a.privileges} == {
        upn("alice"): ("Global Administrator",),
        upn("bob"): ("Global Administrator",),
        upn("carol"): ("User Administrator",),
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
    # given a review that revoked the guest (still enabled), dan (disabled since) and a deleted user
    inventory, ids = collect(httpserver)
    gone = "00000000-0000-4000-8000-000000000999"
    inventory.context["revoked_accounts"] = [
        revoked(ids["gina"], "gina"),
        revoked(ids["dan"], "dan"),
        revoked(gone, "gone"),
    ]
    check = get_check(CHECK_ID)
    assert check is not None
    # when the revocation check runs
    outcomes = {o.resource_id: o for o in check.run(inventory)}
    # then the guest fails, dan and the deleted user pass
    assert {k: o.status for k, o in outcomes.items()} == {
        ids["gina"]: OutcomeStatus.FAIL,
        ids["dan"]: OutcomeStatus.PASS,
        gone: OutcomeStatus.PASS,
    }
    assert outcomes[ids["gina"]].reason == "gina was revoked (access review Q4) but still has access"
    assert outcomes[ids["dan"]].observed["present"] is True
    assert outcomes[gone].observed["present"] is False
