"""The Okta connector against a fake Okta (pytest-httpserver): paging, rate limits, errors, authentication."""

from __future__ import annotations

import logging

import pytest

from integrations.providers.okta.client import SUPPORTED_SERVICES, build_connector
from tests.integrations.okta.support import (
    TOKEN,
    base_url,
    compliant_org,
    connector,
    okta_error,
    serve,
    user_object,
)
from tests.ports import closed_port

EVERY_SERVICE = set(SUPPORTED_SERVICES)


def test_build_connector_applies_defaults_and_keeps_the_token_out_of_repr():
    built = build_connector(config={"org_url": "https://acme.okta.com/"}, credentials={"api_token": TOKEN})
    assert built.org_url == "https://acme.okta.com"
    assert (built.inactive_days, built.stuck_days, built.min_super_admins, built.max_super_admins) == (90, 30, 2, 4)
    assert built.max_token_age_days == 90
    assert TOKEN not in repr(built)


def test_full_collection_follows_every_page_with_okta_headers(httpserver):
    # given a compliant org whose lists span several pages of 2 (users, admins, apps, app users)
    serve(httpserver, compliant_org(base_url(httpserver)), page_size=2)
    # when every service is collected (the fake only answers requests carrying SSWS and Accept headers)
    inventory = connector(httpserver).collect(EVERY_SERVICE)
    # then nothing failed and every page was read
    assert inventory.errors == {}
    assert inventory.account_id == base_url(httpserver).split("://", 1)[1]
    logins = sorted(u["login"] for u in inventory.data["users"]["users"])
    assert len(logins) == 6 and "dave@acme.example" in logins
    assert sorted(inventory.data["factors"]["users"]) == ["00ualice", "00ubob", "00ucarol", "00ufrank"]
    assert {a["user_id"]: a["roles"] for a in inventory.data["admins"]["admins"]} == {
        "00ualice": ["SUPER_ADMIN"],
        "00ubob": ["ORG_ADMIN", "SUPER_ADMIN"],
        "00ucarol": ["HELP_DESK_ADMIN"],
    }
    assert inventory.data["apps"]["apps"][0]["access_policy_id"] == "rstConsole"
    assert inventory.data["org"]["company_name"] == "Acme"
    # and the groups, both pages of them and of their members, without the built-in Everyone group
    assert {g["name"]: g["members"] for g in inventory.data["groups"]["groups"]} == {
        "Engineering": ["00ualice", "00ubob", "00ucarol"],
        "Salesforce Users": ["00ualice", "00udave"],
        "Finance": ["00ufrank"],
    }
    assert "/api/v1/groups/00gEveryone/users" not in {e.path for e, _ in httpserver.log}
    # and the user list was read once although four services need it
    user_listings = [e for e, _ in httpserver.log if e.path == "/api/v1/users"]
    assert len(user_listings) == 4  # three pages of listed users, one of deprovisioned


def test_suspended_and_deprovisioned_users_factors_are_not_read(httpserver):
    # given the compliant org (erin suspended, dave deprovisioned)
    serve(httpserver, compliant_org(base_url(httpserver)))
    # when factors are collected
    connector(httpserver).collect({"factors"})
    # then no factor list of theirs was requested
    paths = {e.path for e, _ in httpserver.log}
    assert "/api/v1/users/00uerin/factors" not in paths
    assert "/api/v1/users/00udave/factors" not in paths


def test_app_user_lists_are_not_read_when_nobody_is_deprovisioned(httpserver):
    state = compliant_org(base_url(httpserver))
    state.users = [u for u in state.users if u["status"] != "DEPROVISIONED"]
    serve(httpserver, state)
    inventory = connector(httpserver).collect({"apps"})
    assert inventory.errors == {}
    assert not [e for e, _ in httpserver.log if e.path.endswith("/users") and e.path.startswith("/api/v1/apps/")]


def test_a_rate_limit_resetting_soon_is_waited_out(httpserver):
    # given Okta answering the first user listing with 429, its window resetting in 3 seconds
    serve(httpserver, compliant_org(base_url(httpserver)), rate_limit_reset_in=3)
    okta = connector(httpserver)
    # when the users are collected
    inventory = okta.collect({"users"})
    # then the connector waited for the reset and then read everything
    assert inventory.errors == {}
    assert len(inventory.data["users"]["users"]) == 6
    assert len(okta.api.sleeps) == 1 and 2.0 <= okta.api.sleeps[0] <= 5.0


def test_a_rate_limit_resetting_later_fails_every_service_that_needs_users_clearly(httpserver):
    # given a reset ten minutes away
    serve(httpserver, compliant_org(base_url(httpserver)), rate_limit_reset_in=600)
    okta = connector(httpserver)
    # when users, factors and apps are collected
    inventory = okta.collect({"users", "factors", "apps", "threat_insight"})
    # then the services needing the user list fail saying why and when, without waiting, and the others work
    assert set(inventory.errors) == {"users", "factors", "apps"}
    assert "rate limit was hit and resets at" in inventory.errors["users"]
    assert "try again later" in inventory.errors["factors"]
    assert okta.api.sleeps == []
    assert inventory.data["threat_insight"]["action"] == "block"
    # and the user list was asked for once only
    assert len([e for e, _ in httpserver.log if e.path == "/api/v1/users"]) == 1


def test_a_forbidden_endpoint_fails_only_its_service_and_names_the_role(httpserver):
    # given a token whose owner may not list API tokens
    state = compliant_org(base_url(httpserver))
    state.errors["/api/v1/api-tokens"] = (
        403,
        okta_error("E0000006", "You do not have permission to perform the requested action"),
    )
    serve(httpserver, state)
    # when collected
    inventory = connector(httpserver).collect({"api_tokens", "threat_insight"})
    # then only that service fails, with Okta's well-known message and the role needed
    assert set(inventory.errors) == {"api_tokens"}
    message = inventory.errors["api_tokens"]
    assert "403 You do not have permission to perform the requested action" in message
    assert "Super Administrator" in message


