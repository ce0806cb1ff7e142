"""Access tokens for an Okta API service app: OAuth 2.0 client credentials with ``private_key_jwt``.

Okta's recommended machine access instead of an API token: the app registers a public
key, and the connector proves it holds the private key by signing a short-lived JWT
(RFC 7523 client authentication) that it exchanges at the org authorization server,
``{org_url}/oauth2/v1/token``, for an access token limited to the read scopes granted to
the app.  The token is kept until shortly before it expires and handed to the wire as its
``auth`` callable; :class:`OAuthRestClient` replaces it once if Okta rejects it early.

The shared wire (``providers._rest``) only GETs, so the one POST is made here with
``_saas.post_form``: through the same egress guard and refusing every redirect, so the
signed assertion goes to the configured org and nowhere else.

DPoP-bound tokens (RFC 9449) are not supported: an app that requires them is reported with
the setting to turn off.  Messages never repeat what the token endpoint wrote (a server at
a mistyped URL could write anything): OAuth's standard error codes are explained in our
words, anything else is named by its status.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.redaction import redact

from .._rest import BACKOFF, RETRIES, TIMEOUT, Response, RestClient, RestError, _connection_problem
from .._saas import json_object, post_form, post_with_retries

# The read scopes each inventory service needs, from the endpoints its collector calls and the scope Okta's
# Management API reference documents for each (okta.*.read only: the connector never writes).
#   org            GET /api/v1/org                                         okta.orgs.read
#   users          GET /api/v1/users (and ?filter=status eq "DEPROVISIONED") okta.users.read
#   factors        GET /api/v1/users/{id}/factors (User Factors API)        okta.users.read, plus the user list
#                  (okta.factors.read covers the org's factor settings, which are not read)
#   admins         GET /api/v1/iam/assignees/users, /api/v1/users/{id}/roles okta.roles.read, plus the user list
#   groups         GET /api/v1/groups, /api/v1/groups/{id}/users             okta.groups.read
#   policies       GET /api/v1/policies?type=…, /api/v1/policies/{id}/rules  okta.policies.read
#   apps           GET /api/v1/apps, /api/v1/apps/{id}/users                 okta.apps.read, plus the user list
#   api_tokens     GET /api/v1/api-tokens                                    okta.apiTokens.read
#   threat_insight GET /api/v1/threats/configuration                         okta.threatInsights.read
# Only the account list of access reviews reads groups: an app not granted okta.groups.read still scans (the token
# is asked again without it, see OPTIONAL_SCOPES), and only the group privileges are missing.
SCOPES_BY_SERVICE: dict[str, tuple[str, ...]] = {
    "org": ("okta.orgs.read",),
    "users": ("okta.users.read",),
    "factors": ("okta.users.read",),
    "admins": ("okta.roles.read", "okta.users.read"),
    "groups": ("okta.groups.read",),
    "policies": ("okta.policies.read",),
    "apps": ("okta.apps.read", "okta.users.read"),
    "api_tokens": ("okta.apiTokens.read",),
    "threat_insight": ("okta.threatInsights.read",),
}
# Every token asks for all of them: one token serves a whole scan, and a connection test that passes means the
# app was granted everything a scan needs (Okta refuses the whole request when one scope is not granted).
SCOPES: tuple[str, ...] = tuple(sorted({scope for scopes in SCOPES_BY_SERVICE.values() for scope in scopes}))

# Scopes a scan can do without: when Okta refuses a token because one of them is not granted, it is asked again
# without them, so an app set up before groups were read keeps scanning (its groups service then reports 403).
OPTIONAL_SCOPES = frozenset({"okta.groups.read"})

TOKEN_PATH = "/oauth2/v1/token"
GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The assertion is only needed for the one POST; a short life makes a leaked one worthless soon.
ASSERTION_LIFETIME = 300
# A token is renewed this long before it expires, so that no request carries one that lapses in flight.
EXPIRY_MARGIN = 300.0
# Okta's org authorization server issues one-hour tokens; an answer naming no lifetime is taken as that.
DEFAULT_LIFETIME = 3600.0
# Okta refuses shorter RSA keys for client assertions, and they are too weak anyway.
MIN_KEY_BITS = 2048
# A 401 with a token that looked valid (revoked, or a skewed clock) gets one new token per connector, not one per
# request: a token that is refused again means the app itself is refused.
MAX_REJECTED_TOKENS = 1
SERVICE = "Okta"

DPOP_ERRORS = frozenset({"invalid_dpop_proof", "use_dpop_nonce"})
DPOP_MESSAGE = (
    "Okta requires a DPoP proof for this service app, which ComplyWise does not send: in the Admin Console, open "
    "the app (Applications → Applications → General) and turn off 'Require Demonstrating Proof of Possession "
    "(DPoP) header in token requests'"
)
# The standard OAuth 2.0 error codes (RFC 6749 §5.2): safe to repeat, they are a closed list.
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
    }
)
EXPLAINED: dict[str, str] = {
    "invalid_client": (
        "the service app was not recognised or its signature did not verify: check client_id, that the app uses "
        "'Public key / Private key' client authentication, that its registered public key matches private_key, "
        "and key_id when the app has several keys"
    ),
    "invalid_scope": (
        f"the service app has not been granted every scope the connector needs: grant {', '.join(SCOPES)} "
        "on its Okta API Scopes tab"
    ),
    "unauthorized_client": "the app may not use the client credentials flow: use an API Services app",
    "unsupported_grant_type": "the app may not use the client credentials flow: use an API Services app",
}

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


class TokenError(RestError):
    """The access token could not be obtained; the message is safe to show users.  ``code`` is OAuth's."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class _TransientError(TokenError):
    """The token endpoint could not be reached or failed on its side: not remembered, the next request asks again."""


