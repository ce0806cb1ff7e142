"""The Google Workspace connector against a fake Google (pytest-httpserver): the JWT bearer flow, paging, rate
limits, errors and authentication failures."""

from __future__ import annotations

import logging

from integrations.providers.google_workspace.client import OPTIONAL_SCOPES, SCOPES, SUPPORTED_SERVICES, build_connector
from tests.integrations.google_workspace.support import (
    ADMIN,
    CLIENT_EMAIL,
    DOMAIN,
    FORBIDDEN,
    KEY_ID,
    OTHER_PEM,
    PRIVATE_PEM,
    TOKEN_PATH,
    compliant_workspace,
    connector,
    key_json,
    serve,
)
from tests.ports import closed_port

EVERY_SERVICE = set(SUPPORTED_SERVICES)


def token_posts(httpserver) -> int:
    return len([r for r, _ in httpserver.log if r.path == TOKEN_PATH])


def test_build_connector_applies_defaults_and_keeps_the_key_out_of_repr(httpserver):
    built = build_connector(
        config={"domain": DOMAIN, "admin_email": ADMIN}, credentials={"service_account": key_json(httpserver)}
    )
    assert built.api.base_url == "https://admin.googleapis.com"
    assert built.customer_id == "my_customer"
    assert (built.inactive_days, built.never_signed_in_days, built.admin_inactive_days) == (90, 30, 30)
    assert (built.min_super_admins, built.max_super_admins, built.trusted_clients) == (2, 4, ())
    assert "PRIVATE KEY" not in repr(built) and CLIENT_EMAIL in repr(built)


def test_full_collection_signs_one_assertion_and_follows_every_page(httpserver):
    # given a compliant account whose lists span pages of 2 (users, roles, role assignments)
    fake = serve(httpserver, compliant_workspace(), page_size=2)
    # when every service is collected
    inventory = connector(httpserver).collect(EVERY_SERVICE)
    # then nothing failed and every page was read
    assert inventory.errors == {}
    assert inventory.account_id == DOMAIN
    assert len(inventory.data["users"]["users"]) == 7
    assert len(inventory.data["admins"]["roles"]) == 3
    assert len(inventory.data["admins"]["assignments"]) == 4
    # and the group holding a role was read with its nested group expanded
    assert inventory.data["admins"]["group_members"] == {"03group": ["103", "105"]}
    assert inventory.data["admins"]["unresolved_groups"] == {}
    assert sorted(inventory.data["tokens"]["users"]) == ["101", "102", "103", "104", "105", "106", "107"]
    assert [t["app"] for t in inventory.data["tokens"]["users"]["104"]] == ["Slack", "Acme Backup"]
    never = next(u for u in inventory.data["users"]["users"] if u["id"] == "105")
    assert never["last_login"] is None
    # and the user list was read once (4 pages) although two services need it
    assert len([r for r, _ in httpserver.log if r.path == "/admin/directory/v1/users"]) == 4
    # and one token served all 14 reads: a JWT the fake verified with the service account's public key
    assert token_posts(httpserver) == 1
    [assertion] = fake.assertions
    assert assertion["header"] == {"alg": "RS256", "typ": "JWT", "kid": KEY_ID}
    claims = assertion["claims"]
    assert (claims["iss"], claims["sub"], claims["aud"]) == (CLIENT_EMAIL, ADMIN, httpserver.url_for(TOKEN_PATH))
    assert claims["scope"].split() == [*SCOPES, *OPTIONAL_SCOPES] and claims["exp"] - claims["iat"] == 3600
    assert all(scope.endswith(".readonly") for scope in (*SCOPES, *OPTIONAL_SCOPES) if "user.security" not in scope)


def test_an_expiring_token_is_replaced_before_use(httpserver):
    # given a connector that obtained a token
    serve(httpserver, compliant_workspace())
    google = connector(httpserver)
    google.collect({"users"})
    first = google.auth.token()
    # when time passes to within the refresh margin of its expiry (3599 s) and more is read
    clock = google.auth.clock
    google.auth.clock = lambda: clock() + 3400
    inventory = google.collect({"admins"})
    # then a new assertion was exchanged for a new token, which the reads used
    assert inventory.errors == {}
    assert token_posts(httpserver) == 2
    assert google.auth.token() != first


