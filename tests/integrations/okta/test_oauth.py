"""The Okta connector with an OAuth 2.0 service app (client credentials, private_key_jwt) against a fake Okta.

The fake token endpoint checks the client assertion the way Okta does (signature with the
registered public key, issuer, subject, audience, lifetime, a jti never seen before) and
the form (grant type, assertion type, scopes); the fake org then accepts only the issued
``Bearer`` token.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.models import Integration
from integrations.providers.okta.client import SUPPORTED_SERVICES, OktaConnector, build_connector
from integrations.providers.okta.oauth import OPTIONAL_SCOPES, SCOPES, SCOPES_BY_SERVICE
from integrations.providers.okta.schema import CredentialsSerializer, credentials_hint
from integrations.registry import Inventory
from tests.integrations.okta.support import base_url, compliant_org, connector, noncompliant_org, serve

CLIENT_ID = "0oa1compl7ywise4scan"
KEY_ID = "kid-complywise-1"
ACCESS_TOKEN = "eyJraWQiOiJmYWtlIn0.fake-okta-access-token.sig1"
# Written out here, not taken from the code: what each collector's endpoints need according to Okta's reference.
NEEDED_SCOPES = {
    "okta.orgs.read",
    "okta.users.read",
    "okta.roles.read",
    "okta.policies.read",
    "okta.apps.read",
    "okta.groups.read",
    "okta.apiTokens.read",
    "okta.threatInsights.read",
}
EVERY_SERVICE = set(SUPPORTED_SERVICES)


# --- keys ----------------------------------------------------------------------------------------


@functools.cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem(key: Any, fmt: serialization.PrivateFormat = serialization.PrivateFormat.PKCS8) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


# --- the fake token endpoint -----------------------------------------------------------------------


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@dataclass
class FakeTokenEndpoint:
    """Okta's org authorization server token endpoint, verifying every client assertion like Okta."""

    public_key: rsa.RSAPublicKey
    audience: str
    # Issued in turn; the last one again once the list runs out.
    tokens: list[str] = field(default_factory=lambda: [ACCESS_TOKEN])
    expires_in: int = 3600
    # (status, body) answered instead of a token, after the assertion was checked.
    refusal: tuple[int, dict[str, Any]] | None = None
    # Scopes the app was not granted: a request naming one is refused with invalid_scope, as Okta does.
    ungranted: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    seen_jtis: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)
    clock: Callable[[], float] = time.time

    def install(self, server: HTTPServer) -> None:
        server.expect_request("/oauth2/v1/token", method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        problems = self.check(form, request)
        if problems:
            self.problems.extend(problems)
            return self._json(401, {"error": "invalid_client", "error_description": "; ".join(problems)})
        if self.refusal is not None:
            return self._json(*self.refusal)
        if self.ungranted & set(form["scope"].split(" ")):
            return self._json(400, {"error": "invalid_scope", "error_description": "The requested scope is invalid"})
        token = self.tokens[min(len(self.issued), len(self.tokens) - 1)]
        self.issued.append(token)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in, "scope": form["scope"]}
        return self._json(200, body)

    def check(self, form: dict[str, str], request: Request) -> list[str]:
        problems = []
        if request.content_type != "application/x-www-form-urlencoded":
            problems.append(f"content type {request.content_type}")
        if form.get("grant_type") != "client_credentials":
            problems.append("grant_type")
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            problems.append("client_assertion_type")
        missing = NEEDED_SCOPES - OPTIONAL_SCOPES - set(form.get("scope", "").split(" "))
        if missing:
            problems.append(f"scopes missing: {sorted(missing)}")
        if any(not s.startswith("okta.") or not s.endswith(".read") for s in form.get("scope", "").split(" ")):
            problems.append("a scope that is not an okta.*.read scope")
        return problems + self.check_assertion(form.get("client_assertion", ""))

    def check_assertion(self, assertion: str) -> list[str]:
        parts = assertion.split(".")
        if len(parts) != 3:
            return ["client_assertion is not a JWT"]
        header, claims = json.loads(_b64decode(parts[0])), json.loads(_b64decode(parts[1]))
        self.headers.append(header)
        try:
            self.public_key.verify(
                _b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return ["The client_assertion signature is invalid."]
        now = self.clock()
        problems = []
        if header.get("alg") != "RS256":
            problems.append("alg")
        if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
            problems.append("iss/sub")
        if claims.get("aud") != self.audience:
            problems.append(f"aud {claims.get('aud')}")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or not (iat - 60 <= now < exp) or exp - iat > 300:
            problems.append("iat/exp")
        jti = claims.get("jti")
        if not jti or jti in self.seen_jtis:
            problems.append("jti missing or replayed")
        self.seen_jtis.add(str(jti))
        return problems

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def token_endpoint(httpserver: HTTPServer) -> Iterator[FakeTokenEndpoint]:
    fake = FakeTokenEndpoint(rsa_key().public_key(), f"{base_url(httpserver)}/oauth2/v1/token")
    # Before the org's catch-all: the token endpoint must be matched first.
    fake.install(httpserver)
    yield fake
    assert fake.problems == [], "the connector sent a client assertion or form Okta would refuse"


def oauth_credentials(key: Any = None, *, key_id: str = KEY_ID) -> dict[str, str]:
    credentials = {"client_id": CLIENT_ID, "private_key": pem(key or rsa_key())}
    return {**credentials, "key_id": key_id} if key_id else credentials


def oauth_connector(server: HTTPServer, **credentials: Any) -> OktaConnector:
    built = build_connector(config={"org_url": base_url(server)}, credentials=credentials or oauth_credentials())
    built.api.backoff = 0.0
    built.api.sleeps = []  # type: ignore[attr-defined]
    built.api.sleep = built.api.sleeps.append  # type: ignore[attr-defined]
    assert built.oauth is not None
    built.oauth.backoff = 0.0
    built.oauth.sleep = built.api.sleeps.append  # type: ignore[attr-defined]
    return built


def token_requests(server: HTTPServer) -> int:
    return len([r for r, _ in server.log if r.path == "/oauth2/v1/token"])


def comparable(inventory: Inventory) -> dict[str, Any]:
    """The inventory's data without the moments of collection, which differ between two runs."""
    data = json.loads(json.dumps(inventory.data))
    for service in data.values():
        if isinstance(service, dict):
            service.pop("collected_at", None)
    return data


def secrets_of(endpoint: FakeTokenEndpoint) -> list[str]:
    return [pem(rsa_key()), *endpoint.issued, ACCESS_TOKEN]


# --- collection ------------------------------------------------------------------------------------


@pytest.mark.parametrize("org", [compliant_org, noncompliant_org])
def test_a_full_collection_with_oauth_matches_the_one_with_the_api_token(httpserver, org):
    # given a fake org read once with the API token (one state: its timestamps are taken when it is built)
    state = org(base_url(httpserver))
    serve(httpserver, state)
    with_token = connector(httpserver).collect(EVERY_SERVICE)
    assert with_token.errors == {}
    # and the same org, now answering only the service app's Bearer token
    httpserver.clear()
    endpoint = FakeTokenEndpoint(rsa_key().public_key(), f"{base_url(httpserver)}/oauth2/v1/token")
    endpoint.install(httpserver)
    serve(httpserver, state, authorization=f"Bearer {ACCESS_TOKEN}")
    # when every service is collected with the service app
    with_app = oauth_connector(httpserver).collect(EVERY_SERVICE)
    # then nothing failed and the inventory is the API token's
    assert endpoint.problems == []
    assert with_app.errors == {}
    assert with_app.account_id == with_token.account_id
    assert comparable(with_app) == comparable(with_token)
    # and one token served the whole collection, its users' factors read four at a time included
    assert token_requests(httpserver) == 1
    assert not [r for r, _ in httpserver.log if r.path.startswith("/api/") and "SSWS" in str(r.headers)]


def test_the_assertion_names_the_key_id_when_given(httpserver, token_endpoint):
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    oauth_connector(httpserver).collect({"org"})
    oauth_connector(httpserver, **oauth_credentials(key_id="")).collect({"org"})
    assert token_endpoint.headers[0] == {"alg": "RS256", "typ": "JWT", "kid": KEY_ID}
    assert "kid" not in token_endpoint.headers[1]


def test_a_pkcs1_key_signs_as_well(httpserver, token_endpoint):
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    key = pem(rsa_key(), serialization.PrivateFormat.TraditionalOpenSSL)
    assert key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    inventory = oauth_connector(httpserver, client_id=CLIENT_ID, private_key=key).collect({"org"})
    assert inventory.errors == {}


def test_the_token_is_renewed_shortly_before_it_expires(httpserver, token_endpoint):
    # given a connector whose clock we move
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    okta = oauth_connector(httpserver)
    assert okta.oauth is not None
    now = [time.time()]
    okta.oauth.clock = token_endpoint.clock = lambda: now[0]
    # when the org is read, then again 50 minutes later, then again 6 minutes after that
    okta.collect({"org"})
    now[0] += 50 * 60
    okta.collect({"org", "threat_insight"})
    first = token_requests(httpserver)
    now[0] += 6 * 60
    inventory = okta.collect({"org"})
    # then the token was kept for 50 minutes, and renewed within 5 minutes of its hour's end
    assert first == 1
    assert token_requests(httpserver) == 2
    assert inventory.errors == {}


def test_a_rejected_token_is_replaced_once(httpserver, token_endpoint):
    # given Okta issuing a token its API then rejects (revoked meanwhile), then a good one
    token_endpoint.tokens = ["revoked-access-token-0001", ACCESS_TOKEN]
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    okta = oauth_connector(httpserver)
    # when everything is collected
    inventory = okta.collect(EVERY_SERVICE)
    # then the 401 led to one new token and the request was repeated with it
    assert inventory.errors == {}
    assert token_requests(httpserver) == 2
    org_reads = [r.headers["Authorization"] for r, _ in httpserver.log if r.path == "/api/v1/org"]
    assert org_reads == ["Bearer revoked-access-token-0001", f"Bearer {ACCESS_TOKEN}"]


def test_a_token_rejected_again_is_not_replaced_again(httpserver, token_endpoint, caplog):
    # given Okta's API rejecting every token its authorization server issues
    token_endpoint.tokens = ["rejected-token-0001", "rejected-token-0002"]
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    # when two services are collected
    with caplog.at_level(logging.INFO):
        inventory = oauth_connector(httpserver).collect({"org", "threat_insight"})
    # then both fail saying so, after a single renewal, and no token is in the messages or logs
    assert set(inventory.errors) == {"org", "threat_insight"}
    assert "Okta rejected the service app's access token (401 Invalid token provided)" in inventory.errors["org"]
    assert token_requests(httpserver) == 2
    for secret in secrets_of(token_endpoint):
        assert secret not in str(inventory.errors) and secret not in caplog.text


def test_a_failing_token_endpoint_is_retried(httpserver, token_endpoint):
    httpserver.clear()
    httpserver.expect_ordered_request("/oauth2/v1/token", method="POST").respond_with_data("", status=503)
    token_endpoint.install(httpserver)
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    okta = oauth_connector(httpserver)
    inventory = okta.collect({"org"})
    assert inventory.errors == {}
    assert token_requests(httpserver) == 2
    assert okta.api.sleeps == [0.0]


def test_a_refused_token_request_fails_every_service_with_one_request(httpserver, token_endpoint):
    token_endpoint.refusal = (400, {"error": "invalid_scope", "error_description": "The requested scope is invalid"})
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    inventory = oauth_connector(httpserver).collect({"org", "users", "policies"})
    assert set(inventory.errors) == {"org", "users", "policies"}
    assert "invalid_scope" in inventory.errors["policies"] and "okta.policies.read" in inventory.errors["policies"]
    # once with every scope, once without the optional ones, then never again for this collection
    assert token_requests(httpserver) == 2
    assert not [r for r, _ in httpserver.log if r.path.startswith("/api/")]


def test_an_app_not_granted_the_groups_scope_still_scans_without_groups(httpserver, token_endpoint):
    # given a service app set up before groups were read: okta.groups.read is not granted
    token_endpoint.ungranted = {"okta.groups.read"}
    state = compliant_org(base_url(httpserver))
    state.errors["/api/v1/groups"] = (
        403,
        {"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action"},
    )
    serve(httpserver, state, authorization=f"Bearer {ACCESS_TOKEN}")
    # when it collects users, admins and groups
    inventory = oauth_connector(httpserver).collect({"users", "admins", "groups"})
    # then the token was asked again without the groups scope, and only the groups service failed
    assert token_requests(httpserver) == 2
    assert set(inventory.errors) == {"groups"}
    assert inventory.data["users"] and "admins" in inventory.data


def test_a_missing_scope_on_one_endpoint_names_that_scope(httpserver, token_endpoint):
    # given an app whose token Okta refuses for the API tokens list (scope or role not granted)
    state = compliant_org(base_url(httpserver))
    state.errors["/api/v1/api-tokens"] = (
        403,
        {"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action"},
    )
    serve(httpserver, state, authorization=f"Bearer {ACCESS_TOKEN}")
    inventory = oauth_connector(httpserver).collect({"api_tokens", "org"})
    assert set(inventory.errors) == {"api_tokens"}
    assert (
        "grant it the scopes okta.apiTokens.read and the Read-Only Administrator role" in inventory.errors["api_tokens"]
    )


def test_every_collected_service_has_its_scopes():
    assert set(SCOPES_BY_SERVICE) == EVERY_SERVICE
    assert set(SCOPES) == NEEDED_SCOPES


# --- connection test -------------------------------------------------------------------------------


def test_connection_with_the_service_app(httpserver, token_endpoint):
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    okta = oauth_connector(httpserver)
    ok, detail = okta.test_connection()
    assert (ok, detail) == (True, f"Connected to Okta org Acme at {base_url(httpserver).split('://', 1)[1]}")
    assert token_requests(httpserver) == 1
    # and the test's no-retry setting does not outlive it
    assert okta.oauth is not None and okta.oauth.retries == 2


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (401, "invalid_client", "(401 invalid_client): the service app was not recognised or its signature"),
        (400, "invalid_scope", "grant okta.apiTokens.read, okta.apps.read, okta.groups.read, okta.orgs.read"),
        (400, "invalid_dpop_proof", "turn off 'Require Demonstrating Proof of Possession (DPoP) header"),
        (400, "use_dpop_nonce", "Okta requires a DPoP proof for this service app"),
        (400, "unauthorized_client", "use an API Services app"),
        (403, "something_odd", "Okta refused the service app's token request (403)"),
    ],
)
def test_token_endpoint_refusals_are_explained_without_secrets(
    httpserver, token_endpoint, caplog, status, error, expected
):
    # given Okta refusing the token request, its description holding words we must not repeat
    token_endpoint.refusal = (status, {"error": error, "error_description": "<script>secret-ish words</script>"})
    # when the connection is tested
    with caplog.at_level(logging.DEBUG):
        ok, detail = oauth_connector(httpserver).test_connection()
    # then it fails in our words, naming the fix, with nothing secret or server-written in it
    assert ok is False
    assert detail.startswith("could not obtain an access token for the Okta service app: ")
    assert expected in detail
    assert "secret-ish" not in detail
    for secret in [*secrets_of(token_endpoint), "BEGIN PRIVATE KEY"]:
        assert secret not in detail and secret not in caplog.text
    # (a scope refusal is asked once more without the optional scopes before it is final)
    assert token_requests(httpserver) == (2 if error == "invalid_scope" else 1)


