"""Read-only GitHub connector over the REST API (github.com or GitHub Enterprise Server).

The connector is the only part of the GitHub provider that talks to GitHub.  It collects
one inventory per scan (each service once; the per-repository calls run concurrently on
a bounded pool) and hands it to the pure check functions in ``checks``.

It speaks HTTP through the standard library rather than ``requests``: every call is an
authenticated JSON GET, and ``requests`` is only present in this environment as a test
tool's dependency, so using it would add a runtime dependency for very little.
"""

from __future__ import annotations

import functools
import http.client
import json
import logging
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from complywise import egress
from integrations.registry import Inventory

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "github"
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_MAX_ADMINS = 5
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
# GitHub rejects requests without a User-Agent.
USER_AGENT = "ComplyWise-GitHub-Connector"
PER_PAGE = 100
# A guard against a server that keeps answering with a "next" link: 100,000 items.
MAX_PAGES = 1000
MAX_WORKERS = 8
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
ERRORS_SHOWN = 5
MESSAGE_MAX = 200

# What the token needs.  Several organisation settings (the 2FA requirement, the
# repository-creation policy) and every repository admin endpoint are only shown to
# organisation owners, so the token must belong to one; a classic token also needs
# admin:org for GitHub to include those settings (it is only ever used to read).
REQUIRED_CLASSIC_SCOPES: tuple[str, ...] = ("admin:org", "repo", "admin:org_hook")
REQUIRED_FINE_GRAINED_PERMISSIONS: tuple[str, ...] = (
    "organization: Administration (read)",
    "organization: Members (read)",
    "organization: Webhooks (read)",
    "repository: Administration (read)",
    "repository: Metadata (read)",
    "repository: Webhooks (read)",
)

ORG_SERVICES: frozenset[str] = frozenset({"org", "members"})
# Services read once per (non-archived) repository; each needs the repository list first.
REPO_SERVICES: tuple[str, ...] = ("branch_protection", "repo_security", "deploy_keys", "hooks", "collaborators")
SUPPORTED_SERVICES: frozenset[str] = ORG_SERVICES | {"repos", *REPO_SERVICES}

_ORG_FIELDS = (
    "login",
    "id",
    "name",
    "two_factor_requirement_enabled",
    "default_repository_permission",
    "members_can_create_repositories",
    "members_can_create_public_repositories",
    "members_can_create_private_repositories",
    "members_can_create_internal_repositories",
)
_REPO_FIELDS = (
    "name",
    "full_name",
    "private",
    "visibility",
    "archived",
    "disabled",
    "fork",
    "default_branch",
    "security_and_analysis",
)
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


@dataclass(frozen=True)
class _Task:
    service: str
    run: Callable[[], Any]
    # The repository's full name, or None for the organisation's own part of the service.
    repository: str | None = None


class GitHubRedirectRefusedError(GitHubError):
    """A redirect to another origin: never followed (the token and the egress checks belong to one origin)."""


class _SameOriginRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the configured origin only, carrying the token along."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Message, newurl: str
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


# ---------------------------------------------------------------------------
# helpers


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _quote(segment: str) -> str:
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


def _message(body: bytes) -> str:
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
    if "rate limit" in _message(response.body).lower():
        return SECONDARY_LIMIT_WAIT, "GitHub's secondary rate limit was hit"
    return None


