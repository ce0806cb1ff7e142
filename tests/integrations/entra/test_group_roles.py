"""Directory roles held through a role-assignable group count for the role checks, and a group whose members the
app may not read is named by them instead of passed over."""

from __future__ import annotations

from tests.integrations.entra.support import (
    ERROR,
    FAIL,
    PASS,
    TENANT_ID,
    collect,
    compliant_tenant,
    get,
    group_member,
    group_object,
    guest_upn,
    member_object,
    serve,
    statuses,
)

DENIED = (403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def tenant_with_a_global_admin_group():
    """The compliant tenant, with the guest gina in a role-assignable group that holds Global Administrator."""
    state = compliant_tenant()
    gina = next(u for u in state.users if u["userPrincipalName"] == guest_upn("gina"))
    role, members = state.roles[0]
    state.roles[0] = (role, [*members, group_member("Tier0")])
    state.groups.append((group_object("Tier0", role_assignable=True), [member_object(gina)]))
    return state


def run(httpserver, check_id: str):
    inventory = collect(httpserver, [check_id])
    return inventory, list(get(check_id).run(inventory))


def test_a_guest_holding_a_role_through_a_group_fails_and_is_counted(httpserver):
    # given gina, a guest, in a group holding Global Administrator
    serve(httpserver, tenant_with_a_global_admin_group())
    # when
    _, guests = run(httpserver, "entra.guests.no_admin_roles")
    _, count = run(httpserver, "entra.admins.global_admin_count")
    # then the guest check fails for her, naming the role
    assert statuses(guests) == {guest_upn("gina"): FAIL}
    assert guests[0].observed["roles"] == ["Global Administrator"]
    # and she is the third Global Administrator (alice and bob hold it directly)
    (tenant,) = count
    assert tenant.status == PASS and len(tenant.observed["global_admins"]) == 3
    assert guest_upn("gina") in tenant.observed["global_admins"] and tenant.observed["groups"] == ["Tier0"]


def test_without_group_member_permission_the_role_checks_name_the_group(httpserver):
    # given an app that may not read the group's members
    state = tenant_with_a_global_admin_group()
    state.errors["/v1.0/groups/grp-Tier0/members"] = DENIED
    serve(httpserver, state)
    # when
    inventory, guests = run(httpserver, "entra.guests.no_admin_roles")
    _, count = run(httpserver, "entra.admins.global_admin_count")
    # then the roles were collected, and each check reports the group it could not judge, and what to grant
    assert inventory.errors == {}
    for outcomes in (guests, count):
        (unread,) = [o for o in outcomes if o.status == ERROR]
        assert (unread.resource_id, unread.resource_type) == ("Tier0", "Entra::Group")
        assert "Global Administrator" in unread.reason and "GroupMember.Read.All" in unread.reason
    # and what could be judged still is
    assert statuses([o for o in guests if o.status != ERROR]) == {guest_upn("gina"): PASS}
    assert [o.status for o in count if o.resource_id == TENANT_ID] == [PASS]
