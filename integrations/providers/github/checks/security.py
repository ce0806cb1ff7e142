"""Repository security features: secret scanning, push protection, Dependabot alerts and updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.registry import Inventory, Outcome, Severity

from ..shapes import RepoSecurity
from ._common import (
    REPOSITORY,
    error,
    github_check,
    judge_repositories,
    missing_repositories,
    repositories,
    result,
)

_NEEDS_ADMIN = "the token needs admin access to the repository (or the organization's security manager role)"


def _feature(inventory: Inventory, feature: str, label: str) -> Iterable[Outcome]:
    """One outcome per repository from its security_and_analysis.<feature>.status."""
    outcomes = list(missing_repositories(inventory))
    for repo in repositories(inventory):
        full_name = str(repo.get("full_name"))
        settings = repo.get("security_and_analysis")
        if not isinstance(settings, Mapping):
            reason = f"GitHub did not return the security settings of {full_name}: {_NEEDS_ADMIN}"
            outcomes.append(error(full_name, REPOSITORY, reason, security_and_analysis=None))
            continue
        entry: Any = settings.get(feature)
        status = entry.get("status") if isinstance(entry, Mapping) else None
        enabled = status == "enabled"
        reason = f"{label} is {'enabled' if enabled else 'not enabled'} on {full_name}"
        outcomes.append(result(enabled, full_name, REPOSITORY, reason, **{feature: status or "not available"}))
    return outcomes


@github_check(
    id="github.repo_security.secret_scanning_enabled",
    title="Secret scanning is enabled",
    severity=Severity.HIGH,
    service="repo_security",
    resource_type=REPOSITORY,
    requires=("repos",),
    rationale="Keys and passwords committed to a repository stay in its history for anyone with read "
    "access; secret scanning finds them so they can be revoked before they are abused.",
    remediation="In the repository's Settings → Code security, enable secret scanning (private repositories "
    "need GitHub Secret Protection / Advanced Security), or enable it for all repositories at the organization.",
)
def secret_scanning_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _feature(inventory, "secret_scanning", "Secret scanning")


@github_check(
    id="github.repo_security.secret_scanning_push_protection",
    title="Secret scanning push protection is enabled",
    severity=Severity.MEDIUM,
    service="repo_security",
    resource_type=REPOSITORY,
    requires=("repos",),
    rationale="Detecting a leaked secret after the push still means rotating it; push protection rejects "
    "the push so the secret never reaches the repository.",
    remediation="In the repository's Settings → Code security, enable push protection under secret scanning.",
)
def secret_scanning_push_protection(inventory: Inventory) -> Iterable[Outcome]:
    return _feature(inventory, "secret_scanning_push_protection", "Secret scanning push protection")


@github_check(
    id="github.repo_security.dependabot_security_updates_enabled",
    title="Dependabot security updates are enabled",
    severity=Severity.MEDIUM,
    service="repo_security",
    resource_type=REPOSITORY,
    requires=("repos",),
    rationale="Known-vulnerable dependencies are the commonest way into an application; automatic "
    "pull requests that upgrade them shorten the time the hole stays open.",
    remediation="In the repository's Settings → Code security, enable Dependabot security updates "
    "(Dependabot alerts must be on too).",
)
def dependabot_security_updates_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return _feature(inventory, "dependabot_security_updates", "Dependabot security updates")


@github_check(
    id="github.repo_security.dependabot_alerts_enabled",
    title="Dependabot alerts are enabled",
    severity=Severity.HIGH,
    service="repo_security",
    resource_type=REPOSITORY,
    requires=("repos", "repo_security"),
    rationale="Without alerts nobody learns that a dependency in use has a published vulnerability, so it "
    "is neither patched nor assessed.",
    remediation="In the repository's Settings → Code security, enable Dependabot alerts, or enable them for "
    "all repositories at the organization.",
)
def dependabot_alerts_enabled(inventory: Inventory) -> Iterable[Outcome]:
    return judge_repositories(inventory, "repo_security", "Dependabot alert setting", _judge_alerts)


def _judge_alerts(full_name: str, entry: RepoSecurity) -> Outcome:
    enabled = bool(entry.get("vulnerability_alerts"))
    reason = f"Dependabot alerts are {'enabled' if enabled else 'not enabled'} on {full_name}"
    return result(enabled, full_name, REPOSITORY, reason, vulnerability_alerts=enabled)