def _pick(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {name: data.get(name) for name in fields}


def _hook(hook: Mapping[str, Any]) -> dict[str, Any]:
    """A webhook without its URL's path, query or credentials: those often carry a secret."""
    config = hook.get("config") or {}
    url = urlsplit(str(config.get("url") or ""))
    insecure_ssl = config.get("insecure_ssl")
    return {
        "id": hook.get("id"),
        "name": hook.get("name"),
        "active": hook.get("active"),
        "events": list(hook.get("events") or []),
        "url_scheme": url.scheme.lower(),
        "url_host": url.hostname or "",
        # Documented as a string ("0"/"1"), sometimes a number.
        "insecure_ssl": None if insecure_ssl is None else str(insecure_ssl),
        # GitHub masks a configured secret as "********" and leaves the key out otherwise.
        "has_secret": bool(config.get("secret")),
        "content_type": config.get("content_type"),
    }


def _deploy_key(key: Mapping[str, Any]) -> dict[str, Any]:
    # The public key itself is left out: it is not needed and only bloats the inventory.
    return _pick(key, ("id", "title", "read_only", "verified", "created_at", "last_used", "added_by"))


def _collaborator(user: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "login": user.get("login"),
        "permissions": dict(user.get("permissions") or {}),
        "role_name": user.get("role_name"),
    }


def _protection(data: Mapping[str, Any]) -> dict[str, Any]:
    reviews = data.get("required_pull_request_reviews")
    checks = data.get("required_status_checks")

    def enabled(name: str) -> bool | None:
        value = data.get(name)
        return bool(value.get("enabled")) if isinstance(value, Mapping) else None

    return {
        "required_pull_request_reviews": None
        if not isinstance(reviews, Mapping)
        else {
            "required_approving_review_count": reviews.get("required_approving_review_count", 0),
            "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews")),
            "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews")),
            "require_last_push_approval": bool(reviews.get("require_last_push_approval")),
        },
        "required_status_checks": None
        if not isinstance(checks, Mapping)
        else {
            "strict": bool(checks.get("strict")),
            "contexts": list(checks.get("contexts") or []),
            "checks": [c.get("context") for c in checks.get("checks") or [] if isinstance(c, Mapping)],
        },
        "allow_force_pushes": enabled("allow_force_pushes"),
        "allow_deletions": enabled("allow_deletions"),
        "enforce_admins": enabled("enforce_admins"),
        "required_linear_history": enabled("required_linear_history"),
    }


def _rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """One active ruleset rule, its parameters kept only for the types the checks read."""
    kind = str(rule.get("type") or "")
    params = rule.get("parameters")
    params = params if isinstance(params, Mapping) else {}
    if kind == "pull_request":
        parameters: dict[str, Any] = {
            "required_approving_review_count": int(params.get("required_approving_review_count") or 0),
            "dismiss_stale_reviews_on_push": bool(params.get("dismiss_stale_reviews_on_push")),
        }
    elif kind == "required_status_checks":
        parameters = {
            "required_status_checks": [
                str(c.get("context"))
                for c in params.get("required_status_checks") or []
                if isinstance(c, Mapping) and c.get("context")
            ],
            "strict_required_status_checks_policy": bool(params.get("strict_required_status_checks_policy")),
        }
    else:
        parameters = {}
    return {
        "type": kind,
        "parameters": parameters,
        "ruleset_id": rule.get("ruleset_id"),
        "ruleset_source_type": rule.get("ruleset_source_type"),
        "ruleset_source": rule.get("ruleset_source"),
    }


def _combine(messages: list[str]) -> str:
    shown = sorted(messages)[:ERRORS_SHOWN]
    more = len(messages) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more else "")


# ---------------------------------------------------------------------------
# the connector


