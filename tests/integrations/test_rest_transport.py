"""The shared JSON-over-HTTPS client of the SaaS providers, against a local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from integrations.providers._rest import (
    LinkHeaderPaging,
    NextLinkPaging,
    RestClient,
    RestError,
    RestHttpError,
    RestRateLimitError,
    RestRedirectRefusedError,
    TokenPaging,
)
from tests.ports import closed_port

TOKEN = "s3cr3t-token-value-0123456789"


def client(httpserver, *, auth=None, **options) -> RestClient:
    built = RestClient(
        base_url=httpserver.url_for("").rstrip("/"),
        auth=auth or (lambda: {"Authorization": f"Bearer {TOKEN}"}),
        service="Example",
        known_messages=options.pop("known_messages", ()),
    )
    built.backoff = 0.0
    built.sleeps = []  # type: ignore[attr-defined]
    built.sleep = built.sleeps.append  # type: ignore[attr-defined]
    for name, value in options.items():
        setattr(built, name, value)
    return built


# --- pagination -----------------------------------------------------------------------------------


def test_link_header_pages_are_followed_until_there_is_no_next(httpserver):
    # given three pages linked like Okta links them (the last page's Link only names itself)
    base = httpserver.url_for("/api/v1/users")
    httpserver.expect_request("/api/v1/users", query_string="limit=2").respond_with_json(
        [{"id": 1}, {"id": 2}], headers={"Link": f'<{base}?limit=2>; rel="self", <{base}?after=2&limit=2>; rel="next"'}
    )
    httpserver.expect_request("/api/v1/users", query_string="after=2&limit=2").respond_with_json(
        [{"id": 3}, {"id": 4}], headers={"Link": f'<{base}?after=4&limit=2>; rel="next"'}
    )
    httpserver.expect_request("/api/v1/users", query_string="after=4&limit=2").respond_with_json(
        [{"id": 5}], headers={"Link": f'<{base}?after=4&limit=2>; rel="self"'}
    )
    # when every item is read
    items = client(httpserver).get_all("/api/v1/users", {"limit": 2}, paging=LinkHeaderPaging())
    # then all five arrive, in order
    assert [i["id"] for i in items] == [1, 2, 3, 4, 5]


def test_body_token_pages_send_the_token_back_with_the_other_parameters(httpserver):
    # given Google-style pages: the list under "users" and a nextPageToken; the last page has no token
    httpserver.expect_request("/admin/directory/v1/users", query_string="customer=my_customer").respond_with_json(
        {"kind": "admin#directory#users", "users": [{"id": "a"}], "nextPageToken": "tok-1"}
    )
    httpserver.expect_request(
        "/admin/directory/v1/users", query_string="customer=my_customer&pageToken=tok-1"
    ).respond_with_json({"users": [{"id": "b"}], "nextPageToken": "tok-2"})
    httpserver.expect_request(
        "/admin/directory/v1/users", query_string="customer=my_customer&pageToken=tok-2"
    ).respond_with_json({"kind": "admin#directory#users"})
    # when read with token paging
    items = client(httpserver).get_all(
        "/admin/directory/v1/users", {"customer": "my_customer"}, paging=TokenPaging(items_key="users")
    )
    # then both items arrive and the empty last page (no "users" key) ends the list
    assert [i["id"] for i in items] == ["a", "b"]


def test_body_next_link_pages_are_followed(httpserver):
    # given Microsoft Graph pages linked by @odata.nextLink
    next_url = httpserver.url_for("/v1.0/users") + "?$skiptoken=X1"
    httpserver.expect_request("/v1.0/users", query_string="$top=1").respond_with_json(
        {"value": [{"id": "u1"}], "@odata.nextLink": next_url}
    )
    httpserver.expect_request("/v1.0/users", query_string="$skiptoken=X1").respond_with_json({"value": [{"id": "u2"}]})
    # when read
    items = client(httpserver).get_all("/v1.0/users", {"$top": 1}, paging=NextLinkPaging())
    # then both pages' items arrive
    assert [i["id"] for i in items] == ["u1", "u2"]


def test_a_nested_next_link_is_followed(httpserver):
    # given Okta's IAM list shape: {"value": [...], "_links": {"next": {"href": ...}}}
    httpserver.expect_request("/api/v1/iam/assignees/users", query_string="").respond_with_json(
        {"value": [{"id": "00u1"}], "_links": {"next": {"href": "/api/v1/iam/assignees/users?after=00u1"}}}
    )
    httpserver.expect_request("/api/v1/iam/assignees/users", query_string="after=00u1").respond_with_json(
        {"value": [{"id": "00u2"}], "_links": {}}
    )
    # when read with the nested path (a relative next link is resolved against the base)
    paging = NextLinkPaging(items_key="value", next_path=("_links", "next", "href"))
    items = client(httpserver).get_all("/api/v1/iam/assignees/users", paging=paging)
    # then both arrive
    assert [i["id"] for i in items] == ["00u1", "00u2"]


def test_a_server_that_always_has_a_next_page_is_stopped_at_the_cap(httpserver):
    # given a server whose every page links to itself
    url = httpserver.url_for("/loop")
    httpserver.expect_request("/loop").respond_with_json([1], headers={"Link": f'<{url}>; rel="next"'})
    # when read with a cap of 3 pages
    with pytest.raises(RestError) as caught:
        client(httpserver, max_pages=3).get_all("/loop", paging=LinkHeaderPaging())
    # then it stops, saying so, after exactly 3 requests
    assert "more than 3 pages" in str(caught.value)
    assert len(httpserver.log) == 3


def test_a_next_page_on_another_host_is_not_followed(httpserver):
    # given a next link pointing elsewhere
    httpserver.expect_request("/users").respond_with_json(
        [1], headers={"Link": '<http://169.254.169.254/latest/meta-data>; rel="next"'}
    )
    # when read
    with pytest.raises(RestRedirectRefusedError) as caught:
        client(httpserver).get_all("/users", paging=LinkHeaderPaging())
    # then nothing is sent there
    assert "another host" in str(caught.value)
    assert len(httpserver.log) == 1


def test_an_answer_that_is_not_a_list_is_an_error(httpserver):
    httpserver.expect_request("/users").respond_with_json({"not": "a list"})
    with pytest.raises(RestError, match="not a list"):
        client(httpserver).get_all("/users", paging=LinkHeaderPaging())


# --- rate limits, retries ---------------------------------------------------------------------------


def test_a_429_with_a_near_okta_reset_is_waited_out_then_retried(httpserver):
    # given Okta answering 429 once, its window resetting in 5 seconds
    reset = int(time.time()) + 5
    headers = {"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(reset)}
    httpserver.expect_oneshot_request("/api/v1/org").respond_with_json(
        {"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."},
        status=429,
        headers=headers,
    )
    httpserver.expect_request("/api/v1/org").respond_with_json({"id": "00o1"})
    api = client(httpserver)
    # when read
    body = api.get_json("/api/v1/org")
    # then the client slept until the reset (plus a margin) and the second answer came through
    assert body == {"id": "00o1"}
    # (whole-second headers and a busy machine take up to a second or two off the wait)
    assert len(api.sleeps) == 1 and 3.0 <= api.sleeps[0] <= 7.0
    assert len(httpserver.log) == 2


def test_retry_after_seconds_and_dates_are_honoured(httpserver):
    # given two 429s: one naming seconds, one an HTTP date, then success
    httpserver.expect_ordered_request("/x").respond_with_data("", status=429, headers={"Retry-After": "3"})
    httpserver.expect_ordered_request("/x").respond_with_data(
        "", status=429, headers={"Retry-After": formatdate(time.time() + 10, usegmt=True)}
    )
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    api = client(httpserver)
    # when read
    assert api.get_json("/x") == {"ok": True}
    # then both waits were taken from the headers
    assert api.sleeps[0] == 3.0
    assert 7.0 <= api.sleeps[1] <= 10.0


def test_a_429_with_a_distant_reset_fails_the_request_saying_when(httpserver):
    # given a reset ten minutes away
    reset = int(time.time()) + 600
    httpserver.expect_request("/api/v1/users").respond_with_json(
        {"errorSummary": "API call exceeded rate limit due to too many requests."},
        status=429,
        headers={"X-Rate-Limit-Reset": str(reset)},
    )
    api = client(httpserver)
    # when read
    with pytest.raises(RestRateLimitError) as caught:
        api.get_json("/api/v1/users")
    # then it does not wait, and says when the limit resets and that it gave up
    message = str(caught.value)
    assert "Example's rate limit was hit and resets at" in message
    assert "not waiting that long (at most 60 s)" in message
    assert api.sleeps == []


def test_5xx_answers_are_retried_with_backoff(httpserver):
    # given two 503s, then success
    httpserver.expect_ordered_request("/x").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/x").respond_with_data("busy", status=502)
    httpserver.expect_ordered_request("/x").respond_with_json([1])
    api = client(httpserver, backoff=0.5)
    # when read
    # then the third attempt succeeds after pauses of 0.5 s and 1 s
    assert api.get_json("/x") == [1]
    assert api.sleeps == [0.5, 1.0]


def test_a_5xx_that_persists_is_an_http_error_after_the_retries(httpserver):
    httpserver.expect_request("/x").respond_with_data("down", status=500)
    api = client(httpserver)
    with pytest.raises(RestHttpError) as caught:
        api.get_json("/x")
    assert caught.value.status == 500
    assert str(caught.value) == "500 Internal Server Error"
    assert len(httpserver.log) == 3


def test_a_dropped_connection_is_retried_then_reported_in_our_words():
    # given a port nobody listens on
    port = closed_port()
    api = RestClient(base_url=f"http://127.0.0.1:{port}", auth=lambda: {}, service="Example")
    api.sleeps = []  # type: ignore[attr-defined]
    api.sleep = api.sleeps.append  # type: ignore[attr-defined]
    # when read
    with pytest.raises(RestError) as caught:
        api.get_json("/x")
    # then it was retried twice and the reason is ours
    assert "could not reach Example" in str(caught.value)
    assert "the connection was refused" in str(caught.value)
    assert api.sleeps == [1.0, 2.0]


# --- errors, authentication, redirects, egress --------------------------------------------------------


def test_401_and_403_show_only_well_known_provider_messages(httpserver):
    # given Okta rejecting the token, and a 403 with a message that is not on the known list
    httpserver.expect_request("/a").respond_with_json(
        {"errorCode": "E0000011", "errorSummary": "Invalid token provided"}, status=401
    )
    httpserver.expect_request("/b").respond_with_json(
        {"error": {"code": 403, "message": "<script>x</script>"}}, status=403
    )
    api = client(httpserver, known_messages=["Invalid token provided"])
    # when read
    with pytest.raises(RestHttpError) as unauthorized:
        api.get_json("/a")
    with pytest.raises(RestHttpError) as forbidden:
        api.get_json("/b")
    # then the known message is shown, the unknown one kept for the caller only, and neither is retried
    assert str(unauthorized.value) == "401 Invalid token provided"
    assert unauthorized.value.code == "E0000011"
    assert str(forbidden.value) == "403 Forbidden"
    assert forbidden.value.message == "<script>x</script>" and forbidden.value.code == "403"
    assert len(httpserver.log) == 2


def test_the_auth_callable_is_asked_before_every_request(httpserver):
    # given an auth callable that hands out a fresh token each time (as an OAuth refresh would)
    tokens = iter(["first-token-123", "second-token-456"])
    httpserver.expect_ordered_request("/x", headers={"Authorization": "Bearer first-token-123"}).respond_with_json(1)
    httpserver.expect_ordered_request("/x", headers={"Authorization": "Bearer second-token-456"}).respond_with_json(2)
    api = client(httpserver, auth=lambda: {"Authorization": f"Bearer {next(tokens)}"})
    # when read twice
    # then each request carries the token of its time, and both are redacted from any text
    assert [api.get_json("/x"), api.get_json("/x")] == [1, 2]
    assert api.redact("first-token-123 and Bearer second-token-456") == "*** and ***"


def test_a_failing_auth_callable_is_reported_without_its_text(httpserver):
    def broken():
        raise ValueError(f"refresh failed for {TOKEN}")

    with pytest.raises(RestError) as caught:
        client(httpserver, auth=broken).get_json("/x")
    assert str(caught.value) == "could not obtain Example credentials (ValueError)"
    assert httpserver.log == []


def test_a_redirect_within_the_origin_keeps_the_credentials(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new", headers={"Authorization": f"Bearer {TOKEN}"}).respond_with_json({"moved": 1})
    assert client(httpserver).get_json("/old") == {"moved": 1}


def test_a_redirect_to_another_host_is_refused(httpserver):
    # given a redirect to the cloud metadata address
    httpserver.expect_request("/x").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    # when read
    with pytest.raises(RestRedirectRefusedError) as caught:
        client(httpserver).get_json("/x")
    # then it is not followed
    assert str(caught.value) == "Example answered 302 with a redirect to another host; not followed"


def test_the_egress_guard_refuses_a_disallowed_address_before_connecting(httpserver, settings):
    # given an operator who allows no private or loopback address
    settings.INTEGRATION_EGRESS_ALLOW = []
    httpserver.expect_request("/x").respond_with_json({})
    api = client(httpserver)
    # when read
    with pytest.raises(RestError) as caught:
        api.get_json("/x")
    # then the guard's reason is given, nothing reached the server, and it was not retried
    assert "a loopback address; integrations may only reach public addresses" in str(caught.value)
    assert httpserver.log == []
    assert api.sleeps == []


def test_an_answer_that_is_not_json_is_an_error(httpserver):
    httpserver.expect_request("/x").respond_with_data("<html>login</html>", content_type="text/html")
    with pytest.raises(RestError, match="did not answer /x with JSON; is it the Example API"):
        client(httpserver).get_json("/x")


def test_a_rate_limit_that_keeps_coming_back_gives_up_after_three_waits(httpserver):
    # given a server answering 429 with a short Retry-After forever
    httpserver.expect_request("/x").respond_with_data("", status=429, headers={"Retry-After": "1"})
    api = client(httpserver)
    # when read
    with pytest.raises(RestRateLimitError) as caught:
        api.get_json("/x")
    # then it waited three times, then stopped saying so
    assert api.sleeps == [1.0, 1.0, 1.0]
    assert str(caught.value) == "Example's rate limit was still hit after 3 waits; try again later"
