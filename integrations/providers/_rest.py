"""A JSON-over-HTTPS GET client for the SaaS providers (Okta, Google Workspace, Microsoft Entra ID).

Every provider of that kind needs the same wire: an authenticated GET returning JSON,
through the egress guard, with 5xx answers and dropped connections retried, short rate
limits waited out, list endpoints paged, and errors that never repeat a secret or
whatever a server at a mistyped URL answered.  This module is that wire; a provider
gives it three things:

- ``auth``: a callable returning the authentication headers, called before every
  request, so a provider holding an expiring OAuth token can refresh it there;
- a service name used in messages ("Okta", "Google", "Microsoft Graph");
- a :class:`Paging` per list endpoint: :class:`LinkHeaderPaging` (RFC 5988
  ``Link: <…>; rel="next"``, Okta), :class:`TokenPaging` (a body token sent back as a
  query parameter, Google's ``nextPageToken``/``pageToken``) or :class:`NextLinkPaging`
  (a body next URL, Microsoft Graph's ``@odata.nextLink``, Okta's IAM ``_links.next.href``).

Rules it keeps: redirects are followed within the configured origin only and next-page
URLs must stay on it (the credentials go nowhere else); a 429 waits out ``Retry-After``
(seconds or an HTTP date) or ``X-Rate-Limit-Reset`` (epoch seconds, Okta) when that is
at most ``max_rate_limit_wait`` away, else the request fails with a message saying when
to try again; every list stops at ``max_pages``.

It speaks HTTP through the standard library rather than ``requests`` for the reasons
given in ``github/transport.py``: every call is one authenticated JSON GET.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from complywise import egress
from integrations.redaction import redact

logger = logging.getLogger(__name__)

TIMEOUT = 30.0
# 5xx answers and dropped connections are retried this many times, pausing BACKOFF, 2×BACKOFF, ...
RETRIES = 2
BACKOFF = 1.0
# A rate limit that resets sooner than this is waited out; a later one fails the request.
MAX_RATE_LIMIT_WAIT = 60.0
MAX_RATE_LIMIT_WAITS = 3
# A 429 that names no reset: a pause most providers' per-minute windows are over after.
DEFAULT_RATE_LIMIT_WAIT = 30.0
# Waiting for the reset second exactly can land a hair early on a skewed clock.
RESET_MARGIN = 1.0
# 1000 pages of 200 items: 200,000 users, beyond any tenant we serve; a server looping on "next" stops here.
MAX_PAGES = 1000
MESSAGE_MAX = 200

AuthHeaders = Callable[[], Mapping[str, str]]
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]*)"?')


# ---------------------------------------------------------------------------
# errors (every message is safe to show a tenant)


class RestError(Exception):
    """A request that failed for good (after retries); the message is safe to show users."""


class RestHttpError(RestError):
    """An error status that retrying will not fix.

    ``message`` and ``code`` are the provider's own explanation (Okta's ``errorSummary``
    and ``errorCode``, Google's and Graph's ``error.message`` and ``error.code``), for the
    provider to tell cases apart; ``str()`` repeats the message only when the provider
    listed it as a well-known one, else the status's standard phrase, so a server at a
    mistyped URL never gets its words shown through a connection test.
    """

    def __init__(self, status: int, message: str, path: str, *, code: str = "", shown: bool = False) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.path = path
        super().__init__(f"{status} {message if shown and message else _phrase(status)}".strip())


class RestRateLimitError(RestError):
    pass


class RestUnreachableError(RestError):
    pass


class RestRedirectRefusedError(RestError):
    """A redirect (or next-page URL) to another origin: never followed."""


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def provider_error(body: bytes) -> tuple[str, str]:
    """(code, message) of a JSON error body in the shapes Okta, Google and Microsoft Graph use; blanks if none."""
    try:
        data = json.loads(body)
    except ValueError:
        return "", ""
    if not isinstance(data, Mapping):
        return "", ""
    nested = data.get("error")
    if isinstance(nested, Mapping):
        code, message = nested.get("code"), nested.get("message")
    else:
        code, message = data.get("errorCode"), data.get("errorSummary") or data.get("message")
    text = " ".join(str(message or "").split())
    if len(text) > MESSAGE_MAX:
        text = text[: MESSAGE_MAX - 1] + "…"
    return str(code or ""), text


# ---------------------------------------------------------------------------
# paging


class Paging(Protocol):
    """How a list endpoint spreads its items over pages."""

    def items(self, body: Any) -> list[Any]: ...

    def next_url(self, url: str, headers: Message, body: Any) -> str | None: ...


def query_string(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> str:
    """Query parameters percent-encoded (spaces as %20, as Okta's filters expect), Graph's "$top" kept readable."""
    return urlencode(params, safe="$", quote_via=quote)


def _dig(body: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(body, Mapping):
            return None
        body = body.get(key)
    return body


def _items_at(body: Any, key: str | None) -> list[Any]:
    found = body if key is None else _dig(body, (key,))
    if found is None and key is not None and isinstance(body, Mapping):
        # Google and Graph leave the list out of an empty page.
        return []
    if not isinstance(found, list):
        raise RestError(f"the answer is not a list{f' under {key!r}' if key else ''}")
    return found


def link_header_next(headers: Message) -> str | None:
    """The ``rel="next"`` target of an RFC 5988 ``Link`` header, if any (several headers may be sent)."""
    for value in headers.get_all("Link") or []:
        for target, rels in _LINK.findall(value):
            if "next" in rels.split():
                return target
    return None


@dataclass(frozen=True)
class LinkHeaderPaging:
    """Okta (and GitHub): the next page is the ``Link: <url>; rel="next"`` header; the body is the list itself,
    or the list under ``items_key``."""

    items_key: str | None = None

    def items(self, body: Any) -> list[Any]:
        return _items_at(body, self.items_key)

    def next_url(self, url: str, headers: Message, body: Any) -> str | None:
        return link_header_next(headers)


@dataclass(frozen=True)
class TokenPaging:
    """Google APIs: the body's ``nextPageToken`` is sent back as the ``pageToken`` query parameter."""

    items_key: str
    token_field: str = "nextPageToken"
    token_param: str = "pageToken"

    def items(self, body: Any) -> list[Any]:
        return _items_at(body, self.items_key)

    def next_url(self, url: str, headers: Message, body: Any) -> str | None:
        token = _dig(body, (self.token_field,))
        if not token:
            return None
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != self.token_param]
        query.append((self.token_param, str(token)))
        return urlunsplit(parts._replace(query=query_string(query)))


