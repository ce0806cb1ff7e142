"""Helpers shared by the GitHub collector modules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..shapes import Repository
from ..transport import GitHubApi, GitHubHttpError, path_segment


@dataclass(frozen=True)
class Scope:
    """What the integration's configuration asks to read."""

    organization: str
    max_admins: int
    allow_public_repos: bool
    # The repository names to scan; None for every repository of the organisation.
    repositories: list[str] | None


def pick(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``data`` cut down to ``fields`` (a shape's keys), absent ones as None."""
    return {name: data.get(name) for name in fields}


def org_path(scope: Scope) -> str:
    return f"/orgs/{path_segment(scope.organization)}"


def repo_path(repo: Repository) -> str:
    owner, _, name = str(repo["full_name"]).partition("/")
    return f"/repos/{path_segment(owner)}/{path_segment(name)}"


def json_unless_missing(api: GitHubApi, path: str) -> Any:
    """GitHub's answer for ``path``, or None where GitHub answers 404 (for these reads: there is no such thing)."""
    try:
        return api._json(path)
    except GitHubHttpError as exc:
        if exc.status == 404:
            return None
        raise