def test_connection_to_something_that_is_not_okta(httpserver):
    httpserver.expect_request("/oauth2/v1/token", method="POST").respond_with_data("<html>no</html>", status=404)
    ok, detail = oauth_connector(httpserver).test_connection()
    assert ok is False
    assert "did not answer the token request (404); is it an Okta org?" in detail


def test_the_egress_guard_stops_the_token_request_too(httpserver, settings):
    settings.INTEGRATION_EGRESS_ALLOW = []
    ok, detail = oauth_connector(httpserver).test_connection()
    assert ok is False and "INTEGRATION_EGRESS_ALLOW" in detail
    assert httpserver.log == []


def test_the_key_stays_out_of_repr(httpserver):
    okta = oauth_connector(httpserver)
    assert "PRIVATE" not in repr(okta) and CLIENT_ID in repr(okta)
    assert okta.oauth is not None and "PRIVATE" not in repr(okta.oauth)


# --- credentials -----------------------------------------------------------------------------------


def validate(credentials: dict[str, Any]) -> CredentialsSerializer:
    serializer = CredentialsSerializer(data=credentials)
    serializer.is_valid()
    return serializer


def test_a_service_app_is_valid_credentials():
    serializer = validate(oauth_credentials())
    assert serializer.errors == {}
    assert serializer.validated_data["client_id"] == CLIENT_ID
    assert serializer.validated_data["key_id"] == KEY_ID
    assert serializer.validated_data["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")


