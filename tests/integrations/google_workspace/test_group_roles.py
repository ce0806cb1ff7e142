"""Admin roles held through a group: its users (nested groups' too) are administrators for every check, and a
credential that may not read group members scans anyway, the admin checks naming the group they could not read."""

from __future__ import annotations

from integrations.providers.google_workspace.client import GROUP_MEMBER_SCOPE, SCOPES
from tests.integrations.google_workspace.support import (
    DOMAIN,
    ERROR,
    FAIL,
    HELP_DESK,
    PASS,
    SUPER,
    USER_MGMT,
    WorkspaceState,
    assignment_object,
    collect,
    compliant_workspace,
    connector,
    get,
    member_object,
    serve,
    statuses,
    user_object,
)

ADMIN_CHECKS = (
    "google_workspace.admins.delegated_admins_2sv",
    "google_workspace.admins.2sv_enforced",
    "google_workspace.admins.no_dormant_admins",
    "google_workspace.admins.suspended_without_roles",
    "google_workspace.tokens.admins_without_untrusted_grants",
)


def u(name: str) -> str:
    return f"{name}@{DOMAIN}"


def run(httpserver, check_id: str):
    inventory = collect(httpserver, [check_id])
    return inventory, list(get(check_id).run(inventory))


def workspace_with_a_role_group(**state) -> WorkspaceState:
    """Two super admins; the user management role given to "it-ops", which holds dan directly and, through the
    nested "oncall", erin (no 2SV enforced, dormant) and frank (suspended)."""
    return WorkspaceState(
        users=[
            user_object("101", "alice", admin=True, last_login_days=1),
            user_object("102", "bob", admin=True, last_login_days=2),
            user_object("104", "dan", last_login_days=3),
            user_object("105", "erin", enforced=False, last_login_days=90),
            user_object("106", "frank", suspended=True, last_login_days=200),
        ],
        assignments=[
            assignment_object("a1", SUPER, "101"),
            assignment_object("a2", SUPER, "102"),
            assignment_object("a3", USER_MGMT, "it-ops", "group"),
        ],
        groups={
            "it-ops": [member_object("104"), member_object("oncall", "GROUP")],
            "oncall": [member_object("105"), member_object("106")],
        },
        tokens={},
        **state,
    )


def test_users_of_a_nested_group_are_judged_as_the_administrators_they_are(httpserver):
    # given the user management role held through it-ops and, nested, oncall
    serve(httpserver, workspace_with_a_role_group())
    # when the admin checks run
    _, enforced = run(httpserver, "google_workspace.admins.2sv_enforced")
    _, dormant = run(httpserver, "google_workspace.admins.no_dormant_admins")
    _, leavers = run(httpserver, "google_workspace.admins.suspended_without_roles")
    # then erin, an administrator only through the nested group, fails where she falls short
    assert statuses(enforced) == {u("alice"): PASS, u("bob"): PASS, u("dan"): PASS, u("erin"): FAIL}
    erin = next(o for o in enforced if o.resource_id == u("erin"))
    assert erin.observed["roles"] == ["_USER_MANAGEMENT_ADMIN_ROLE"]
    assert statuses(dormant)[u("erin")] == FAIL
    # and suspended frank still holds the role through the group
    assert statuses(leavers) == {u("frank"): FAIL}
    frank = next(o for o in leavers if o.resource_id == u("frank"))
    assert "still holds _USER_MANAGEMENT_ADMIN_ROLE" in frank.reason


def test_a_group_holding_the_whole_account_makes_every_user_an_administrator(httpserver):
    # given the help desk role given to a group whose member is the whole account
    state = compliant_workspace()
    state.assignments.append(assignment_object("a9", HELP_DESK, "everyone", "group"))
    state.groups["everyone"] = [member_object("C03az79cb", "CUSTOMER")]
    serve(httpserver, state)
    # when
    _, outcomes = run(httpserver, "google_workspace.admins.2sv_enforced")
    # then every active user is judged as an administrator (dan too, whose only role comes from it)
    assert set(statuses(outcomes)) == {u(n) for n in ("alice", "bob", "carol", "dan", "erin")}


def test_without_the_group_member_scope_the_scan_runs_and_the_admin_checks_name_the_unread_group(httpserver):
    # given an account that delegated every scope but the group member one
    fake = serve(httpserver, workspace_with_a_role_group(scopes=SCOPES))
    # when the admin checks run
    for check_id in ADMIN_CHECKS:
        inventory, outcomes = run(httpserver, check_id)
        # then users and roles were read, and each check says whom it could not judge, and why
        assert inventory.errors == {}
        assert inventory.data["admins"]["unresolved_groups"] == {
            "it-ops": "403 Request had insufficient authentication scopes."
        }
        (unread,) = [o for o in outcomes if o.status == ERROR]
        assert unread.resource_id == "it-ops" and unread.resource_type == "GoogleWorkspace::Group"
        assert "_USER_MANAGEMENT_ADMIN_ROLE" in unread.reason
        assert "admin.directory.group.member.readonly" in unread.reason
    # and the token was asked for once with the scope, refused, then without it
    asked = [set(a["claims"]["scope"].split()) for a in fake.assertions]
    assert asked[:2] == [{*SCOPES, GROUP_MEMBER_SCOPE}, set(SCOPES)]
    # and the super administrator checks are unaffected (no group holds a super admin role)
    _, supers = run(httpserver, "google_workspace.admins.super_admins_2sv")
    assert statuses(supers) == {u("alice"): PASS, u("bob"): PASS}


def test_one_connector_asks_for_the_refused_scope_only_once(httpserver):
    # given a connector of an account without the group member scope
    fake = serve(httpserver, workspace_with_a_role_group(scopes=SCOPES))
    google = connector(httpserver)
    google.collect({"users", "admins"})
    # when its token is renewed
    clock = google.auth.clock
    google.auth.clock = lambda: clock() + 3400
    google.collect({"admins"})
    # then the renewal asked only for what was delegated
    assert [len(a["claims"]["scope"].split()) for a in fake.assertions] == [len(SCOPES) + 1, len(SCOPES), len(SCOPES)]
    assert google.auth.refused_scopes == (GROUP_MEMBER_SCOPE,)