def test_classic_engine_without_authentication_policies_still_collects_the_others(httpserver):
    state = compliant_org(base_url(httpserver))
    state.classic = True
    serve(httpserver, state)
    inventory = connector(httpserver).collect({"policies"})
    assert inventory.errors == {}
    assert inventory.data["policies"]["unsupported"] == ["ACCESS_POLICY"]
    assert set(inventory.data["policies"]["by_type"]) == {"OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL"}


def test_server_errors_are_retried(httpserver):
    # given the threat configuration failing twice with 503 before answering
    httpserver.expect_ordered_request("/api/v1/threats/configuration").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/api/v1/threats/configuration").respond_with_data("", status=503)
    serve(httpserver, compliant_org(base_url(httpserver)))
    okta = connector(httpserver)
    inventory = okta.collect({"threat_insight"})
    assert inventory.errors == {}
    assert okta.api.sleeps == [0.0, 0.0]


def test_unknown_services_are_reported_not_ignored(httpserver):
    serve(httpserver, compliant_org(base_url(httpserver)))
    inventory = connector(httpserver).collect({"devices"})
    assert inventory.errors == {"devices": "the Okta connector does not collect this service"}


def test_missing_token_fails_every_service_without_calling_okta(httpserver):
    inventory = connector(httpserver, token="").collect({"users", "policies"})
    assert inventory.errors == {
        "users": "the integration has no Okta API token",
        "policies": "the integration has no Okta API token",
    }
    assert httpserver.log == []


def test_a_bad_token_fails_collection_with_okta_saying_so(httpserver):
    serve(httpserver, compliant_org(base_url(httpserver)))
    wrong = "00" + "W" * 40
    inventory = connector(httpserver, token=wrong).collect({"users", "policies"})
    assert set(inventory.errors) == {"users", "policies"}
    assert "Okta rejected the API token (401 Invalid token provided)" in inventory.errors["users"]
    assert wrong not in str(inventory.errors)


# --- connection test -------------------------------------------------------------------------------


def test_connection_succeeds_and_names_the_org(httpserver):
    serve(httpserver, compliant_org(base_url(httpserver)))
    ok, detail = connector(httpserver).test_connection()
    assert ok is True
    assert detail == f"Connected to Okta org Acme at {base_url(httpserver).split('://', 1)[1]}"


def test_connection_with_a_bad_token_is_401(httpserver, caplog):
    # given the fake, which answers Okta's 401 to any other token
    serve(httpserver, compliant_org(base_url(httpserver)))
    wrong = "00" + "Z" * 40
    # when tested
    with caplog.at_level(logging.INFO):
        ok, detail = connector(httpserver, token=wrong).test_connection()
    # then it explains, and the token appears nowhere
    assert ok is False
    assert detail.startswith("Okta rejected the API token (401 Invalid token provided)")
    assert wrong not in detail and wrong not in caplog.text


def test_connection_refused_by_role(httpserver):
    httpserver.expect_request("/api/v1/org").respond_with_json(
        okta_error("E0000006", "You do not have permission to perform the requested action"), status=403
    )
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert "Read-Only Administrator" in detail


def test_connection_to_a_web_page_instead_of_the_api(httpserver):
    httpserver.expect_request("/api/v1/org").respond_with_data("<html>Sign in</html>", content_type="text/html")
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert "did not answer /api/v1/org with JSON; is it the Okta API?" in detail


def test_connection_does_not_wait_out_a_rate_limit(httpserver):
    httpserver.expect_request("/api/v1/org").respond_with_json(
        okta_error("E0000047", "API call exceeded rate limit due to too many requests."),
        status=429,
        headers={"X-Rate-Limit-Reset": "9999999999"},
    )
    okta = connector(httpserver)
    ok, detail = okta.test_connection()
    assert ok is False
    assert "rate limit" in detail and okta.api.sleeps == []


def test_connection_to_a_closed_port():
    port = closed_port()
    okta = build_connector(config={"org_url": f"http://127.0.0.1:{port}"}, credentials={"api_token": TOKEN})
    ok, detail = okta.test_connection()
    assert ok is False
    assert detail == f"could not reach Okta at http://127.0.0.1:{port} (the connection was refused)"


@pytest.mark.parametrize("status", ["DEPROVISIONED"])
def test_users_listed_twice_are_kept_once(httpserver, status):
    # given a user Okta lists both in the main list and the deprovisioned filter (a status change mid-scan)
    state = compliant_org(base_url(httpserver))
    state.users.append(user_object("00ualice", "alice", status))
    serve(httpserver, state)
    inventory = connector(httpserver).collect({"users"})
    assert [u["id"] for u in inventory.data["users"]["users"]].count("00ualice") == 1


def test_the_egress_guard_stops_collection_before_any_connection(httpserver, settings):
    # given an operator who allows no loopback address, and a reachable fake org
    settings.INTEGRATION_EGRESS_ALLOW = []
    serve(httpserver, compliant_org(base_url(httpserver)))
    # when collected and tested
    okta = connector(httpserver)
    inventory = okta.collect({"org", "users"})
    ok, detail = okta.test_connection()
    # then every service and the test fail with the guard's reason, and nothing reached the server
    assert "a loopback address; integrations may only reach public addresses" in inventory.errors["org"]
    assert "could not read the users" in inventory.errors["users"]
    assert ok is False and "INTEGRATION_EGRESS_ALLOW" in detail
    assert httpserver.log == []