def test_a_pkcs1_key_and_a_key_that_lost_its_line_breaks_are_accepted():
    pkcs1 = pem(rsa_key(), serialization.PrivateFormat.TraditionalOpenSSL)
    one_line = pem(rsa_key()).replace("\n", "")
    for key in (pkcs1, one_line, pem(rsa_key()).replace("\n", "\\n")):
        serializer = validate({"client_id": CLIENT_ID, "private_key": key})
        assert serializer.errors == {}
        assert serializer.validated_data["private_key"].count("\n") > 20


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (lambda: "not a key at all", "Must be a PEM private key"),
        (lambda: "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----", "Not a readable PEM"),
        (lambda: pem(ec.generate_private_key(ec.SECP256R1())), "Must be an RSA key"),
        (lambda: pem(rsa_key(1024)), "The RSA key has 1024 bits: use one of at least 2048."),
        (
            lambda: (
                rsa_key()
                .public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()
            ),
            "This is a public key",
        ),
        (
            lambda: (
                rsa_key()
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(b"passphrase"),
                )
                .decode()
            ),
            "The key is encrypted",
        ),
    ],
)
def test_unusable_keys_are_a_field_error_on_private_key(key, message):
    serializer = validate({"client_id": CLIENT_ID, "private_key": key()})
    assert set(serializer.errors) == {"private_key"}
    assert message in str(serializer.errors["private_key"][0])