@dataclass(frozen=True)
class NextLinkPaging:
    """Microsoft Graph (``@odata.nextLink``) and Okta's IAM lists (``_links.next.href``): a next URL in the body."""

    items_key: str = "value"
    next_path: tuple[str, ...] = ("@odata.nextLink",)

    def items(self, body: Any) -> list[Any]:
        return _items_at(body, self.items_key)

    def next_url(self, url: str, headers: Message, body: Any) -> str | None:
        found = _dig(body, self.next_path)
        return str(found) if found else None


# ---------------------------------------------------------------------------
# the wire


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _SameOriginRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the request's origin only, carrying the authentication along."""

    def __init__(self, service: str) -> None:
        self.service = service

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: http.client.HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        # A redirect elsewhere could lead the worker to any host, an internal one included, with our credentials.
        if origin(newurl) != origin(req.full_url):
            fp.close()
            raise RestRedirectRefusedError(
                f"{self.service} answered {code} with a redirect to another host; not followed"
            )
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            # Credentials are unredirected headers, which urllib drops on a redirect: put them back.
            for name, value in req.unredirected_hdrs.items():
                new.add_unredirected_header(name, value)
        return new


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
        return "the request could not be sent (are the credentials valid header values?)"
    return type(reason).__name__


def _header_number(headers: Message, name: str) -> float | None:
    try:
        return float(headers.get(name, ""))
    except ValueError:
        return None


def rate_limit_wait(headers: Message, now: float) -> tuple[float, str]:
    """How long a 429 asks to wait, and when that is, in words.

    ``Retry-After`` (seconds, or an HTTP date) wins; else ``X-Rate-Limit-Reset`` (Okta's
    epoch second the window resets at); else a default pause.
    """
    retry_after = headers.get("Retry-After", "").strip()
    if retry_after:
        seconds = _header_number(headers, "Retry-After")
        if seconds is None:
            try:
                seconds = email.utils.parsedate_to_datetime(retry_after).timestamp() - now
            except (TypeError, ValueError):
                seconds = None
        if seconds is not None:
            seconds = max(seconds, 0.0)
            return seconds, f"asks to wait {seconds:.0f} s"
    reset = _header_number(headers, "X-Rate-Limit-Reset")
    if reset is not None:
        wait = max(reset - now, 0.0)
        at = datetime.fromtimestamp(reset, UTC).strftime("%H:%M:%S UTC")
        return wait + RESET_MARGIN, f"resets at {at} (in {wait:.0f} s)"
    return DEFAULT_RATE_LIMIT_WAIT, "names no reset time"


