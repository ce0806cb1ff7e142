"""The Entra ID connector against a fake tenant (pytest-httpserver): token, paging, rate limits, errors."""

from __future__ import annotations

import logging

from integrations.providers.entra.client import SUPPORTED_SERVICES, build_connector
from tests.integrations.entra.support import (
    ACCESS_TOKEN,
    CLIENT_ID,
    SECRET,
    TENANT_ID,
    base_url,
    compliant_tenant,
    connector,
    serve,
    upn,
)
from tests.ports import closed_port

EVERY_SERVICE = set(SUPPORTED_SERVICES)
TOKEN_PATH = f"/{TENANT_ID}/oauth2/v2.0/token"


def token_requests(httpserver) -> int:
    return len([e for e, _ in httpserver.log if e.path.endswith("/oauth2/v2.0/token")])


def test_build_connector_applies_defaults_and_keeps_the_secret_out_of_repr():
    built = build_connector(
        config={"tenant_id": TENANT_ID}, credentials={"client_id": CLIENT_ID, "client_secret": SECRET}
    )
    assert built.api.base_url == "https://graph.microsoft.com"
    assert built.credentials.token_url == f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
    assert (built.inactive_days, built.guest_inactive_days, built.never_signed_in_days) == (90, 90, 30)
    assert (built.min_global_admins, built.max_global_admins) == (2, 4)
    assert SECRET not in repr(built) and SECRET not in repr(built.credentials)


def test_full_collection_follows_every_page_with_one_token(httpserver):
    # given a compliant tenant whose lists span several pages of 2
    state = compliant_tenant()
    serve(httpserver, state)
    # when every service is collected
    inventory = connector(httpserver).collect(EVERY_SERVICE)
    # then nothing failed and every page was read
    assert inventory.errors == {}
    assert inventory.account_id == TENANT_ID
    assert len(inventory.data["users"]["users"]) == 5
    assert inventory.data["users"]["sign_in_activity"] is True
    assert len(inventory.data["registration"]["users"]) == 5
    assert {r["display_name"]: [m["name"] for m in r["members"]] for r in inventory.data["roles"]["roles"]} == {
        "Global Administrator": [upn("alice"), upn("bob")],
        "User Administrator": [upn("carol")],
    }
    assert len(inventory.data["conditional_access"]["policies"]) == 5
    assert inventory.data["authorization_policy"]["allow_invites_from"] == "adminsAndGuestInviters"
    # and the groups with their users, nested groups' included (Engineering's five transitive members, the nested
    # Contractors group and its dan among them, span three pages)
    alice, bob, dan, gina = (u["id"] for u in state.users if u["displayName"] in ("Alice", "Bob", "Dan", "Gina"))
    assert {g["display_name"]: (g["assignable_to_role"], g["members"]) for g in inventory.data["groups"]["groups"]} == {
        "Engineering": (False, sorted([alice, bob, gina, dan])),
        "Contractors": (False, [dan]),
        "Helpdesk Admins": (True, sorted([bob, dan])),
    }
    member_pages = [e for e, _ in httpserver.log if e.path == "/v1.0/groups/grp-Engineering/transitiveMembers"]
    assert len(member_pages) == 3 and all(e.args["$select"] == "id" for e in member_pages)
    user_pages = [e for e, _ in httpserver.log if e.path == "/v1.0/users"]
    assert len(user_pages) == 3
    assert all("signInActivity" in e.args["$select"] for e in user_pages)
    # and a single token served every request
    assert state.tokens_issued == 1 and token_requests(httpserver) == 1
    graph = [e for e, _ in httpserver.log if e.path.startswith("/v1.0/")]
    assert {e.headers["Authorization"] for e in graph} == {f"Bearer {ACCESS_TOKEN}"}


def test_the_token_is_renewed_shortly_before_it_expires(httpserver):
    # given a tenant issuing hour-long tokens and a connector with a clock under test control
    state = compliant_tenant()
    serve(httpserver, state)
    entra = connector(httpserver)
    now = [1_000_000.0]
    entra.credentials.clock = lambda: now[0]
    # when collecting, then again 50 minutes later (inside the 5-minute margin of the hour), then 1 minute later
    entra.collect({"authorization_policy"})
    now[0] += 50 * 60
    entra.collect({"authorization_policy"})
    assert state.tokens_issued == 1
    now[0] += 5 * 60
    entra.collect({"authorization_policy"})
    # then only the last collection asked for a new token
    assert state.tokens_issued == 2


