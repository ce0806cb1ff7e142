"""GitHub's REST API over the standard library: an authenticated JSON GET with retries, paging and safe errors.

Every connection goes through the egress guard, redirects are followed within the
configured origin only (the token goes nowhere else), 5xx answers and dropped
connections are retried and short rate limits waited out.

It speaks HTTP through the standard library rather than ``requests``: every call is an
authenticated JSON GET, and ``requests`` is only present in this environment as a test
tool's dependency, so using it would add a runtime dependency for very little.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from complywise import egress

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
# GitHub rejects requests without a User-Agent.
USER_AGENT = "ComplyWise-GitHub-Connector"
PER_PAGE = 100
# A guard against a server that keeps answering with a "next" link: 100,000 items.
MAX_PAGES = 1000
TIMEOUT = 30.0
TEST_TIMEOUT = 10.0
# 5xx answers and dropped connections are retried this many times, pausing BACKOFF, 2×BACKOFF, ...
RETRIES = 2
BACKOFF = 1.0
# A rate limit that resets sooner than this is waited out; a later one fails the service.
MAX_RATE_LIMIT_WAIT = 60.0
MAX_RATE_LIMIT_WAITS = 3
# GitHub asks clients to pause at least a minute on a secondary limit that names no wait.
SECONDARY_LIMIT_WAIT = 60.0
# Waiting for the reset second exactly can land a hair early on a skewed clock.
RESET_MARGIN = 1.0
MESSAGE_MAX = 200

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]*)"')
# GitHub's own error messages that are safe and useful to repeat word for word.
_KNOWN_MESSAGES = frozenset(
    {
        "Bad credentials",
        "Not Found",
        "Requires authentication",
        "Resource not accessible by integration",
        "Resource not accessible by personal access token",
        "Must have admin rights to Repository.",
        "Branch not protected",
        "Branch not found",
        "API rate limit exceeded",
    }
)


class GitHubError(Exception):
    """A request that failed for good (after retries); the message is safe to show users."""


class GitHubHttpError(GitHubError):
    """GitHub answered with an error status that retrying will not fix.

    ``message`` is GitHub's own explanation, used to tell cases apart; what users see
    repeats it only when it is one of GitHub's well-known messages, else the status's
    standard phrase: a server at a mistyped (or malicious) URL must not have its answers
    shown through a connection test.
    """

    def __init__(self, status: int, message: str, path: str) -> None:
        self.status = status
        self.message = message
        self.path = path
        super().__init__(f"{status} {_shown_message(status, message)}".strip())


class GitHubRateLimitError(GitHubError):
    pass


class GitHubUnreachableError(GitHubError):
    pass


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Message
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class GitHubRedirectRefusedError(GitHubError):
    """A redirect to another origin: never followed (the token and the egress checks belong to one origin)."""


class _SameOriginRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the configured origin only, carrying the token along."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: http.client.HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        # GitHub redirects renamed repositories within the API.  A redirect elsewhere
        # could lead the worker to any host (an internal one included), so it stops here;
        # the new connection on the same origin is vetted by the egress guard again.
        if _origin(newurl) != _origin(req.full_url):
            fp.close()
            raise GitHubRedirectRefusedError(f"GitHub answered {code} with a redirect to another host; not followed")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        # The token is an unredirected header, which urllib drops on a redirect: put it back.
        authorization = req.get_header("Authorization")
        if new is not None and authorization:
            new.add_unredirected_header("Authorization", authorization)
        return new


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def path_segment(segment: str) -> str:
    """``segment`` quoted to stand alone in a URL path (a "/" in a branch name included)."""
    return quote(segment, safe="")


def _shown_message(status: int, message: str) -> str:
    if message in _KNOWN_MESSAGES:
        return message
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _connection_problem(exc: BaseException) -> str:
    """What went wrong opening a connection, in our words (never text the server sent)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(reason, TimeoutError):
        return "the connection timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return "the server's TLS certificate could not be verified"
    if isinstance(reason, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(reason, ConnectionError):
        return "the connection was closed"
    if isinstance(reason, http.client.HTTPException):
        return "the server did not answer like an HTTP server"
    if isinstance(reason, ValueError):
        return "the request could not be sent (is the token a valid header value?)"
    return type(reason).__name__


def error_message(body: bytes) -> str:
    """GitHub's own explanation of an error (the JSON ``message``), shortened."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    # Only GitHub's JSON message is repeated: echoing an arbitrary body would show a
    # tenant whatever some other server at a mistyped URL answered.
    if not isinstance(data, Mapping) or not data.get("message"):
        return ""
    text = " ".join(str(data["message"]).split())
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _next_link(headers: Message) -> str | None:
    for url, rels in _LINK.findall(headers.get("Link", "")):
        if "next" in rels.split():
            return url
    return None


def _header_number(headers: Message, name: str) -> float | None:
    try:
        return float(headers.get(name, ""))
    except ValueError:
        return None


def _rate_limit(response: _Response, now: float) -> tuple[float, str] | None:
    """How long GitHub asks us to wait, and why; None when a 403/429 is not about rate limits."""
    if response.status not in (403, 429):
        return None
    retry_after = _header_number(response.headers, "Retry-After")
    if retry_after is not None:
        return max(retry_after, 0.0), f"GitHub's secondary rate limit asks to wait {retry_after:.0f} s"
    if response.headers.get("X-RateLimit-Remaining") == "0":
        reset = _header_number(response.headers, "X-RateLimit-Reset")
        if reset is None:
            return SECONDARY_LIMIT_WAIT, "GitHub's API rate limit is exhausted"
        at = datetime.fromtimestamp(reset, UTC).strftime("%H:%M:%S UTC")
        wait = max(reset - now, 0.0)
        return wait + RESET_MARGIN, f"GitHub's API rate limit is exhausted until {at} (in {wait:.0f} s)"
    if "rate limit" in error_message(response.body).lower():
        return SECONDARY_LIMIT_WAIT, "GitHub's secondary rate limit was hit"
    return None


# ---------------------------------------------------------------------------
# the session


class GitHubApi:
    """An authenticated session with one GitHub API root.

    Its methods keep a leading underscore: they serve the provider's own modules (the
    connector and its collectors), never the rest of the platform.
    """

    def __init__(self, *, api_url: str, token: str) -> None:
        self.api_url = (api_url or DEFAULT_API_URL).strip().rstrip("/")
        # Operational knobs, attributes so that tests (and a future setting) can tune them.
        self.timeout = TIMEOUT
        self.retries = RETRIES
        self.backoff = BACKOFF
        self.max_rate_limit_wait = MAX_RATE_LIMIT_WAIT
        self.sleep: Callable[[float], None] = time.sleep
        self._token = token or ""

    def _url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.api_url}{path}{query}"

    def _json(
        self, path: str, *, retries: int | None = None, max_wait: float | None = None, timeout: float | None = None
    ) -> Any:
        response = self._get(self._url(path), retries=retries, max_wait=max_wait, timeout=timeout)
        return self._decode(response, path)

    def _all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every item of a list endpoint, following the ``Link: rel="next"`` pages."""
        items: list[Any] = []
        url: str | None = self._url(path, {**(params or {}), "per_page": PER_PAGE})
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            response = self._get(url)
            page = self._decode(response, path)
            if not isinstance(page, list):
                raise GitHubError(f"GitHub's answer for {path} is not a list")
            items.extend(page)
            url = _next_link(response.headers)
            if url is not None:
                url = urljoin(self.api_url + "/", url)
                if _origin(url) != _origin(self.api_url):
                    # Never send the token to a host the integration was not configured for.
                    raise GitHubError(f"GitHub's next-page link for {path} points to another host; not followed")
        raise GitHubError(f"{path} has more than {MAX_PAGES} pages; stopped")

    def _decode(self, response: _Response, path: str) -> Any:
        if not response.ok:
            raise GitHubHttpError(response.status, error_message(response.body), path)
        if not response.body:
            return None
        try:
            return json.loads(response.body)
        except ValueError:
            raise GitHubError(
                f"{self.api_url} did not answer with JSON; is it the API root "
                "(https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server)?"
            ) from None

    def _get(
        self, url: str, *, retries: int | None = None, max_wait: float | None = None, timeout: float | None = None
    ) -> _Response:
        """GET with retries of 5xx and dropped connections, and short rate limits waited out."""
        retries = self.retries if retries is None else retries
        max_wait = self.max_rate_limit_wait if max_wait is None else max_wait
        attempt = 0
        waits = 0
        while True:
            try:
                response = self._send(url, timeout or self.timeout)
            except GitHubUnreachableError:
                if attempt >= retries:
                    raise
                attempt += 1
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            limit = _rate_limit(response, time.time())
            if limit is not None:
                wait, why = limit
                if wait > max_wait or waits >= MAX_RATE_LIMIT_WAITS:
                    raise GitHubRateLimitError(
                        f"{why}; not waiting that long (at most {max_wait:g} s), try again later"
                    )
                waits += 1
                logger.info("%s; waiting %.1f s", why, wait)
                self.sleep(wait)
                continue
            if response.status >= 500 and attempt < retries:
                attempt += 1
                logger.info("GitHub answered %s; retrying (attempt %s)", response.status, attempt + 1)
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            return response

    def _send(self, url: str, timeout: float) -> _Response:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise GitHubUnreachableError(f"{self.api_url} is not an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
            url,
            method="GET",
            headers={"Accept": MEDIA_TYPE, "X-GitHub-Api-Version": API_VERSION, "User-Agent": USER_AGENT},
        )
        request.add_unredirected_header("Authorization", f"Bearer {self._token}")
        # One opener per request: cheap, and no state shared between the worker threads.
        # Every connection goes through the egress guard (no proxy from the environment).
        opener = egress.build_opener(_SameOriginRedirect())
        try:
            with opener.open(request, timeout=timeout) as answer:
                return _Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return _Response(exc.code, exc.headers, exc.read())
        except (OSError, http.client.HTTPException, ValueError) as exc:
            refusal = egress.refusal_in(exc)
            if refusal is not None:
                # Not retried: the address will not become allowed by waiting.
                raise GitHubError(f"could not reach GitHub at {self.api_url}: {refusal}") from None
            # OSError covers URLError, refused connections, TLS failures and timeouts;
            # ValueError a token that is not a valid header value.
            raise GitHubUnreachableError(
                f"could not reach GitHub at {self.api_url} ({_connection_problem(exc)})"
            ) from None

    # -- messages -----------------------------------------------------------------