class RestClient:
    """An authenticated JSON GET session with one API origin.

    ``base_url`` is the API root (scheme, host and an optional path prefix); request paths
    are appended to it.  ``known_messages`` lists the provider's error messages that are
    safe and useful to repeat word for word.  The operational knobs are attributes so that
    tests (and later settings) can tune them; ``sleep`` and ``clock`` stand in for time.
    """

    def __init__(
        self,
        *,
        base_url: str,
        auth: AuthHeaders,
        service: str,
        headers: Mapping[str, str] | None = None,
        known_messages: Iterable[str] = (),
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.service = service
        self.timeout = TIMEOUT
        self.retries = RETRIES
        self.backoff = BACKOFF
        self.max_rate_limit_wait = MAX_RATE_LIMIT_WAIT
        self.max_pages = MAX_PAGES
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.time
        self._auth = auth
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._known = frozenset(known_messages)
        self._secrets: list[str] = []

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        query = f"?{query_string(params)}" if params else ""
        return f"{self.base_url}{path}{query}"

    # -- reading ----------------------------------------------------------------

    def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        retries: int | None = None,
        max_wait: float | None = None,
        timeout: float | None = None,
    ) -> Any:
        """The decoded JSON of one GET (None for an empty body); :class:`RestHttpError` for an error status."""
        response = self.get(self.url(path, params), retries=retries, max_wait=max_wait, timeout=timeout)
        return self.decode(response, path)

    def get_all(self, path: str, params: Mapping[str, Any] | None = None, *, paging: Paging) -> list[Any]:
        """Every item of a list endpoint, page after page as ``paging`` says, at most ``max_pages`` pages."""
        items: list[Any] = []
        url: str | None = self.url(path, params)
        for _ in range(self.max_pages):
            if url is None:
                return items
            response = self.get(url)
            body = self.decode(response, path)
            try:
                items.extend(paging.items(body))
            except RestError as exc:
                raise RestError(f"{self.service}'s answer for {path}: {exc}") from None
            url = paging.next_url(url, response.headers, body)
            if url is not None:
                url = urljoin(self.base_url + "/", url)
                if origin(url) != origin(self.base_url):
                    raise RestRedirectRefusedError(
                        f"{self.service}'s next-page link for {path} points to another host; not followed"
                    )
        raise RestError(f"{self.service}: {path} has more than {self.max_pages} pages; stopped")

    def decode(self, response: Response, path: str) -> Any:
        if not response.ok:
            code, message = provider_error(response.body)
            raise RestHttpError(response.status, message, path, code=code, shown=message in self._known)
        if not response.body:
            return None
        try:
            return json.loads(response.body)
        except ValueError:
            raise RestError(f"{self.base_url} did not answer {path} with JSON; is it the {self.service} API?") from None

    def redact(self, text: str) -> str:
        """``text`` without any credential value this session has sent."""
        return redact(text, self._secrets)

    # -- the retry loop ---------------------------------------------------------

    def get(
        self, url: str, *, retries: int | None = None, max_wait: float | None = None, timeout: float | None = None
    ) -> Response:
        """GET with retries of 5xx and dropped connections, and short rate limits waited out."""
        retries = self.retries if retries is None else retries
        max_wait = self.max_rate_limit_wait if max_wait is None else max_wait
        attempt = 0
        waits = 0
        while True:
            try:
                response = self._send(url, timeout or self.timeout)
            except RestUnreachableError:
                if attempt >= retries:
                    raise
                attempt += 1
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if response.status == 429:
                wait, when = rate_limit_wait(response.headers, self.clock())
                if waits >= MAX_RATE_LIMIT_WAITS:
                    raise RestRateLimitError(
                        f"{self.service}'s rate limit was still hit after {waits} waits; try again later"
                    )
                if wait > max_wait:
                    raise RestRateLimitError(
                        f"{self.service}'s rate limit was hit and {when}; not waiting that long "
                        f"(at most {max_wait:g} s), try again later"
                    )
                waits += 1
                logger.info("%s rate limit %s; waiting %.1f s", self.service, when, wait)
                self.sleep(wait)
                continue
            if response.status >= 500 and attempt < retries:
                attempt += 1
                logger.info("%s answered %s; retrying (attempt %s)", self.service, response.status, attempt + 1)
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            return response

    def _send(self, url: str, timeout: float) -> Response:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise RestUnreachableError(f"{self.base_url} is not an http(s) URL")
        request = urllib.request.Request(url, method="GET", headers=self._headers)  # noqa: S310 - scheme checked
        try:
            auth = dict(self._auth())
        except RestError:
            raise
        except Exception as exc:  # noqa: BLE001 - a refresh failure of any kind is reported, never its text
            raise RestError(f"could not obtain {self.service} credentials ({type(exc).__name__})") from None
        for name, value in auth.items():
            # Unredirected: urllib would otherwise carry them along on any redirect.
            request.add_unredirected_header(name, value)
            self._remember(value)
        opener = egress.build_opener(_SameOriginRedirect(self.service))
        try:
            with opener.open(request, timeout=timeout) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, exc.headers, exc.read())
        except RestError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            refusal = egress.refusal_in(exc)
            if refusal is not None:
                # Not retried: the address will not become allowed by waiting.
                raise RestError(f"could not reach {self.service} at {self.base_url}: {refusal}") from None
            raise RestUnreachableError(
                f"could not reach {self.service} at {self.base_url} ({_connection_problem(exc)})"
            ) from None

    def _remember(self, value: str) -> None:
        # The whole header value ("SSWS abc…") and its last word (the token itself) are both secrets.
        for secret in (value, value.rpartition(" ")[2]):
            if secret and secret not in self._secrets:
                self._secrets.append(secret)
