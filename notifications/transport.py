"""Signing and sending one webhook request, through the egress guard.

The signature lets a receiver prove a request came from ComplyWise and was not replayed:

    X-ComplyWise-Timestamp: <unix seconds>
    X-ComplyWise-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

A receiver recomputes the HMAC over the exact bytes it received, compares in constant time and rejects a
timestamp older than a few minutes (docs/WEBHOOKS.md has a ten-line verifier).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from complywise import egress

SIGNATURE_VERSION = "v1"
USER_AGENT = "ComplyWise-Webhooks/1"
# A receiver's answer is logged for the operator, never stored whole.
RESPONSE_EXCERPT_BYTES = 500


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an HTTP status (None when no answer came), latency, and why it failed if it did."""

    status_code: int | None
    latency_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A webhook answers where it was registered; following a redirect would send the signed body elsewhere.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` to ``url`` once; never raises for network or HTTP errors (they are the answer)."""
    # urllib would also open file:, ftp: and data: URLs; a webhook is only ever http(s).
    if not url.lower().startswith(("https://", "http://")):
        return Answer(None, 0, "Refused: a webhook URL must be http:// or https://.")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers}
    )
    opener = egress.build_opener(_NoRedirect())
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(RESPONSE_EXCERPT_BYTES)
            return Answer(response.status, elapsed(), "")
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(RESPONSE_EXCERPT_BYTES).decode(errors="replace") if exc.fp else ""
        reason = f"HTTP {exc.code} {exc.reason}".strip()
        return Answer(exc.code, elapsed(), f"{reason}: {excerpt}" if excerpt else reason)
    except egress.EgressDeniedError as exc:
        return Answer(None, elapsed(), f"Refused by the egress policy: {exc}")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        denied = egress.refusal_in(exc)
        if denied is not None:
            return Answer(None, elapsed(), f"Refused by the egress policy: {denied}")
        why = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return Answer(None, elapsed(), f"No answer: {why}")
