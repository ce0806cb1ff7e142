"""The app registration's access token: OAuth 2.0 client credentials against the Microsoft identity platform.

The shared wire (``providers._rest``) only GETs, so the one POST a scan needs, to
``{authority}/{tenant}/oauth2/v2.0/token``, is made here with ``_saas.post_form``: through
the same egress guard and refusing every redirect, so the client secret goes to the
configured authority and nowhere else.  The token is kept until shortly before it
expires, and handed to the wire as its ``auth`` callable.

Error messages never repeat what the token endpoint wrote (a server at a mistyped URL
could write anything): a few well-known AADSTS codes are explained in our words, other
answers are named by their status and, when it is one of OAuth's standard error codes,
that code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from .._rest import BACKOFF, RETRIES, TIMEOUT, RestError, _connection_problem
from .._saas import json_object, post_form, post_with_retries

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# A token is renewed this long before it expires, so that no request carries one that lapses in flight.
EXPIRY_MARGIN = 300.0
# Microsoft issues tokens for 60 to 90 minutes; an answer naming no lifetime is treated as the shortest.
DEFAULT_LIFETIME = 3600.0
SERVICE = "Microsoft Entra ID"

# The standard OAuth 2.0 error codes (RFC 6749 §5.2): safe to repeat, they are a closed list.
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
# AADSTS codes (the answer's ``error_codes``) explained in our words.
AADSTS_EXPLAINED: dict[int, str] = {
    90002: "the tenant was not found: check tenant_id (the directory's GUID or a verified domain)",
    900023: "the tenant id is not a GUID or domain name: check tenant_id",
    90023: "the tenant id is not a GUID or domain name: check tenant_id",
    700016: "no application with this client_id exists in the tenant: check client_id and tenant_id",
    7000215: "the client secret is wrong: paste the secret's Value, not its Secret ID",
    7000222: "the client secret has expired: create a new one under Certificates & secrets",
    7000112: "the application is disabled in the tenant",
    700024: "the client assertion is not valid",
    500011: "the resource principal (Microsoft Graph) was not found in the tenant",
}


class TokenError(RestError):
    """The access token could not be obtained; the message is safe to show users."""


class _UnreachableError(TokenError):
    """A connection that failed or dropped: retried like a 5xx answer."""


class ClientCredentials:
    """A cached access token for an app registration, renewed shortly before it expires.

    ``headers`` is the shared wire's ``auth`` callable.  A refusal (wrong secret, unknown
    tenant) is remembered: every later call raises it again without asking again, so one
    scan makes one failing request, not one per service.
    """

    def __init__(
        self,
        *,
        authority_url: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        scope: str = GRAPH_SCOPE,
    ) -> None:
        self.authority_url = authority_url.strip().rstrip("/")
        self.tenant_id = tenant_id.strip()
        self.client_id = client_id.strip()
        self._secret = client_secret.strip()
        self.scope = scope
        self.timeout = TIMEOUT
        self.retries = RETRIES
        self.backoff = BACKOFF
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.time
        self.requests = 0
        self._token: str | None = None
        self._expires_at = 0.0
        self._refused: TokenError | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentials(tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"

    @property
    def token_url(self) -> str:
        return f"{self.authority_url}/{quote(self.tenant_id, safe='')}/oauth2/v2.0/token"

    def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def token(self) -> str:
        # Collectors read a few endpoints at once: one renewal, not one per thread.
        with self._lock:
            if self._refused is not None:
                raise self._refused
            if self._token is None or self.clock() >= self._expires_at - EXPIRY_MARGIN:
                try:
                    self._token, lifetime = self._request()
                except TokenError as exc:
                    self._refused = exc
                    raise
                self._expires_at = self.clock() + lifetime
            return self._token

    # -- the POST ---------------------------------------------------------------

    def _request(self) -> tuple[str, float]:
        answer = post_with_retries(
            self._post, retries=self.retries, backoff=self.backoff, sleep=self.sleep, unreachable=_UnreachableError
        )
        return self._parse(*answer)

    def _post(self) -> tuple[int, bytes]:
        if urlsplit(self.token_url).scheme.lower() not in ("http", "https"):
            raise TokenError(f"{self.authority_url} is not an http(s) URL")
        self.requests += 1
        return post_form(
            self.token_url,
            {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._secret,
                "scope": self.scope,
            },
            timeout=self.timeout,
            redirected=lambda status: TokenError(f"{SERVICE}'s token endpoint answered with a redirect; not followed"),
            refused=lambda why: TokenError(f"could not reach {SERVICE} at {self.authority_url}: {why}"),
            unreachable=lambda exc: _UnreachableError(
                f"could not reach {SERVICE} at {self.authority_url} ({_connection_problem(exc)})"
            ),
        )

    def _parse(self, status: int, body: bytes) -> tuple[str, float]:
        data = json_object(body)
        if 200 <= status < 300:
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise TokenError(f"{self.authority_url} answered the token request without a token; is it {SERVICE}?")
            return token, _lifetime(data.get("expires_in"))
        codes = [c for c in data.get("error_codes") or [] if isinstance(c, int)]
        known = next((AADSTS_EXPLAINED[c] for c in codes if c in AADSTS_EXPLAINED), None)
        error = str(data.get("error") or "")
        named = f"{status} {error}" if error in OAUTH_ERRORS else str(status)
        if known:
            raise TokenError(f"{SERVICE} refused the token request ({named}, AADSTS{codes[0]}): {known}")
        if not data:
            raise TokenError(f"{self.authority_url} did not answer the token request ({status}); is it {SERVICE}?")
        raise TokenError(f"{SERVICE} refused the token request ({named})")


def _lifetime(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return seconds if seconds > 0 else DEFAULT_LIFETIME