def test_a_short_rate_limit_is_waited_out(httpserver):
    # given Google answering the first user listing with 429 and Retry-After: 3
    serve(httpserver, compliant_workspace(), rate_limit_retry_after=3)
    google = connector(httpserver)
    inventory = google.collect({"users"})
    assert inventory.errors == {}
    assert len(inventory.data["users"]["users"]) == 7
    assert google.api.sleeps == [3.0]


def test_a_long_rate_limit_fails_the_services_that_need_users_once(httpserver):
    # given a Retry-After of ten minutes
    serve(httpserver, compliant_workspace(), rate_limit_retry_after=600)
    google = connector(httpserver)
    # when every service is collected
    inventory = google.collect(EVERY_SERVICE)
    # then users and tokens fail saying why, without waiting, and the role reads work
    assert set(inventory.errors) == {"users", "tokens"}
    assert "rate limit was hit and asks to wait 600 s" in inventory.errors["users"]
    assert google.api.sleeps == []
    assert len(inventory.data["admins"]["roles"]) == 3
    assert len([r for r, _ in httpserver.log if r.path == "/admin/directory/v1/users"]) == 1


def test_a_key_google_does_not_know_fails_every_service_without_leaking_it(httpserver, caplog):
    # given a key file whose private key is not the service account's
    serve(httpserver, compliant_workspace())
    google = connector(httpserver, key=key_json(httpserver, pem=OTHER_PEM))
    # when collected
    with caplog.at_level(logging.INFO):
        inventory = google.collect(EVERY_SERVICE)
    # then every service fails with Google's reason, and no key or assertion appears anywhere
    assert set(inventory.errors) == EVERY_SERVICE
    assert "refused the service account (invalid_grant: Invalid JWT Signature.)" in inventory.errors["users"]
    text = str(inventory.errors) + caplog.text
    assert "PRIVATE KEY" not in text and "eyJ" not in text
    assert not [r for r, _ in httpserver.log if r.path.startswith("/admin/")]


def test_an_admin_not_covered_by_delegation_is_explained(httpserver):
    # given the service account allowed to act for alice only, configured for bob
    serve(httpserver, compliant_workspace())
    inventory = connector(httpserver, admin_email=f"bob@{DOMAIN}").collect({"admins"})
    message = inventory.errors["admins"]
    assert "(unauthorized_client: Client is unauthorized to retrieve access tokens" in message
    assert "Domain-wide delegation" in message


def test_a_revoked_access_token_is_a_401_explained(httpserver):
    # given Google forgetting the token it issued (revoked) after the first read
    fake = serve(httpserver, compliant_workspace())
    google = connector(httpserver)
    assert google.collect({"users"}).errors == {}
    fake.issued.clear()
    # when more is read
    inventory = google.collect({"admins"})
    # then the 401 says so, with Google's well-known message, and the token is masked
    assert inventory.errors["admins"].startswith("Google rejected the access token (401 Unauthorized)")
    assert "ya29." not in inventory.errors["admins"]


def test_a_forbidden_endpoint_fails_only_its_service(httpserver):
    state = compliant_workspace()
    state.errors["/admin/directory/v1/customer/my_customer/roleassignments"] = (403, FORBIDDEN)
    serve(httpserver, state)
    inventory = connector(httpserver).collect({"users", "admins"})
    assert set(inventory.errors) == {"admins"}
    assert "403 Not Authorized to access this resource/api" in inventory.errors["admins"]
    assert f"{ADMIN} may not read the administrator roles" in inventory.errors["admins"]