class _UnreachableError(_TransientError):
    """A connection that failed or dropped: retried like a 5xx answer."""


class UnusableKeyError(ValueError):
    """A private key the connector cannot sign with; the message says why and never quotes the key."""


# -- the key and the assertion ---------------------------------------------------------


def normalise_pem(text: str) -> str:
    """``text`` as a well-formed PEM block.

    A key pasted into a one-line input loses its line breaks, and one copied out of JSON has
    them as ``\\n``: neither changes the key, so the base64 body is re-wrapped as PEM wants.
    """
    found = _PEM.search(text.replace("\\n", "\n"))
    if found is None:
        return text.strip()
    label, body = found.group(1), re.sub(r"\s+", "", found.group(2))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key (PKCS#1 or PKCS#8 PEM, at least 2048 bits) of ``pem``; UnusableKeyError if not one."""
    text = normalise_pem(pem)
    if "PUBLIC KEY-----" in text or "CERTIFICATE-----" in text:
        raise UnusableKeyError("This is a public key or certificate: give the app's private key.")
    if "ENCRYPTED" in text:
        raise UnusableKeyError("The key is encrypted: give it without a passphrase.")
    if "-----BEGIN" not in text:
        raise UnusableKeyError("Must be a PEM private key (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----).")
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except TypeError:
        raise UnusableKeyError("The key is encrypted: give it without a passphrase.") from None
    except (ValueError, UnsupportedAlgorithm):
        raise UnusableKeyError("Not a readable PEM private key.") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UnusableKeyError("Must be an RSA key: Okta verifies the client assertion with RS256.")
    if key.key_size < MIN_KEY_BITS:
        raise UnusableKeyError(f"The RSA key has {key.key_size} bits: use one of at least {MIN_KEY_BITS}.")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def client_assertion(*, key: rsa.RSAPrivateKey, key_id: str, client_id: str, audience: str, now: int, jti: str) -> str:
    """The RS256-signed JWT authenticating the app at the token endpoint (``private_key_jwt``)."""
    header = {"alg": "RS256", "typ": "JWT", **({"kid": key_id} if key_id else {})}
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
        # Okta refuses a jti it has seen: each exchange signs a new assertion.
        "jti": jti,
    }
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


# -- the token ----------------------------------------------------------------------


