"""The GitHub connector itself: headers, pagination, rate limits, retries, permission errors, connection test."""

from __future__ import annotations

import logging

import pytest
from pytest_httpserver import HTTPServer

from integrations.providers.github import transport as github_transport
from integrations.providers.github.client import SUPPORTED_SERVICES, GitHubError, build_connector
from integrations.registry import all_checks
from tests.integrations.github.support import (
    API_HEADERS,
    ERROR,
    FAIL,
    ORG,
    PASS,
    TOKEN,
    api_error,
    collect,
    compliant_org,
    connector,
    get,
    noncompliant_org,
    org_object,
    reset_in,
    serve,
    statuses,
    user_object,
)
from tests.ports import closed_port

ALL_SERVICES = set(SUPPORTED_SERVICES)


def base(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[4:] not in text


# --- building ---------------------------------------------------------------------------------------


def test_build_connector_applies_defaults_and_keeps_the_token_out_of_repr():
    # given a minimal config
    # when the connector is built
    built = build_connector(config={"organization": "acme"}, credentials={"token": TOKEN})
    # then the public API and the defaults apply, and repr shows no token
    assert built.api_url == "https://api.github.com"
    assert built.max_admins == 5
    assert built.allow_public_repos is False
    assert built.repositories is None
    assert_no_token(repr(built))


def test_enterprise_server_api_root_is_a_plain_base_url():
    # given a GitHub Enterprise Server API root with a trailing slash
    built = build_connector(
        config={"organization": "acme", "api_url": "https://ghe.example.com/api/v3/"}, credentials={"token": TOKEN}
    )
    # when a URL is built
    # then paths hang under /api/v3
    assert built._url("/orgs/acme") == "https://ghe.example.com/api/v3/orgs/acme"


# --- a whole collection ---------------------------------------------------------------------------


def test_full_collection_follows_pages_sends_github_headers_and_skips_archived_repositories(httpserver):
    # given a compliant organisation whose admins and repositories span two pages each
    serve(httpserver, compliant_org(base(httpserver)), page_size=2)
    # when every service is collected
    inventory = connector(httpserver).collect(ALL_SERVICES)
    # then nothing failed (every handler also required the API headers and the bearer token)
    assert inventory.errors == {}
    assert inventory.integration_type == "github"
    assert inventory.account_id == ORG
    assert set(inventory.data) == ALL_SERVICES
    # and the second pages were read through the Link headers
    assert [r.args.get("page") for r, _ in httpserver.log if r.path == "/orgs/acme/repos"] == [None, "2"]
    assert [r["name"] for r in inventory.data["repos"]["repositories"]] == ["api", "legacy", "web"]
    assert inventory.data["members"]["admins"] == ["alice", "bob"]
    # and the archived repository was listed but never read further
    assert not [p for p in paths(httpserver) if p.startswith("/repos/acme/legacy")]
    # and each endpoint was read once
    assert len(paths(httpserver)) == len(set((r.path, r.query_string) for r, _ in httpserver.log))


def test_every_request_carries_the_documented_headers(httpserver):
    # given a server that accepts anything
    httpserver.expect_request("/orgs/acme").respond_with_json(org_object(base(httpserver)))
    # when the organisation is collected
    connector(httpserver).collect({"org"})
    # then the request had GitHub's media type, API version, bearer token and a User-Agent
    [(request, _)] = httpserver.log
    for name, value in API_HEADERS.items():
        assert request.headers[name] == value
    assert request.headers["User-Agent"]


def test_repositories_can_be_limited_and_unknown_ones_are_errors(httpserver):
    # given the compliant organisation and an integration limited to api and a repository that does not exist
    serve(httpserver, compliant_org(base(httpserver)))
    check_id = "github.branch_protection.default_branch_protected"
    # when collected and evaluated
    inventory = collect(httpserver, [check_id], repositories=["API", "ghost"])
    outcomes = get(check_id).run(inventory)
    # then only api is read, and the missing one is reported as an error, never as compliant
    assert statuses(outcomes) == {"acme/api": PASS, "acme/ghost": ERROR}
    assert not [p for p in paths(httpserver) if p.startswith("/repos/acme/web")]


# --- GitHub's 404s: a finding or a permission problem -------------------------------------------------


def test_unprotected_branch_is_a_failure_but_missing_permission_is_an_error(httpserver):
    # given an unprotected branch (404 "Branch not protected") and deploy keys the token may not read (403)
    state = noncompliant_org(base(httpserver))
    site = next(r for r in state.repos if r.full_name == "acme/site")
    site.errors["keys"] = (403, "Resource not accessible by personal access token")
    serve(httpserver, state)
    check_ids = ["github.branch_protection.default_branch_protected", "github.deploy_keys.read_only"]
    # when both checks' services are collected and evaluated
    inventory = collect(httpserver, check_ids)
    protection = get(check_ids[0]).run(inventory)
    keys = get(check_ids[1]).run(inventory)
    # then the unprotected branch fails the protection check
    assert statuses(protection) == {"acme/api": PASS, "acme/site": FAIL}
    # and the deploy key check is an error naming the repository and GitHub's answer
    assert inventory.errors == {
        "deploy_keys": "token lacks permission to read deploy keys of acme/site: "
        "403 Resource not accessible by personal access token"
    }
    assert [(o.resource_id, o.status) for o in keys] == [("acme", ERROR)]
    assert "deploy keys of acme/site" in keys[0].reason


def test_branch_protection_hidden_by_a_plain_404_is_an_error(httpserver):
    # given a repository whose protection endpoint answers GitHub's generic 404 (no admin access)
    state = compliant_org(base(httpserver))
    web = next(r for r in state.repos if r.full_name == "acme/web")
    web.protection, web.protection_error = None, (404, "Not Found")
    serve(httpserver, state)
    check_id = "github.branch_protection.reviews_required"
    # when collected and evaluated
    inventory = collect(httpserver, [check_id])
    [outcome] = get(check_id).run(inventory)
    # then the check errors with the message the brief promises, other services untouched
    assert inventory.errors == {
        "branch_protection": "token lacks permission to read branch protection of acme/web: 404 Not Found"
    }
    assert outcome.status == ERROR
    assert "repos" not in inventory.errors


def test_forbidden_organization_endpoints_fail_only_their_service(httpserver):
    # given an organisation whose admin list is forbidden but whose settings are readable
    httpserver.expect_request("/orgs/acme").respond_with_json(org_object(base(httpserver)))
    httpserver.expect_request("/orgs/acme/members").respond_with_json(
        api_error("Must have admin rights to Repository.", 403), status=403
    )
    # when both are collected
    inventory = connector(httpserver).collect({"org", "members"})
    # then members errors and org is collected
    assert inventory.errors == {
        "members": "token lacks permission to read organization admins of acme: "
        "403 Must have admin rights to Repository."
    }
    assert inventory.data["org"]["two_factor_requirement_enabled"] is True


def test_a_failed_repository_list_fails_every_per_repository_service(httpserver):
    # given a repository listing that is not found
    httpserver.expect_request("/orgs/acme/repos").respond_with_json(api_error("Not Found", 404), status=404)
    # when per-repository services are collected
    inventory = connector(httpserver).collect({"repos", "hooks", "deploy_keys"})
    # then each of them carries the listing's error and nothing else was attempted
    assert set(inventory.errors) == {"repos", "hooks", "deploy_keys"}
    assert "repositories of acme: 404 Not Found" in inventory.errors["hooks"]
    assert paths(httpserver) == ["/orgs/acme/repos"]


def test_unknown_services_are_reported_not_ignored(httpserver):
    # when a service the connector does not know is asked for
    inventory = connector(httpserver).collect({"kubernetes"})
    # then it is an error and no request was made
    assert inventory.errors == {"kubernetes": "the GitHub connector does not collect this service"}
    assert httpserver.log == []


def test_missing_token_fails_every_service_without_calling_github(httpserver):
    built = build_connector(config={"organization": "acme", "api_url": base(httpserver)}, credentials={})
    inventory = built.collect({"org", "repos"})
    assert inventory.errors == {
        "org": "the integration has no GitHub token",
        "repos": "the integration has no GitHub token",
    }
    assert httpserver.log == []


# --- rate limits and retries ----------------------------------------------------------------------------


def rate_limited(reset: str) -> tuple[dict, dict]:
    headers = {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Used": "5000",
        "X-RateLimit-Reset": reset,
        "X-RateLimit-Resource": "core",
    }
    body = api_error("API rate limit exceeded for user ID 1.", 403)
    return body, headers


def test_primary_rate_limit_resetting_soon_is_waited_out(httpserver):
    # given a 403 with X-RateLimit-Remaining: 0 that resets in a second, then success
    body, headers = rate_limited(reset_in(1))
    httpserver.expect_oneshot_request("/orgs/acme").respond_with_json(body, status=403, headers=headers)
    httpserver.expect_request("/orgs/acme").respond_with_json(org_object(base(httpserver)))
    built = connector(httpserver)
    # when the organisation is collected
    inventory = built.collect({"org"})
    # then the connector waited about until the reset and then succeeded
    assert inventory.errors == {}
    assert inventory.data["org"]["login"] == "acme"
    [wait] = built.sleeps
    assert 0 < wait <= 3
    assert len(httpserver.log) == 2


def test_rate_limit_resetting_later_than_the_bound_fails_that_service_clearly(httpserver):
    # given an exhausted rate limit that resets in an hour, and a connector that waits at most half a second
    body, headers = rate_limited(reset_in(3600))
    httpserver.expect_request("/orgs/acme").respond_with_json(body, status=403, headers=headers)
    httpserver.expect_request("/orgs/acme/members").respond_with_json([user_object("alice", 2)])
    built = connector(httpserver)
    built.max_rate_limit_wait = 0.5
    # when org and members are collected
    inventory = built.collect({"org", "members"})
    # then org fails with an explanation, without waiting, and members is collected
    assert "rate limit is exhausted until" in inventory.errors["org"]
    assert inventory.errors["org"].endswith("not waiting that long (at most 0.5 s), try again later")
    assert built.sleeps == []
    assert inventory.data["members"]["admins"] == ["alice"]


def test_secondary_rate_limit_retry_after_is_honoured(httpserver):
    # given a 429 asking to retry after 2 seconds, then success
    httpserver.expect_oneshot_request("/orgs/acme").respond_with_json(
        api_error("You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", 429),
        status=429,
        headers={"Retry-After": "2"},
    )
    httpserver.expect_request("/orgs/acme").respond_with_json(org_object(base(httpserver)))
    built = connector(httpserver)
    # when collected
    inventory = built.collect({"org"})
    # then the connector waited exactly what GitHub asked
    assert inventory.errors == {}
    assert built.sleeps == [2.0]


def test_server_errors_are_retried_with_backoff(httpserver):
    # given one 502 and then success
    httpserver.expect_oneshot_request("/orgs/acme").respond_with_data("bad gateway", status=502)
    httpserver.expect_request("/orgs/acme").respond_with_json(org_object(base(httpserver)))
    built = connector(httpserver)
    built.backoff = 0.25
    # when collected
    inventory = built.collect({"org"})
    # then it succeeded on the second try after one pause
    assert inventory.errors == {}
    assert built.sleeps == [0.25]


def test_persistent_server_errors_give_up_after_the_retries(httpserver):
    # given an endpoint that always fails
    httpserver.expect_request("/orgs/acme").respond_with_json(api_error("Server Error", 500), status=500)
    built = connector(httpserver)
    # when collected
    inventory = built.collect({"org"})
    # then it tried 1 + retries times and reports the status (in its standard words, not the server's)
    assert len(httpserver.log) == 1 + github_transport.RETRIES
    assert (
        inventory.errors["org"]
        == "GitHub answered 500 Internal Server Error when reading organization settings of acme"
    )


def test_a_next_link_to_another_host_is_not_followed(httpserver):
    # given a listing whose next page points somewhere else
    httpserver.expect_request("/orgs/acme/members").respond_with_json(
        [user_object("alice", 2)], headers={"Link": '<https://evil.example/orgs/acme/members?page=2>; rel="next"'}
    )
    # when collected
    inventory = connector(httpserver).collect({"members"})
    # then the token was not sent there and the service errors
    assert "points to another host" in inventory.errors["members"]


def test_redirects_are_followed_with_the_token_on_the_same_host_only(httpserver):
    # given a renamed repository's redirect on the same host, and one to another host
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        other.expect_request("/elsewhere").respond_with_json([])
        httpserver.expect_request("/orgs/acme/members").respond_with_data(
            "", status=301, headers={"Location": httpserver.url_for("/organizations/1/members?role=admin")}
        )
        httpserver.expect_request("/organizations/1/members").respond_with_json([user_object("alice", 2)])
        httpserver.expect_request("/orgs/acme/hooks").respond_with_data(
            "", status=302, headers={"Location": other.url_for("/elsewhere")}
        )
        # when both are read
        built = connector(httpserver)
        members = built._all("/orgs/acme/members", {"role": "admin"})
        with pytest.raises(GitHubError, match="redirect to another host; not followed"):
            built._all("/orgs/acme/hooks")
        # then the same-host redirect kept the token, and the other host was never contacted
        assert members[0]["login"] == "alice"
        [(redirected, _)] = [(r, s) for r, s in httpserver.log if r.path == "/organizations/1/members"]
        assert redirected.headers["Authorization"] == f"Bearer {TOKEN}"
        assert other.log == []
    finally:
        other.stop()


# --- connection test -------------------------------------------------------------------------------


def test_connection_succeeds_and_names_the_organization_and_the_user(httpserver):
    # given a reachable organisation and a user token
    serve(httpserver, compliant_org(base(httpserver)))
    # when the connection is tested
    ok, detail = connector(httpserver).test_connection()
    # then it says where and as whom
    assert ok is True
    assert detail == "Connected to organization acme as octocat"


def test_connection_warns_when_the_token_cannot_see_security_settings(httpserver):
    # given an organisation object without owner-only fields, and an installation token (no /user)
    org = {k: v for k, v in org_object(base(httpserver)).items() if k != "two_factor_requirement_enabled"}
    httpserver.expect_request("/orgs/acme").respond_with_json(org)
    httpserver.expect_request("/user").respond_with_json(api_error("Resource not accessible by integration", 403), 403)
    # when tested
    ok, detail = connector(httpserver).test_connection()
    # then it connects but says what is missing
    assert ok is True
    assert detail.startswith("Connected to organization acme as an unidentified token")
    assert "organization owner" in detail


def test_connection_with_a_bad_token_is_401(httpserver, caplog):
    # given GitHub rejecting the token
    caplog.set_level(logging.DEBUG, logger="integrations")
    httpserver.expect_request("/orgs/acme").respond_with_json(api_error("Bad credentials", 401), status=401)
    # when tested
    ok, detail = connector(httpserver).test_connection()
    # then it fails explaining the token was rejected, without retrying or leaking it
    assert ok is False
    assert detail.startswith("GitHub rejected the token (401 Bad credentials)")
    assert len(httpserver.log) == 1
    assert_no_token(detail, *(r.getMessage() for r in caplog.records))


def test_connection_to_an_unknown_organization(httpserver):
    httpserver.expect_request("/orgs/acme").respond_with_json(api_error("Not Found", 404), status=404)
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert detail.startswith("Organization 'acme' was not found at http://localhost")
    assert detail.endswith("or the token cannot see it (404 Not Found)")


def test_connection_to_a_closed_port(caplog):
    # given nothing listening
    caplog.set_level(logging.DEBUG, logger="integrations")
    built = build_connector(
        config={"organization": "acme", "api_url": f"http://127.0.0.1:{closed_port()}"}, credentials={"token": TOKEN}
    )
    # when tested
    ok, detail = built.test_connection()
    # then it fails quickly with a clear message
    assert ok is False
    assert detail.startswith(f"could not reach GitHub at {built.api_url}")
    assert_no_token(detail, *(r.getMessage() for r in caplog.records))


def test_connection_to_a_web_page_instead_of_the_api(httpserver):
    # given a URL that serves HTML (e.g. the web UI instead of /api/v3)
    httpserver.expect_request("/orgs/acme").respond_with_data("<html>Sign in</html>", content_type="text/html")
    ok, detail = connector(httpserver).test_connection()
    assert ok is False
    assert "did not answer with JSON" in detail and "/api/v3" in detail


def test_connection_does_not_wait_out_a_rate_limit(httpserver):
    body, headers = rate_limited(reset_in(30))
    httpserver.expect_request("/orgs/acme").respond_with_json(body, status=403, headers=headers)
    built = connector(httpserver)
    ok, detail = built.test_connection()
    assert ok is False
    assert "rate limit is exhausted" in detail
    assert built.sleeps == []


# --- the token never leaks ---------------------------------------------------------------------------


def test_token_never_appears_in_reasons_errors_or_logs(httpserver, caplog):
    # given a server that echoes the token back in an error, and other failures
    caplog.set_level(logging.DEBUG, logger="integrations")
    state = noncompliant_org(base(httpserver))
    state.repos[0].errors["hooks"] = (403, f"token {TOKEN} may not read hooks")
    state.repos[0].errors["collaborators"] = (401, "Bad credentials")
    serve(httpserver, state)
    # when everything is collected and every check runs, and the connection is tested
    built = connector(httpserver)
    inventory = built.collect(ALL_SERVICES)
    outcomes = [o for check in all_checks("github") for o in check.run(inventory)]
    built.test_connection()
    # then the errors happened but the token is nowhere (the server's own words are not repeated at all)
    assert inventory.errors["hooks"] == "token lacks permission to read webhooks of acme/api: 403 Forbidden"
    assert "rejected the token" in inventory.errors["collaborators"]
    assert_no_token(
        repr(inventory.data),
        repr(inventory.errors),
        *(o.reason for o in outcomes),
        *(repr(o.observed) for o in outcomes),
        *(r.getMessage() for r in caplog.records),
    )
