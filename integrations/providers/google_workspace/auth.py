"""Access tokens for a Google service account acting for a Workspace administrator (domain-wide delegation).

The OAuth 2.0 JWT bearer flow (RFC 7523), as Google documents it for server-to-server
applications: a JWT naming the service account (``iss``), the administrator it acts for
(``sub``), the scopes and the token endpoint (``aud``), signed RS256 with the service
account's private key, is exchanged at ``token_uri`` for a one-hour access token.  The
token is kept until shortly before it expires and shared by the collectors' threads.

The shared wire (``providers._rest``) only GETs, so the one POST is made here with
``_saas.post_form``: through the same egress guard and never following a redirect, so
neither the signed assertion nor the token can be led elsewhere.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .._rest import RestError, RestUnreachableError, provider_error
from .._saas import json_object, post_form

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Google issues tokens for at most an hour.
LIFETIME = 3600
# A token this close to its expiry is replaced: a page read with it must not fail half-way.
REFRESH_MARGIN = 300
TIMEOUT = 30.0
KEY_FIELDS = ("type", "client_email", "private_key", "token_uri")
# Google's token endpoint errors (RFC 6749 §5.2 codes, and descriptions of its own) safe to repeat.
KNOWN_DESCRIPTIONS = frozenset(
    {
        "Invalid JWT Signature.",
        "Invalid grant: account not found",
        "Not a valid email or user ID.",
        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of "
        "the scopes requested.",
    }
)
KNOWN_CODES = frozenset({"invalid_grant", "unauthorized_client", "invalid_client", "invalid_scope", "access_denied"})
# What Google answers when the service account may not act for the subject with one of the scopes asked.
UNAUTHORIZED_CLIENT = "unauthorized_client"


class TokenError(RestError):
    """The token endpoint refused the assertion; ``code`` is its OAuth error code."""

    def __init__(self, message: str, *, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class UnusableKeyError(ValueError):
    """A service account key that cannot be used (missing fields, not an RSA private key)."""


def missing_key_fields(key: Mapping[str, Any]) -> list[str]:
    return [name for name in KEY_FIELDS if not str(key.get(name) or "").strip()]


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key of a service account key's ``private_key`` (PEM); UnusableKeyError if not one."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise UnusableKeyError("private_key is not a PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UnusableKeyError("private_key is not an RSA key (Google service account keys are RSA)")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


def signed_assertion(
    *, key: rsa.RSAPrivateKey, key_id: str, issuer: str, subject: str, scopes: tuple[str, ...], audience: str, now: int
) -> str:
    """The RS256-signed JWT of the bearer flow."""
    header = {"alg": "RS256", "typ": "JWT", **({"kid": key_id} if key_id else {})}
    claims = {
        "iss": issuer,
        "sub": subject,
        "scope": " ".join(scopes),
        "aud": audience,
        "iat": now,
        "exp": now + LIFETIME,
    }
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


class ServiceAccountAuth:
    """The ``auth`` callable of the shared wire: ``Authorization: Bearer`` with a cached, refreshed token."""

    def __init__(
        self,
        *,
        service_account: Mapping[str, Any],
        subject: str,
        scopes: tuple[str, ...],
        service: str,
        optional_scopes: tuple[str, ...] = (),
    ) -> None:
        self.client_email = str(service_account.get("client_email") or "")
        self.token_uri = str(service_account.get("token_uri") or "")
        self.key_id = str(service_account.get("private_key_id") or "")
        self._pem = str(service_account.get("private_key") or "")
        self.subject = subject
        self.scopes = scopes
        # Asked for too, unless the account has not delegated them: Google then refuses the whole request
        # (unauthorized_client), and the token is asked again without them, once.
        self.optional_scopes = optional_scopes
        self.refused_scopes: tuple[str, ...] = ()
        self.service = service
        self.clock: Callable[[], float] = time.time
        self.timeout = TIMEOUT
        self._lock = threading.Lock()
        self._token = ""
        self._expires_at = 0.0
        # Every assertion and token sent or received, for the client to redact from messages.
        self.secrets: list[str] = []

    def __call__(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def token(self) -> str:
        with self._lock:
            if not self._token or self.clock() >= self._expires_at - REFRESH_MARGIN:
                self._token, lifetime = self._exchange()
                self._expires_at = self.clock() + lifetime
                self.secrets.append(self._token)
            return self._token

    def _exchange(self) -> tuple[str, float]:
        try:
            key = load_private_key(self._pem)
        except UnusableKeyError as exc:
            raise TokenError(f"the service account key cannot be used: {exc}") from None
        optional = tuple(s for s in self.optional_scopes if s not in self.refused_scopes)
        if optional:
            try:
                return self._exchange_for(key, (*self.scopes, *optional))
            except TokenError as exc:
                if exc.code != UNAUTHORIZED_CLIENT:
                    raise
            # Without them it may work: then they were what the account had not delegated.
            answer = self._exchange_for(key, self.scopes)
            self.refused_scopes = (*self.refused_scopes, *optional)
            return answer
        return self._exchange_for(key, self.scopes)

    def _exchange_for(self, key: Any, scopes: tuple[str, ...]) -> tuple[str, float]:
        assertion = signed_assertion(
            key=key,
            key_id=self.key_id,
            issuer=self.client_email,
            subject=self.subject,
            scopes=scopes,
            audience=self.token_uri,
            now=int(self.clock()),
        )
        self.secrets.append(assertion)
        status, body = self._post({"grant_type": GRANT_TYPE, "assertion": assertion})
        if status >= 500:
            # Google's side failed: the wire retries the request (and so this exchange) like a 5xx of its own.
            raise RestUnreachableError(f"the token endpoint {self.token_uri} answered {status}")
        if status != 200:
            raise self._refusal(status, body)
        answer = json_object(body)
        token = answer.get("access_token")
        if not token:
            raise TokenError(f"the token endpoint {self.token_uri} did not answer with an access token")
        try:
            lifetime = float(answer.get("expires_in") or LIFETIME)
        except (TypeError, ValueError):
            lifetime = LIFETIME
        return str(token), lifetime

    def _post(self, form: Mapping[str, str]) -> tuple[int, bytes]:
        # The assertion is a credential for an hour: a token endpoint that redirects is not followed anywhere.
        return post_form(
            self.token_uri,
            form,
            timeout=self.timeout,
            redirected=lambda status: TokenError(f"the token endpoint answered {status} with a redirect; not followed"),
            refused=lambda why: TokenError(f"could not reach the token endpoint {self.token_uri}: {why}"),
            # Unreachable: the wire retries the request (and so this exchange) like any dropped connection.
            unreachable=lambda exc: RestUnreachableError(
                f"could not reach the token endpoint {self.token_uri} ({type(exc).__name__})"
            ),
        )

    def _refusal(self, status: int, body: bytes) -> TokenError:
        code, description = _oauth_error(body)
        shown = code if code in KNOWN_CODES else str(status)
        if description in KNOWN_DESCRIPTIONS:
            shown += f": {description}"
        return TokenError(f"the token endpoint refused the service account ({shown})", code=code, status=status)


def _oauth_error(body: bytes) -> tuple[str, str]:
    """(error, error_description) of an RFC 6749 error body; Google-style ``{"error": {...}}`` bodies too."""
    try:
        data = json.loads(body)
    except ValueError:
        return "", ""
    if isinstance(data, Mapping) and isinstance(data.get("error"), str):
        return str(data["error"]), " ".join(str(data.get("error_description") or "").split())
    code, message = provider_error(body)
    return code, message