@pytest.mark.parametrize(
    ("credentials", "fields"),
    [
        ({}, {"api_token"}),
        ({"api_token": "", "client_id": "", "private_key": ""}, {"api_token"}),
        (
            {"api_token": "00" + "a" * 40, "client_id": CLIENT_ID, "private_key": "KEY"},
            {"api_token", "client_id", "private_key"},
        ),
        ({"client_id": CLIENT_ID}, {"private_key"}),
        ({"key_id": KEY_ID}, {"client_id", "private_key"}),
        ({"client_id": "has spaces in it"}, {"client_id"}),
    ],
)
def test_exactly_one_method_must_be_given(credentials, fields):
    if credentials.get("private_key") == "KEY":
        credentials = {**credentials, "private_key": pem(rsa_key())}
    serializer = validate(credentials)
    assert set(serializer.errors) == fields


def test_the_hint_says_which_method():
    assert credentials_hint(oauth_credentials()) == "OAuth app 0oa…scan"
    assert credentials_hint({"api_token": "00" + "b" * 36 + "wxyz"}) == "API token …wxyz"


@pytest.mark.django_db
def test_create_and_test_an_integration_with_a_service_app(admin_client, httpserver, token_endpoint, tenant):
    # given a fake Okta org that accepts the service app
    serve(httpserver, compliant_org(base_url(httpserver)), authorization=f"Bearer {ACCESS_TOKEN}")
    body = {
        "type": "okta",
        "name": "acme-okta-app",
        "config": {"org_url": httpserver.url_for("")},
        "credentials": oauth_credentials(),
    }
    # when an admin creates it and tests it
    created = admin_client.post("/api/integrations", body, format="json")
    tested = admin_client.post(f"/api/integrations/{created.json()['id']}/test")
    # then it is stored with the method's hint, and connects
    assert created.status_code == 201, created.content
    assert created.json()["credentials_hint"] == "OAuth app 0oa…scan"
    assert tested.json()["ok"] is True, tested.content
    # and neither the key nor the token is ever answered, nor stored in clear
    key_body = pem(rsa_key()).splitlines()[1]
    integration = Integration.objects.for_tenant(tenant).get(pk=created.json()["id"])
    for response in (created, tested, admin_client.get(f"/api/integrations/{created.json()['id']}")):
        assert key_body not in response.content.decode() and ACCESS_TOKEN not in response.content.decode()
    assert key_body not in integration.credentials_encrypted


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("credentials", "fields"),
    [
        ({}, {"api_token"}),
        ({"api_token": "00" + "c" * 40, **oauth_credentials(key_id="")}, {"api_token", "client_id", "private_key"}),
        ({"client_id": CLIENT_ID, "private_key": "-----BEGIN RSA PRIVATE KEY-----\nxx\n"}, {"private_key"}),
    ],
)
def test_bad_credentials_are_400_with_field_errors(admin_client, credentials, fields):
    body = {
        "type": "okta",
        "name": "broken",
        "config": {"org_url": "https://acme.okta.com"},
        "credentials": credentials,
    }
    response = admin_client.post("/api/integrations", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["credentials"]) == fields


def test_a_token_endpoint_that_keeps_failing_is_asked_again_next_time(httpserver):
    # given Okta's token endpoint failing on its side
    httpserver.expect_request("/oauth2/v1/token", method="POST").respond_with_data("", status=503)
    okta = oauth_connector(httpserver)
    # when the connection is tested twice
    first, second = okta.test_connection(), okta.test_connection()
    # then both say to try again later, and the failure was not remembered as a refusal
    assert first[0] is False and "token endpoint" in first[1] and "answered 503; try again later" in first[1]
    assert second == first
    assert token_requests(httpserver) == 2