def test_server_errors_are_retried(httpserver):
    # given the token endpoint and then the role listing each failing once with 503
    httpserver.expect_oneshot_request(TOKEN_PATH).respond_with_data("", 503)
    httpserver.expect_oneshot_request("/admin/directory/v1/customer/my_customer/roles").respond_with_data("", 503)
    serve(httpserver, compliant_workspace())
    google = connector(httpserver)
    # when collected
    inventory = google.collect({"admins"})
    # then both were retried, after a pause each
    assert inventory.errors == {}
    assert google.api.sleeps == [0.0, 0.0]
    assert token_posts(httpserver) == 2


def test_unknown_services_are_reported_not_ignored(httpserver):
    serve(httpserver, compliant_workspace())
    inventory = connector(httpserver).collect({"drive"})
    assert inventory.errors == {"drive": "the Google Workspace connector does not collect this service"}


def test_missing_key_fails_every_service_without_calling_google(httpserver):
    google = build_connector(config={"domain": DOMAIN, "admin_email": ADMIN}, credentials={})
    inventory = google.collect({"users", "tokens"})
    assert inventory.errors == {
        "users": "the integration has no service account key",
        "tokens": "the integration has no service account key",
    }
    assert httpserver.log == []


def test_a_redirecting_token_endpoint_is_not_followed(httpserver):
    httpserver.expect_request("/moved").respond_with_data("", 302, {"Location": "http://127.0.0.1:9/token"})
    serve(httpserver, compliant_workspace())
    key = key_json(httpserver, token_uri=httpserver.url_for("/moved"))
    inventory = connector(httpserver, key=key).collect({"users"})
    assert "the token endpoint answered 302 with a redirect; not followed" in inventory.errors["users"]


# --- connection test -------------------------------------------------------------------------------


def test_connection_succeeds_and_names_the_domain(httpserver):
    serve(httpserver, compliant_workspace())
    ok, detail = connector(httpserver).test_connection()
    assert (ok, detail) == (True, f"Connected to Google Workspace {DOMAIN} as {ADMIN}")


def test_connection_to_a_domain_of_another_account_or_unverified(httpserver):
    serve(httpserver, compliant_workspace())
    assert connector(httpserver, domain="other.example").test_connection() == (
        False,
        "other.example is not a domain of this Google Workspace account",
    )
    assert connector(httpserver, domain="acme-old.example").test_connection() == (
        False,
        "acme-old.example is not verified in this Google Workspace account",
    )


def test_connection_with_a_wrong_key_explains(httpserver):
    serve(httpserver, compliant_workspace())
    ok, detail = connector(httpserver, key=key_json(httpserver, pem=OTHER_PEM)).test_connection()
    assert ok is False
    assert "Google refused the service account" in detail and "Invalid JWT Signature." in detail


def test_connection_to_a_web_page_instead_of_the_api(httpserver):
    httpserver.expect_request("/admin/directory/v1/customer/my_customer/domains").respond_with_data(
        "<html>Sign in</html>", content_type="text/html"
    )
    serve(httpserver, compliant_workspace())
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert "did not answer /admin/directory/v1/customer/my_customer/domains with JSON" in detail


def test_connection_to_a_closed_port(httpserver):
    port = closed_port()
    key = key_json(httpserver, token_uri=f"http://127.0.0.1:{port}/token")
    google = connector(httpserver, key=key)
    google.api.retries = 0
    ok, detail = google.test_connection()
    assert ok is False
    assert f"could not reach the token endpoint http://127.0.0.1:{port}/token (URLError)" in detail


def test_the_egress_guard_stops_the_token_exchange_and_the_api(httpserver, settings):
    # given an operator who allows no loopback address, and a reachable fake Google
    settings.INTEGRATION_EGRESS_ALLOW = []
    serve(httpserver, compliant_workspace())
    google = connector(httpserver)
    # when collected and tested
    inventory = google.collect({"users"})
    ok, detail = google.test_connection()
    # then both fail with the guard's reason, and nothing reached the server
    assert "a loopback address; integrations may only reach public addresses" in inventory.errors["users"]
    assert ok is False and "INTEGRATION_EGRESS_ALLOW" in detail
    assert httpserver.log == []
    assert PRIVATE_PEM not in detail