def test_a_rate_limit_with_a_short_retry_after_is_waited_out(httpserver):
    # given Graph answering the first user page with 429 and Retry-After: 3
    state = compliant_tenant()
    state.throttle["/v1.0/users"] = 3
    serve(httpserver, state)
    entra = connector(httpserver)
    # when the users are collected
    inventory = entra.collect({"users"})
    # then the connector waited the 3 seconds, then read everything
    assert inventory.errors == {}
    assert len(inventory.data["users"]["users"]) == 5
    assert entra.api.sleeps == [3.0]


def test_a_rate_limit_with_a_long_retry_after_fails_only_that_service(httpserver):
    state = compliant_tenant()
    state.throttle["/v1.0/directoryRoles"] = 600
    serve(httpserver, state)
    entra = connector(httpserver)
    inventory = entra.collect({"roles", "authorization_policy"})
    assert set(inventory.errors) == {"roles"}
    assert "rate limit was hit and asks to wait 600 s" in inventory.errors["roles"]
    assert entra.api.sleeps == []
    assert inventory.data["authorization_policy"]["guest_user_role_id"]


def test_a_missing_permission_fails_only_its_service_and_names_the_permission(httpserver):
    # given an app registration without RoleManagement.Read.Directory
    state = compliant_tenant()
    state.errors["/v1.0/directoryRoles"] = (
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
    serve(httpserver, state)
    # when collected
    inventory = connector(httpserver).collect({"roles", "users"})
    # then only roles fail, with Graph's well-known message and the permission to grant
    assert set(inventory.errors) == {"roles"}
    message = inventory.errors["roles"]
    assert "403 Insufficient privileges to complete the operation." in message
    assert "RoleManagement.Read.Directory" in message


def test_a_missing_audit_log_permission_keeps_the_users_without_sign_in_times(httpserver):
    # given an app registration without AuditLog.Read.All: Graph refuses signInActivity only
    state = compliant_tenant()
    state.sign_in_forbidden = True
    serve(httpserver, state)
    # when the users are collected
    inventory = connector(httpserver).collect({"users"})
    # then they are listed without sign-in times, saying which permission is missing
    assert inventory.errors == {}
    assert len(inventory.data["users"]["users"]) == 5
    assert inventory.data["users"]["sign_in_activity"] is False
    assert "AuditLog.Read.All" in inventory.data["users"]["sign_in_unavailable"]
    assert {u["last_sign_in"] for u in inventory.data["users"]["users"]} == {None}


def test_server_errors_are_retried(httpserver):
    httpserver.expect_oneshot_request("/v1.0/policies/authorizationPolicy").respond_with_data("", status=503)
    httpserver.expect_oneshot_request("/v1.0/policies/authorizationPolicy").respond_with_data("", status=503)
    serve(httpserver, compliant_tenant())
    entra = connector(httpserver)
    inventory = entra.collect({"authorization_policy"})
    assert inventory.errors == {}
    assert entra.api.sleeps == [0.0, 0.0]


def test_unknown_services_are_reported_not_ignored(httpserver):
    serve(httpserver, compliant_tenant())
    inventory = connector(httpserver).collect({"devices"})
    assert inventory.errors == {"devices": "the Entra ID connector does not collect this service"}


def test_missing_secret_fails_every_service_without_calling_microsoft(httpserver):
    inventory = connector(httpserver, secret="").collect({"users", "roles"})
    assert inventory.errors == {
        "users": "the integration has no client id or client secret",
        "roles": "the integration has no client id or client secret",
    }
    assert httpserver.log == []


def test_a_wrong_secret_fails_every_service_after_one_token_request(httpserver):
    # given the fake identity platform, which refuses any other secret with AADSTS7000215
    serve(httpserver, compliant_tenant())
    wrong = "Wrong~Secret.Value_0123456789abcdefghijk"
    # when every service is collected
    inventory = connector(httpserver, secret=wrong).collect(EVERY_SERVICE)
    # then each fails saying the secret is wrong, in our words, and the refusal was not asked for again
    assert set(inventory.errors) == EVERY_SERVICE
    assert "(401 invalid_client, AADSTS7000215): the client secret is wrong" in inventory.errors["users"]
    assert wrong not in str(inventory.errors)
    assert "Ensure the secret" not in str(inventory.errors)
    assert token_requests(httpserver) == 1


def test_an_unknown_tenant_is_explained(httpserver):
    serve(httpserver, compliant_tenant())
    entra = connector(httpserver, tenant_id="nowhere.example")
    ok, detail = entra.test_connection()
    assert ok is False
    assert "AADSTS90002" in detail and "the tenant was not found" in detail


def test_graph_rejecting_the_token_is_explained(httpserver):
    state = compliant_tenant()
    state.errors["/v1.0/policies/authorizationPolicy"] = (
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed",
    )
    serve(httpserver, state)
    inventory = connector(httpserver).collect({"authorization_policy"})
    assert inventory.errors["authorization_policy"].startswith(
        "Microsoft Graph rejected the access token (401 Unauthorized)"
    )
    assert ACCESS_TOKEN not in inventory.errors["authorization_policy"]


def test_the_token_endpoint_may_not_redirect(httpserver):
    # given a token endpoint answering with a redirect to another host
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_data(
        "", status=302, headers={"Location": "https://attacker.example/token"}
    )
    # when the connection is tested
    ok, detail = connector(httpserver).test_connection()
    # then the redirect is not followed and no Graph request was made
    assert ok is False
    assert detail == "Microsoft Entra ID's token endpoint answered with a redirect; not followed"
    assert [e.path for e, _ in httpserver.log] == [TOKEN_PATH]


def test_token_server_errors_are_retried(httpserver):
    httpserver.expect_ordered_request(TOKEN_PATH, method="POST").respond_with_data("", status=503)
    state = compliant_tenant()
    serve(httpserver, state)
    entra = connector(httpserver)
    inventory = entra.collect({"authorization_policy"})
    assert inventory.errors == {}
    assert token_requests(httpserver) == 2 and state.tokens_issued == 1


# --- connection test -------------------------------------------------------------------------------


def test_connection_succeeds_and_names_the_tenant(httpserver):
    serve(httpserver, compliant_tenant())
    ok, detail = connector(httpserver).test_connection()
    assert ok is True
    assert detail == f"Connected to Microsoft Entra ID tenant {TENANT_ID} through Graph"
    [users] = [e for e, _ in httpserver.log if e.path == "/v1.0/users"]
    assert users.args["$top"] == "1"


def test_connection_with_a_wrong_secret(httpserver, caplog):
    serve(httpserver, compliant_tenant())
    wrong = "Wrong~Secret.Value_0123456789abcdefghijk"
    with caplog.at_level(logging.INFO):
        ok, detail = connector(httpserver, secret=wrong).test_connection()
    assert ok is False
    assert detail.startswith("Microsoft Entra ID refused the token request (401 invalid_client, AADSTS7000215)")
    assert wrong not in detail and wrong not in caplog.text


def test_connection_without_user_read_names_the_permissions(httpserver):
    state = compliant_tenant()
    state.errors["/v1.0/users"] = (
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
    serve(httpserver, state)
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert "User.Read.All, AuditLog.Read.All, Policy.Read.All, RoleManagement.Read.Directory" in detail


def test_connection_to_a_web_page_instead_of_the_identity_platform(httpserver):
    httpserver.expect_request(TOKEN_PATH).respond_with_data("<html>Sign in</html>", content_type="text/html")
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert detail == f"{base_url(httpserver)} answered the token request without a token; is it Microsoft Entra ID?"


def test_connection_to_a_closed_port():
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    entra = build_connector(
        config={"tenant_id": TENANT_ID, "authority_url": url, "graph_url": url},
        credentials={"client_id": CLIENT_ID, "client_secret": SECRET},
    )
    ok, detail = entra.test_connection()
    assert ok is False
    assert detail == f"could not reach Microsoft Entra ID at {url} (the connection was refused)"


def test_the_egress_guard_stops_the_token_request_before_any_connection(httpserver, settings):
    # given an operator who allows no loopback address, and a reachable fake tenant
    settings.INTEGRATION_EGRESS_ALLOW = []
    serve(httpserver, compliant_tenant())
    # when collected and tested
    entra = connector(httpserver)
    inventory = entra.collect({"users", "authorization_policy"})
    ok, detail = entra.test_connection()
    # then every service and the test fail with the guard's reason, and nothing reached the server
    assert "a loopback address; integrations may only reach public addresses" in inventory.errors["users"]
    assert "could not read the authorization policy" in inventory.errors["authorization_policy"]
    assert ok is False and "INTEGRATION_EGRESS_ALLOW" in detail
    assert httpserver.log == []


def test_an_unreachable_token_endpoint_is_retried_then_reported_for_every_service():
    # given an authority on a closed port and a connector that records its pauses
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    entra = build_connector(
        config={"tenant_id": TENANT_ID, "authority_url": url, "graph_url": url},
        credentials={"client_id": CLIENT_ID, "client_secret": SECRET},
    )
    pauses: list[float] = []
    entra.credentials.backoff, entra.credentials.sleep = 0.5, pauses.append
    # when two services are collected
    inventory = entra.collect({"users", "roles"})
    # then the token request was tried three times, once for the scan, and both services say why
    assert pauses == [0.5, 1.0]
    assert set(inventory.errors) == {"users", "roles"}
    assert inventory.errors["roles"] == (
        f"could not read the directory roles and their members of {TENANT_ID}: "
        f"could not reach Microsoft Entra ID at {url} (the connection was refused)"
    )
