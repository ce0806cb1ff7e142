"""Who and what can reach the code: the repository list, outside collaborators, deploy keys, webhooks.

Read for the checks in ``checks.access``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from ..shapes import Collaborator, DeployKey, Repos, Repository, Webhook
from ..transport import GitHubApi
from ._common import Scope, org_path, pick, repo_path


def collect_repos(api: GitHubApi, scope: Scope) -> Repos:
    """The repositories to scan, sorted by full name, and the configured ones GitHub did not list."""
    listed = [
        cast(Repository, pick(r, Repository.__annotations__))
        for r in api._all(f"{org_path(scope)}/repos", {"type": "all"})
    ]
    missing: list[str] = []
    if scope.repositories is not None:
        # Repository names are case-insensitive on GitHub.
        by_name = {str(r.get("name", "")).lower(): r for r in listed}
        listed = []
        for name in dict.fromkeys(scope.repositories):
            found = by_name.get(name.lower())
            if found is None:
                missing.append(f"{scope.organization}/{name}")
            elif found not in listed:
                listed.append(found)
    return {
        "repositories": sorted(listed, key=lambda r: str(r.get("full_name", "")).lower()),
        "missing": missing,
        "allow_public_repos": scope.allow_public_repos,
    }


def _hook(hook: Mapping[str, Any]) -> Webhook:
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


def collect_org_hooks(api: GitHubApi, scope: Scope) -> list[Webhook]:
    return [_hook(h) for h in api._all(f"{org_path(scope)}/hooks") if isinstance(h, Mapping)]


def collect_repo_hooks(api: GitHubApi, repo: Repository) -> list[Webhook]:
    return [_hook(h) for h in api._all(f"{repo_path(repo)}/hooks") if isinstance(h, Mapping)]


def collect_deploy_keys(api: GitHubApi, repo: Repository) -> list[DeployKey]:
    # The public key itself is left out: it is not needed and only bloats the inventory.
    keys = api._all(f"{repo_path(repo)}/keys")
    return [cast(DeployKey, pick(k, DeployKey.__annotations__)) for k in keys if isinstance(k, Mapping)]


def collect_collaborators(api: GitHubApi, repo: Repository) -> list[Collaborator]:
    users = api._all(f"{repo_path(repo)}/collaborators", {"affiliation": "outside"})
    return [
        {
            "login": user.get("login"),
            "permissions": dict(user.get("permissions") or {}),
            "role_name": user.get("role_name"),
        }
        for user in users
        if isinstance(user, Mapping)
    ]
