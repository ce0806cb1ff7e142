"""What the GitHub connector reads, one module per group of services (mirroring ``checks``).

``COLLECTORS`` maps each inventory service to how it is read: once for the organisation,
once per (non-archived) repository, or both (webhooks).  The per-repository services
need the repository list (the ``repos`` service) first; the connector reads it whenever
one of them is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..shapes import Repository
from ..transport import GitHubApi
from . import access, branches, disclosure, organization, ownership, security, upkeep
from ._common import Scope, org_path

OrganizationCollector = Callable[[GitHubApi, Scope], Any]
RepositoryCollector = Callable[[GitHubApi, Repository], Any]


@dataclass(frozen=True)
class Collector:
    """How one inventory service is read."""

    # What a user reads in an error: "could not read <label> of acme/api".
    label: str
    organization: OrganizationCollector | None = None
    repository: RepositoryCollector | None = None


COLLECTORS: dict[str, Collector] = {
    "org": Collector("organization settings", organization=organization.collect_org),
    "members": Collector("organization admins", organization=organization.collect_members),
    "actions": Collector("GitHub Actions permissions", organization=organization.collect_actions),
    "repos": Collector("the repositories", organization=access.collect_repos),
    # Per repository, in the order the connector queues them.
    "branch_protection": Collector("branch protection", repository=branches.collect_branch_protection),
    "codeowners": Collector("the CODEOWNERS file", repository=ownership.collect_codeowners),
    "repo_security": Collector("Dependabot alert settings", repository=security.collect_repo_security),
    "repo_settings": Collector("repository settings", repository=upkeep.collect_repo_settings),
    "security_policy": Collector(
        "security policies",
        organization=disclosure.collect_default_security_policy,
        repository=disclosure.collect_repo_security_policy,
    ),
    "deploy_keys": Collector("deploy keys", repository=access.collect_deploy_keys),
    "hooks": Collector("webhooks", organization=access.collect_org_hooks, repository=access.collect_repo_hooks),
    "collaborators": Collector("outside collaborators", repository=access.collect_collaborators),
}

__all__ = ["COLLECTORS", "Collector", "Scope", "org_path"]