class ServiceAppToken:
    """A cached access token for an Okta service app, renewed shortly before it expires.

    ``headers`` is the shared wire's ``auth`` callable.  A refusal (unknown app, wrong key,
    scopes not granted, DPoP required) is remembered: every later call raises it again
    without asking again, so one scan makes one failing request, not one per service.
    """

    def __init__(
        self,
        *,
        org_url: str,
        client_id: str,
        private_key: str,
        key_id: str = "",
        scopes: tuple[str, ...] = SCOPES,
    ) -> None:
        self.org_url = org_url.strip().rstrip("/")
        self.client_id = client_id.strip()
        self.key_id = key_id.strip()
        self.scopes = scopes
        self._pem = private_key
        self.timeout = TIMEOUT
        self.retries = RETRIES
        self.backoff = BACKOFF
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.time
        self.requests = 0
        self._token: str | None = None
        self._expires_at = 0.0
        self._refused: TokenError | None = None
        self._rejected = 0
        self._lock = threading.Lock()
        # The token each thread last sent: a 401 must discard that one, not a newer one another thread fetched.
        self._sent = threading.local()
        # Every assertion and token, for messages to be cleaned of (none is ever written on purpose).
        self._secrets: list[str] = []

    def __repr__(self) -> str:
        return f"ServiceAppToken(org_url={self.org_url!r}, client_id={self.client_id!r})"

    @property
    def token_url(self) -> str:
        return f"{self.org_url}{TOKEN_PATH}"

    def secrets(self) -> list[str]:
        return [self._pem, *self._secrets]

    def headers(self) -> Mapping[str, str]:
        token = self.token()
        self._sent.token = token
        return {"Authorization": f"Bearer {token}"}

    def token(self) -> str:
        # Collectors read a few endpoints at once: one renewal, not one per thread.
        with self._lock:
            if self._refused is not None:
                raise self._refused
            if self._token is None or self.clock() >= self._expires_at - EXPIRY_MARGIN:
                try:
                    token, lifetime = self._request_granted()
                except _TransientError:
                    raise
                except TokenError as exc:
                    self._refused = exc
                    raise
                self._token, self._expires_at = token, self.clock() + lifetime
                self._secrets.append(token)
            return self._token

    def rejected(self) -> bool:
        """Okta answered 401 to the token this thread sent: whether to retry the request with a new one."""
        stale = getattr(self._sent, "token", None)
        with self._lock:
            if stale is None:
                return False
            if stale != self._token:
                # Another thread already replaced it (or it expired meanwhile): retry with the current one.
                return True
            if self._rejected >= MAX_REJECTED_TOKENS:
                return False
            self._rejected += 1
            self._token = None
            return True

    # -- the POST ---------------------------------------------------------------

    def _request_granted(self) -> tuple[str, float]:
        """A token for every scope, or, when Okta refuses one of the optional ones, for the others."""
        try:
            return self._request()
        except _TransientError:
            raise
        except TokenError as exc:
            optional = [scope for scope in self.scopes if scope in OPTIONAL_SCOPES]
            if exc.code != "invalid_scope" or not optional:
                raise
            self.scopes = tuple(scope for scope in self.scopes if scope not in OPTIONAL_SCOPES)
            return self._request()

    def _request(self) -> tuple[str, float]:
        answer = post_with_retries(
            self._post, retries=self.retries, backoff=self.backoff, sleep=self.sleep, unreachable=_UnreachableError
        )
        return self._parse(*answer)

    def _post(self) -> tuple[int, bytes]:
        if urlsplit(self.token_url).scheme.lower() not in ("http", "https"):
            raise TokenError(f"{self.org_url or 'the org URL'} is not an http(s) URL")
        try:
            key = load_private_key(self._pem)
        except UnusableKeyError as exc:
            raise TokenError(f"the service app's private_key cannot be used: {exc}") from None
        assertion = client_assertion(
            key=key,
            key_id=self.key_id,
            client_id=self.client_id,
            audience=self.token_url,
            now=int(self.clock()),
            jti=secrets.token_urlsafe(24),
        )
        self._secrets.append(assertion)
        self.requests += 1
        return post_form(
            self.token_url,
            {
                "grant_type": GRANT_TYPE,
                "scope": " ".join(self.scopes),
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
            },
            timeout=self.timeout,
            redirected=lambda status: TokenError(
                f"{SERVICE}'s token endpoint answered {status} with a redirect; not followed"
            ),
            refused=lambda why: TokenError(f"could not reach {SERVICE} at {self.org_url}: {why}"),
            unreachable=lambda exc: _UnreachableError(
                f"could not reach {SERVICE}'s token endpoint at {self.org_url} ({_connection_problem(exc)})"
            ),
        )

    def _parse(self, status: int, body: bytes) -> tuple[str, float]:
        if status >= 500:
            raise _TransientError(f"{SERVICE}'s token endpoint at {self.org_url} answered {status}; try again later")
        data = json_object(body)
        if 200 <= status < 300:
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise TokenError(f"{self.org_url} answered the token request without a token; is it an Okta org?")
            if str(data.get("token_type") or "Bearer").lower() == "dpop":
                raise TokenError(DPOP_MESSAGE, code="dpop")
            return token, _lifetime(data.get("expires_in"))
        error = str(data.get("error") or "")
        if error in DPOP_ERRORS:
            raise TokenError(DPOP_MESSAGE, code=error)
        if not data:
            raise TokenError(f"{self.org_url} did not answer the token request ({status}); is it an Okta org?")
        named = f"{status} {error}" if error in OAUTH_ERRORS else str(status)
        code = error if error in OAUTH_ERRORS else ""
        explained = EXPLAINED.get(error)
        if explained:
            raise TokenError(f"{SERVICE} refused the service app's token request ({named}): {explained}", code=code)
        raise TokenError(f"{SERVICE} refused the service app's token request ({named})", code=code)


def _lifetime(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return seconds if seconds > 0 else DEFAULT_LIFETIME


class OAuthRestClient(RestClient):
    """The shared wire, sending the service app's token, and replacing a token Okta rejects (once) before failing."""

    def __init__(self, *, tokens: ServiceAppToken, **kwargs: Any) -> None:
        super().__init__(auth=tokens.headers, **kwargs)
        self.tokens = tokens

    def get(
        self, url: str, *, retries: int | None = None, max_wait: float | None = None, timeout: float | None = None
    ) -> Response:
        response = super().get(url, retries=retries, max_wait=max_wait, timeout=timeout)
        if response.status == 401 and self.tokens.rejected():
            response = super().get(url, retries=retries, max_wait=max_wait, timeout=timeout)
        return response

    def redact(self, text: str) -> str:
        return redact(super().redact(text), self.tokens.secrets())
