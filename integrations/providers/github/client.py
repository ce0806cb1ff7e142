"""Read-only GitHub connector over the REST API (github.com or GitHub Enterprise Server).

The connector is the only part of the GitHub provider that talks to GitHub.  It collects
one inventory per scan (each service once, through ``collectors``; the per-repository
calls run concurrently on a bounded pool) and hands it to the pure check functions in
``checks``.  The HTTP session itself (egress guard, retries, paging) is ``transport``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from integrations.redaction import redact
from integrations.registry import Inventory

from .collectors import COLLECTORS, Scope, org_path
from .shapes import Repository
from .transport import DEFAULT_API_URL, TEST_TIMEOUT, GitHubApi, GitHubError, GitHubHttpError

logger = logging.getLogger(__name__)

INTEGRATION_TYPE = "github"
DEFAULT_MAX_ADMINS = 5
MAX_WORKERS = 8
ERRORS_SHOWN = 5

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
    # The CODEOWNERS error list reads the file (a public repository's SECURITY.md needs no permission).
    "repository: Contents (read)",
    "repository: Metadata (read)",
    "repository: Webhooks (read)",
)


# Read once for the organisation, before the repositories are listed.
ORG_SERVICES: tuple[str, ...] = ("org", "members", "actions")
# Services read once per (non-archived) repository; each needs the repository list first.
REPO_SERVICES: tuple[str, ...] = tuple(s for s, c in COLLECTORS.items() if c.repository is not None)
SUPPORTED_SERVICES: frozenset[str] = frozenset(COLLECTORS)

__all__ = [
    "DEFAULT_API_URL",
    "SUPPORTED_SERVICES",
    "GitHubConnector",
    "GitHubError",
    "build_connector",
]


@dataclass(frozen=True)
class _Task:
    service: str
    run: Callable[[], Any]
    # The repository's full name, or None for the organisation's own part of the service.
    repository: str | None = None


def _combine(messages: list[str]) -> str:
    shown = sorted(messages)[:ERRORS_SHOWN]
    more = len(messages) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more else "")


class GitHubConnector(GitHubApi):
    """Collects a GitHub organisation's settings and its repositories' protections, read-only.

    It is the authenticated API session itself, so the collectors read through it.
    """

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
        super().__init__(api_url=api_url, token=token)
        self.organization = organization.strip()
        self.max_admins = max_admins
        self.allow_public_repos = allow_public_repos
        self.repositories = [r.strip() for r in repositories or [] if r and r.strip()] or None
        self.max_workers = max(1, max_workers)

    def __repr__(self) -> str:
        return f"GitHubConnector(organization={self.organization!r}, api_url={self.api_url!r})"

    # -- Connector protocol -------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        try:
            # A person waits on this: no retries and no waiting out a rate limit.
            org = self._json(org_path(self._scope()), retries=0, max_wait=0.0, timeout=TEST_TIMEOUT)
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

        scope = self._scope()
        for service in ORG_SERVICES:
            if service in wanted:
                self._collect_one(inventory, service, scope)
        if "org" in wanted:
            inventory.account_id = (inventory.data.get("org") or {}).get("login") or self.organization

        repo_services = [s for s in REPO_SERVICES if s in wanted]
        if "repos" in wanted or repo_services:
            listing = COLLECTORS["repos"]
            assert listing.organization is not None
            try:
                repos = listing.organization(self, scope)
            except GitHubError as exc:
                detail = self._describe(exc, listing.label, self.organization)
                logger.warning("GitHub collection of repos failed: %s", detail)
                for service in ["repos", *repo_services]:
                    inventory.errors[service] = detail
                return inventory
            # Per-repository checks need the list even when "repos" itself was not asked for.
            inventory.data["repos"] = repos
            active = [r for r in repos["repositories"] if not r.get("archived")]
            self._collect_per_repository(inventory, repo_services, active, scope)
        return inventory

    # -- dispatching to the collectors ------------------------------------------

    def _scope(self) -> Scope:
        return Scope(
            organization=self.organization,
            max_admins=self.max_admins,
            allow_public_repos=self.allow_public_repos,
            repositories=self.repositories,
        )

    def _collect_one(self, inventory: Inventory, service: str, scope: Scope) -> None:
        collector = COLLECTORS[service]
        assert collector.organization is not None
        try:
            inventory.data[service] = collector.organization(self, scope)
        except GitHubError as exc:
            detail = self._describe(exc, collector.label, self.organization)
            logger.warning("GitHub collection of %s failed: %s", service, detail)
            inventory.errors[service] = detail

    def _collect_per_repository(
        self, inventory: Inventory, services: list[str], repos: list[Repository], scope: Scope
    ) -> None:
        tasks: list[_Task] = []
        for service in services:
            collector = COLLECTORS[service]
            inventory.data[service] = {"repositories": {}}
            if collector.organization is not None:
                # Webhooks: the organisation has its own besides each repository's.
                inventory.data[service]["organization"] = []
                tasks.append(_Task(service, functools.partial(collector.organization, self, scope)))
            assert collector.repository is not None
            for repo in repos:
                tasks.append(
                    _Task(service, functools.partial(collector.repository, self, repo), str(repo["full_name"]))
                )
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
                    label = COLLECTORS[task.service].label
                    failures.setdefault(task.service, []).append(self._describe(exc, label, target))
                    continue
                if task.repository is None:
                    inventory.data[task.service]["organization"] = data
                else:
                    inventory.data[task.service]["repositories"][task.repository] = data
        for service, messages in failures.items():
            detail = _combine(messages)
            logger.warning("GitHub collection of %s failed: %s", service, detail)
            inventory.errors[service] = detail

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
        return redact(text, [self._token])


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