class GitHubConnector:
    """Collects a GitHub organisation's settings and its repositories' protections, read-only."""

    def __init__(
        self,
        *,
        organization: str,
        token: str,
        api_url: str = DEFAULT_API_URL,
        max_admins: int = DEFAULT_MAX_ADMINS,
        allow_public_repos: bool = False,
        repositories: Iterable[str] | None = None,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        self.organization = organization.strip()
        self.api_url = (api_url or DEFAULT_API_URL).strip().rstrip("/")
        self.max_admins = max_admins
        self.allow_public_repos = allow_public_repos
        self.repositories = [r.strip() for r in repositories or [] if r and r.strip()] or None
        self.max_workers = max(1, max_workers)
        # Operational knobs, attributes so that tests (and a future setting) can tune them.
        self.timeout = TIMEOUT
        self.retries = RETRIES
        self.backoff = BACKOFF
        self.max_rate_limit_wait = MAX_RATE_LIMIT_WAIT
        self.sleep: Callable[[float], None] = time.sleep
        self._token = token or ""

    def __repr__(self) -> str:
        return f"GitHubConnector(organization={self.organization!r}, api_url={self.api_url!r})"

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        try:
            # A person waits on this: no retries and no waiting out a rate limit.
            org = self._json(self._org_path(), retries=0, max_wait=0.0, timeout=TEST_TIMEOUT)
        except GitHubHttpError as exc:
            detail = self._explain_connection(exc)
        except GitHubError as exc:
            detail = str(exc)
        else:
            if not isinstance(org, Mapping):
                detail = f"{self.api_url} did not answer like the GitHub API (the organization is not an object)"
            else:
                detail = f"Connected to organization {org.get('login') or self.organization} as {self._whoami()}"
                if org.get("two_factor_requirement_enabled") is None:
                    detail += (
                        " (warning: GitHub hides the organization's security settings from this token; "
                        "use an organization owner's token with the admin:org scope, or Administration read access)"
                    )
                return True, self._redact(detail)
        detail = self._redact(detail)
        logger.warning("GitHub connection test failed: %s", detail)
        return False, detail

    def collect(self, services: set[str]) -> Inventory:
        inventory = Inventory(integration_type=INTEGRATION_TYPE, account_id=self.organization)
        wanted = {s for s in services if s in SUPPORTED_SERVICES}
        for unknown in sorted(set(services) - SUPPORTED_SERVICES):
            inventory.errors[unknown] = "the GitHub connector does not collect this service"
        if not wanted:
            return inventory
        if not self._token:
            for service in sorted(wanted):
                inventory.errors[service] = "the integration has no GitHub token"
            return inventory

        if "org" in wanted:
            self._collect_one(inventory, "org", "organization settings", self._collect_org)
            inventory.account_id = (inventory.data.get("org") or {}).get("login") or self.organization
        if "members" in wanted:
            self._collect_one(inventory, "members", "organization admins", self._collect_members)

        repo_services = [s for s in REPO_SERVICES if s in wanted]
        if "repos" in wanted or repo_services:
            try:
                repos, missing = self._list_repositories()
            except GitHubError as exc:
                detail = self._describe(exc, "the repositories", self.organization)
                logger.warning("GitHub collection of repos failed: %s", detail)
                for service in ["repos", *repo_services]:
                    inventory.errors[service] = detail
                return inventory
            # Per-repository checks need the list even when "repos" itself was not asked for.
            inventory.data["repos"] = {
                "repositories": repos,
                "missing": missing,
                "allow_public_repos": self.allow_public_repos,
            }
            active = [r for r in repos if not r.get("archived")]
            self._collect_per_repository(inventory, repo_services, active)
        return inventory

    # -- collectors -----------------------------------------------------------

    def _collect_one(self, inventory: Inventory, service: str, label: str, collector: Callable[[], Any]) -> None:
        try:
            inventory.data[service] = collector()
        except GitHubError as exc:
            detail = self._describe(exc, label, self.organization)
            logger.warning("GitHub collection of %s failed: %s", service, detail)
            inventory.errors[service] = detail

    def _collect_org(self) -> dict[str, Any]:
        org = self._json(self._org_path())
        if not isinstance(org, Mapping):
            raise GitHubError("GitHub's answer for the organization is not an object")
        return _pick(org, _ORG_FIELDS)

    def _collect_members(self) -> dict[str, Any]:
        admins = self._all(f"{self._org_path()}/members", {"role": "admin"})
        return {
            "admins": sorted(str(a.get("login")) for a in admins if isinstance(a, Mapping)),
            "max_admins": self.max_admins,
        }

    def _list_repositories(self) -> tuple[list[dict[str, Any]], list[str]]:
        listed = [_pick(r, _REPO_FIELDS) for r in self._all(f"{self._org_path()}/repos", {"type": "all"})]
        missing: list[str] = []
        if self.repositories is not None:
            # Repository names are case-insensitive on GitHub.
            by_name = {str(r.get("name", "")).lower(): r for r in listed}
            listed = []
            for name in dict.fromkeys(self.repositories):
                found = by_name.get(name.lower())
                if found is None:
                    missing.append(f"{self.organization}/{name}")
                elif found not in listed:
                    listed.append(found)
        return sorted(listed, key=lambda r: str(r.get("full_name", "")).lower()), missing

    def _collect_per_repository(self, inventory: Inventory, services: list[str], repos: list[dict[str, Any]]) -> None:
        tasks: list[_Task] = []
        for service in services:
            inventory.data[service] = {"repositories": {}}
            if service == "hooks":
                inventory.data[service]["organization"] = []
                tasks.append(_Task(service, self._org_hooks))
            collector = self._repository_collectors()[service]
            for repo in repos:
                tasks.append(_Task(service, functools.partial(collector, repo), str(repo["full_name"])))
        if not tasks:
            return

        failures: dict[str, list[str]] = {}
        with ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(tasks)), thread_name_prefix="github-collect"
        ) as pool:
            futures = [(task, pool.submit(task.run)) for task in tasks]
            for task, future in futures:
                try:
                    data = future.result()
                except GitHubError as exc:
                    target = task.repository or self.organization
                    failures.setdefault(task.service, []).append(self._describe(exc, _LABELS[task.service], target))
                    continue
                if task.repository is None:
                    inventory.data[task.service]["organization"] = data
                else:
                    inventory.data[task.service]["repositories"][task.repository] = data
        for service, messages in failures.items():
            detail = _combine(messages)
            logger.warning("GitHub collection of %s failed: %s", service, detail)
            inventory.errors[service] = detail

    def _repository_collectors(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        return {
            "branch_protection": self._repo_branch_protection,
            "repo_security": self._repo_security,
            "deploy_keys": self._repo_deploy_keys,
            "hooks": self._repo_hooks,
            "collaborators": self._repo_collaborators,
        }

    def _repo_branch_protection(self, repo: Mapping[str, Any]) -> dict[str, Any]:
        """The default branch's classic protection and the ruleset rules that apply to it."""
        branch = repo.get("default_branch")
        if not branch:
            return {"branch": None, "state": "missing", "protection": None, "rules": []}
        path = f"{self._repo_path(repo)}/branches/{_quote(str(branch))}/protection"
        response = self._get(self._url(path))
        if response.status == 404:
            # GitHub tells an unprotected branch (a finding) apart from a repository or
            # endpoint the token may not see (an error) only by the message.
            message = _message(response.body).lower()
            if "not protected" in message:
                # Classic protection is absent, but rulesets may still protect the branch.
                return {"branch": branch, "state": "unprotected", "protection": None, "rules": self._rules(repo)}
            if "branch not found" in message:
                # Nothing to protect yet, so the rules that would apply do not matter.
                return {"branch": branch, "state": "missing", "protection": None, "rules": []}
        data = self._decode(response, path)
        if not isinstance(data, Mapping):
            raise GitHubError("GitHub's answer for branch protection is not an object")
        return {"branch": branch, "state": "protected", "protection": _protection(data), "rules": self._rules(repo)}

    def _rules(self, repo: Mapping[str, Any]) -> list[dict[str, Any]]:
        # GitHub resolves every active repository and organisation ruleset for the branch here.
        path = f"{self._repo_path(repo)}/rules/branches/{_quote(str(repo['default_branch']))}"
        try:
            return [_rule(r) for r in self._all(path) if isinstance(r, Mapping)]
        except GitHubHttpError as exc:
            # The branch endpoint just answered for this repository, so a 404 here means a
            # server without rulesets (GitHub Enterprise Server before 3.9): no rules apply.
            if exc.status == 404:
                return []
            raise

    def _repo_security(self, repo: Mapping[str, Any]) -> dict[str, Any]:
        path = f"{self._repo_path(repo)}/vulnerability-alerts"
        response = self._get(self._url(path))
        # Documented answers: 204 when Dependabot alerts are on, 404 when they are off.
        if response.status == 204:
            return {"vulnerability_alerts": True}
        if response.status == 404:
            return {"vulnerability_alerts": False}
        if not response.ok:
            raise GitHubHttpError(response.status, _message(response.body), path)
        raise GitHubError(f"GitHub answered {response.status} for {path}, where 204 or 404 was expected")

    def _repo_deploy_keys(self, repo: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [_deploy_key(k) for k in self._all(f"{self._repo_path(repo)}/keys") if isinstance(k, Mapping)]

    def _repo_hooks(self, repo: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [_hook(h) for h in self._all(f"{self._repo_path(repo)}/hooks") if isinstance(h, Mapping)]

    def _org_hooks(self) -> list[dict[str, Any]]:
        return [_hook(h) for h in self._all(f"{self._org_path()}/hooks") if isinstance(h, Mapping)]

    def _repo_collaborators(self, repo: Mapping[str, Any]) -> list[dict[str, Any]]:
        users = self._all(f"{self._repo_path(repo)}/collaborators", {"affiliation": "outside"})
        return [_collaborator(u) for u in users if isinstance(u, Mapping)]

    def _whoami(self) -> str:
        try:
            user = self._json("/user", retries=0, max_wait=0.0, timeout=TEST_TIMEOUT)
        except GitHubHttpError as exc:
            # GitHub App installation tokens have no user behind them.
            return f"an unidentified token (GET /user answered {exc})"
        except GitHubError as exc:
            return f"an unidentified token ({exc})"
        login = user.get("login") if isinstance(user, Mapping) else None
        return str(login) if login else "an unidentified token"

    # -- HTTP -------------------------------------------------------------------

    def _org_path(self) -> str:
        return f"/orgs/{_quote(self.organization)}"

    def _repo_path(self, repo: Mapping[str, Any]) -> str:
        owner, _, name = str(repo["full_name"]).partition("/")
        return f"/repos/{_quote(owner)}/{_quote(name)}"

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
            raise GitHubHttpError(response.status, _message(response.body), path)
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

    def _describe(self, exc: GitHubError, what: str, target: str) -> str:
        """One line saying what could not be read and why."""
        if isinstance(exc, GitHubHttpError):
            if exc.status == 401:
                text = f"GitHub rejected the token ({exc}) while reading {what} of {target}"
            elif exc.status in (403, 404):
                text = f"token lacks permission to read {what} of {target}: {exc}"
            else:
                text = f"GitHub answered {exc} when reading {what} of {target}"
        else:
            text = f"could not read {what} of {target}: {exc}"
        return self._redact(text)

    def _explain_connection(self, exc: GitHubHttpError) -> str:
        if exc.status == 401:
            return f"GitHub rejected the token ({exc}): check that it is correct and not expired or revoked"
        if exc.status == 404:
            return (
                f"Organization '{self.organization}' was not found at {self.api_url}, "
                f"or the token cannot see it ({exc})"
            )
        if exc.status == 403:
            return f"GitHub refused access to organization '{self.organization}' ({exc})"
        return f"GitHub answered {exc} for organization '{self.organization}'"

    def _redact(self, text: str) -> str:
        if self._token and len(self._token) >= 4:
            text = text.replace(self._token, "***")
        return text


_LABELS = {
    "branch_protection": "branch protection",
    "repo_security": "Dependabot alert settings",
    "deploy_keys": "deploy keys",
    "hooks": "webhooks",
    "collaborators": "outside collaborators",
}


def build_connector(*, config: dict, credentials: dict) -> GitHubConnector:
    """Build the connector from an integration's config and decrypted credentials."""
    max_admins = config.get("max_admins")
    return GitHubConnector(
        organization=str(config.get("organization") or ""),
        api_url=str(config.get("api_url") or DEFAULT_API_URL),
        token=str(credentials.get("token") or ""),
        max_admins=DEFAULT_MAX_ADMINS if max_admins is None else int(max_admins),
        allow_public_repos=bool(config.get("allow_public_repos", False)),
        repositories=config.get("repositories") or None,
    )
